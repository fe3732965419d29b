package mp4join

import (
	"bytes"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// TestJoinIsTheConcatenation joins real libx264 parts, made with the
// project's command line, and checks with ffmpeg and ffprobe that the
// joined file is exactly the parts one after the other: every decoded
// frame the same, in order, with timestamps evenly spaced from 0 across
// the joins, the durations summed, the keyframes where they were, the
// colour tags kept, the index first and no decoder complaint.
func TestJoinIsTheConcatenation(t *testing.T) {
	needX264(t)
	cases := []struct {
		name   string
		e      enc
		counts []int
		files  bool // join with JoinFiles rather than Join
	}{
		// The annotated pass's case: a clip's two halves (10 s here;
		// BenchmarkJoin joins a 30-second clip's).
		{"halves of 300 at 30", enc{w: 640, h: 360, rate: "30:1"}, []int{150, 150}, false},
		// x264 gives a one-frame part no B-frame delay, unlike the rest.
		{"1 frame then 60", enc{w: 320, h: 180, rate: "30:1"}, []int{1, 60}, true},
		{"60 then 1 frame", enc{w: 320, h: 180, rate: "30:1"}, []int{60, 1}, false},
		{"three parts at 30000/1001", enc{w: 320, h: 180, rate: "30000:1001"}, []int{40, 2, 35}, true},
		{"halves at 25", enc{w: 320, h: 180, rate: "25:1"}, []int{37, 38}, false},
		{"one part", enc{w: 320, h: 180, rate: "30:1"}, []int{50}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			paths := encodeParts(t, c.e, dir, c.counts...)
			joined := filepath.Join(dir, "joined.mp4")
			if c.files {
				if err := JoinFiles(joined, paths...); err != nil {
					t.Fatal(err)
				}
			} else {
				joinToFile(t, joined, paths...)
			}
			checkJoined(t, c.e, joined, paths, c.counts)
		})
	}
}

// joinToFile joins the files at paths into the new file dst with Join,
// file to file as the pipeline does.
func joinToFile(t testing.TB, dst string, paths ...string) {
	t.Helper()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	var rs []io.ReadSeeker
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rs = append(rs, f)
	}
	if err := Join(out, rs...); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func checkJoined(t *testing.T, e enc, joined string, paths []string, counts []int) {
	t.Helper()
	total := 0
	for _, n := range counts {
		total += n
	}
	if msg := decodeErrors(t, joined); msg != "" {
		t.Errorf("ffmpeg decoding the joined file says:\n%s", msg)
	}

	// The index first, then the data, as +faststart writes it.
	types, _ := topBoxes(t, joined)
	if !slices.Equal(types, []string{"ftyp", "moov", "mdat"}) {
		t.Errorf("top-level boxes %q, want ftyp, moov, mdat", types)
	}

	// The same pictures, in order.
	var want []string
	for _, p := range paths {
		h := frameHashes(t, p)
		if len(h) != counts[len(want)*0+indexOf(paths, p)] {
			t.Fatalf("%s decodes to %d frames, %d were encoded", p, len(h), counts[indexOf(paths, p)])
		}
		want = append(want, h...)
	}
	got := frameHashes(t, joined)
	if len(got) != total {
		t.Errorf("joined file decodes to %d frames, want %d", len(got), total)
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("frame %d differs from the parts' frame %d (first difference)", i, i)
			break
		}
	}

	// Timestamps: frame k at k frame durations, no gap or overlap at the
	// joins; the stream as long as the parts together.
	jp := ffprobe(t, joined, true)
	step := frameStep(t, jp.Streams[0].TimeBase, e.rate)
	if n := jp.frameCount(t); n != total {
		t.Errorf("nb_frames %d, want %d", n, total)
	}
	if len(jp.Frames) != total {
		t.Errorf("ffprobe shows %d frames, want %d", len(jp.Frames), total)
	}
	for k, f := range jp.Frames {
		if f.PTS == nil || *f.PTS != int64(k)*step || f.BestEffor == nil || *f.BestEffor != int64(k)*step {
			t.Errorf("frame %d: pts %v, best effort %v, want %d (step %d)", k, deref(f.PTS), deref(f.BestEffor), int64(k)*step, step)
			break
		}
	}
	var sumTS int64
	var keys []int
	for _, p := range paths {
		pp := ffprobe(t, p, false)
		sumTS += pp.Streams[0].DurationTS
		// Packets in decode order; a keyframe (IDR) is never reordered
		// past a frame of its own part, and the parts' presentation
		// order is their decode order by keyframe.
		slices.SortFunc(pp.Packets, func(a, b struct {
			PTS   int64  `json:"pts"`
			Flags string `json:"flags"`
		}) int {
			return int(a.PTS - b.PTS)
		})
		for _, f := range pp.Packets {
			keys = append(keys, bool01(f.Flags[0] == 'K'))
		}
		if pp.Streams[0].TimeBase != jp.Streams[0].TimeBase {
			t.Errorf("%s: time base %s, joined %s", p, pp.Streams[0].TimeBase, jp.Streams[0].TimeBase)
		}
	}
	if d := jp.Streams[0].DurationTS; d != sumTS || d != int64(total)*step {
		t.Errorf("stream duration %d, parts sum to %d, %d frames of %d make %d", d, sumTS, total, step, int64(total)*step)
	}
	var jkeys []int
	for _, f := range jp.Frames {
		jkeys = append(jkeys, f.KeyFrame)
	}
	if !slices.Equal(jkeys, keys) {
		t.Errorf("keyframes at %v, the parts' at %v", ones(jkeys), ones(keys))
	}
	// The movie duration is in ffmpeg's millisecond movie timescale,
	// rounded up: within 1 ms of the frames' span.
	fd, err := strconv.ParseFloat(jp.Format.Duration, 64)
	wantSec := float64(int64(total)*step) * timeBase(t, jp.Streams[0].TimeBase)
	if err != nil || fd < wantSec-1e-9 || fd > wantSec+0.001+1e-9 {
		t.Errorf("format duration %q, want %.4f s (+1 ms)", jp.Format.Duration, wantSec)
	}

	// Colour tags as the encoder wrote them.
	s := jp.Streams[0]
	if s.ColorRange != "tv" || s.ColorSpace != colourArgs(e.w, e.h)[3] || s.ColorPrim != "bt709" || s.ColorTransfer != "bt709" {
		t.Errorf("colour tags range %s, space %s, primaries %s, transfer %s; want tv, %s, bt709, bt709",
			s.ColorRange, s.ColorSpace, s.ColorPrim, s.ColorTransfer, colourArgs(e.w, e.h)[3])
	}
	if s.Width != e.w || s.Height != e.h || s.CodecName != "h264" {
		t.Errorf("stream %s %dx%d, want h264 %dx%d", s.CodecName, s.Width, s.Height, e.w, e.h)
	}

	// The sample data byte for byte, and the joined file joinable in
	// turn, with the parts' largest B-frame delay as its edit.
	var data, jdata bytes.Buffer
	delay := int64(0)
	for _, p := range paths {
		pt := parsePart(t, p)
		delay = max(delay, pt.delay)
		mdatBytes(t, pt, &data)
	}
	j := parsePart(t, joined)
	mdatBytes(t, j, &jdata)
	if !bytes.Equal(data.Bytes(), jdata.Bytes()) {
		t.Errorf("joined mdat (%d bytes) is not the parts' mdats (%d bytes) one after the other", jdata.Len(), data.Len())
	}
	if j.delay != delay || j.samples != uint32(total) {
		t.Errorf("joined: delay %d, %d samples; want %d, %d", j.delay, j.samples, delay, total)
	}
	if len(counts) == 2 && counts[0] >= 30 && counts[1] >= 30 {
		// Halves of a clip have the same B-frame delay (x264 gives a part
		// of one or two frames none), so their join needs no re-timing;
		// check it is so.
		if d0, d1 := parsePart(t, paths[0]).delay, parsePart(t, paths[1]).delay; d0 != d1 || d0 == 0 {
			t.Errorf("parts 1 and 2 have delays %d and %d, want the same, non-zero (B-frames)", d0, d1)
		}
	}
}

func bool01(b bool) int {
	if b {
		return 1
	}
	return 0
}

func indexOf(s []string, v string) int { return slices.Index(s, v) }

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// ones lists the indices of the ones in flags.
func ones(flags []int) []int {
	var idx []int
	for i, f := range flags {
		if f == 1 {
			idx = append(idx, i)
		}
	}
	return idx
}

// frameStep is one frame's duration in the time base tb ("1/15360") at
// rate ("30000:1001"), which must be a whole number of ticks.
func frameStep(t testing.TB, tb, rate string) int64 {
	t.Helper()
	r, ok := new(big.Rat).SetString(rate[:len(rate)-len(rate[indexByte(rate, ':'):])] + "/" + rate[indexByte(rate, ':')+1:])
	base, ok2 := new(big.Rat).SetString(tb)
	if !ok || !ok2 {
		t.Fatalf("rate %q, time base %q", rate, tb)
	}
	step := new(big.Rat).Quo(new(big.Rat).Inv(r), base)
	if !step.IsInt() {
		t.Fatalf("a frame at %s is %s ticks of %s", rate, step, tb)
	}
	return step.Num().Int64()
}

func indexByte(s string, c byte) int { return bytes.IndexByte([]byte(s), c) }

func timeBase(t testing.TB, tb string) float64 {
	r, ok := new(big.Rat).SetString(tb)
	if !ok {
		t.Fatalf("time base %q", tb)
	}
	f, _ := r.Float64()
	return f
}

// parsePart reads the file at path as Join reads a part.
func parsePart(t testing.TB, path string) *part {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	p, err := readPart(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return p
}

// mdatBytes appends p's mdat payload to buf.
func mdatBytes(t testing.TB, p *part, buf *bytes.Buffer) {
	t.Helper()
	if _, err := p.r.Seek(int64(p.mdatStart), io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(buf, p.r, int64(p.mdatLen)); err != nil {
		t.Fatal(err)
	}
}
