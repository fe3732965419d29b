package mp4join

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/Eyevinn/mp4ff/mp4"

	"github.com/kneescreen/kneescreen/internal/yuv"
)

// These helpers run the system's ffmpeg and ffprobe, as the project's
// encoder does (vision/encoder.go), to make real parts and to judge the
// joined files with a decoder that is not this package.

var x264 struct {
	once sync.Once
	why  string // why the tests cannot run, "" when they can
}

// needX264 skips t unless ffmpeg with libx264 and ffprobe are on PATH.
func needX264(t testing.TB) {
	t.Helper()
	x264.once.Do(func() {
		for _, tool := range []string{"ffmpeg", "ffprobe"} {
			if _, err := exec.LookPath(tool); err != nil {
				x264.why = tool + " is not on PATH (install Debian's ffmpeg, e.g. `make setup`)"
				return
			}
		}
		out, err := exec.Command("ffmpeg", "-hide_banner", "-encoders").Output()
		if err != nil || !bytes.Contains(out, []byte("libx264")) {
			x264.why = "the ffmpeg on PATH has no libx264 encoder (Debian's has)"
		}
	})
	if x264.why != "" {
		t.Skip("mp4join: " + x264.why)
	}
}

// enc is how a part is encoded: the project's command line
// (vision/encoder.go startFFmpeg for a confirmed ffmpeg) with its frame
// size, rate and the x264 settings the refusal tests vary.
type enc struct {
	w, h   int
	rate   string // ffmpeg's num:den, as ffmpegRate gives it
	preset string // "" for the project's veryfast
	crf    string // "" for the project's 21
}

// colourArgs are vision's ffmpegColourArgs for a frame of w x h: BT.601
// matrix below HD, BT.709 primaries and transfer, limited range, centre
// chroma siting.
func colourArgs(w, h int) []string {
	m := yuv.BT601
	if w >= 1280 || h > 576 {
		m = yuv.BT709
	}
	return []string{"-color_range", "tv", "-colorspace", m.String(),
		"-color_primaries", "bt709", "-color_trc", "bt709", "-chroma_sample_location", "center"}
}

// encode writes frames first..first+n-1 of the synthetic video as one
// MP4 part at path, without +faststart, as the annotated pass's halves
// are written.
func (e enc) encode(t testing.TB, path string, first, n int) {
	t.Helper()
	preset, crf := cmp(e.preset, "veryfast"), cmp(e.crf, "21")
	threads := []string{"-threads", "1"}
	if e.w*e.h > 640*360 {
		threads = []string{"-threads", "2", "-x264-params", "sliced-threads=1"}
	}
	args := []string{"-hide_banner", "-nostats", "-v", "error",
		"-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", fmt.Sprintf("%dx%d", e.w, e.h)}
	args = append(args, colourArgs(e.w, e.h)...)
	args = append(args, "-framerate", e.rate, "-i", "-",
		"-an", "-c:v", "libx264", "-preset", preset, "-crf", crf, "-pix_fmt", "yuv420p")
	args = append(args, threads...)
	args = append(args, colourArgs(e.w, e.h)...)
	args = append(args, "-y", path)
	cmd := exec.Command("ffmpeg", args...)
	// Streamed, as the encoder pipes frames: a part's frames held at
	// once would be tens of megabytes.
	pr, pw := io.Pipe()
	go func() {
		for i := first; i < first+n; i++ {
			if _, err := pw.Write(frame(e.w, e.h, i)); err != nil {
				return
			}
		}
		pw.Close()
	}()
	cmd.Stdin = pr
	out, err := cmd.CombinedOutput()
	pr.CloseWithError(io.ErrClosedPipe) // ends the writer if ffmpeg stopped early
	if err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// frame is frame i of the synthetic video as yuv420p: a diagonal
// gradient and chroma pattern moving a few pixels a frame (motion for the
// encoder to predict, so B-frames are used), with the frame's index
// written as a row of 16 grey-or-white 16x16 blocks so that no two
// frames are alike.
func frame(w, h, i int) []byte {
	f := make([]byte, w*h*3/2)
	for y := range h {
		for x := range w {
			f[y*w+x] = byte(16 + (x+y+3*i)%200)
		}
	}
	for bit := range 16 {
		v := byte(64)
		if i>>bit&1 != 0 {
			v = 235
		}
		for y := 8; y < 24 && y < h; y++ {
			for x := 8 + bit*16; x < 24+bit*16 && x < w; x++ {
				f[y*w+x] = v
			}
		}
	}
	cw, ch := w/2, h/2
	u, v := f[w*h:w*h+cw*ch], f[w*h+cw*ch:]
	for y := range ch {
		for x := range cw {
			u[y*cw+x] = byte(128 + (x-2*i)%64 - 32)
			v[y*cw+x] = byte(128 + (y+i)%48 - 24)
		}
	}
	return f
}

// frameHashes are the MD5s of the frames ffmpeg decodes from path, in
// presentation order.
func frameHashes(t testing.TB, path string) []string {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "framemd5", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg framemd5 %s: %v", path, err)
	}
	var hashes []string
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, ",")
		hashes = append(hashes, strings.TrimSpace(f[len(f)-1]))
	}
	return hashes
}

// decodeErrors is what ffmpeg says decoding path at -v error: nothing
// for a sound file.
func decodeErrors(t testing.TB, path string) string {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil {
		return fmt.Sprintf("%v: %s", err, out)
	}
	return string(out)
}

// probe is what ffprobe reports of path's video stream and frames.
type probe struct {
	Streams []struct {
		CodecName     string `json:"codec_name"`
		Width         int    `json:"width"`
		Height        int    `json:"height"`
		TimeBase      string `json:"time_base"`
		DurationTS    int64  `json:"duration_ts"`
		NbFrames      string `json:"nb_frames"`
		ColorRange    string `json:"color_range"`
		ColorSpace    string `json:"color_space"`
		ColorTransfer string `json:"color_transfer"`
		ColorPrim     string `json:"color_primaries"`
	} `json:"streams"`
	Frames []struct {
		PTS       *int64 `json:"pts"`
		BestEffor *int64 `json:"best_effort_timestamp"`
		KeyFrame  int    `json:"key_frame"`
	} `json:"frames"`
	Packets []struct {
		PTS   int64  `json:"pts"`
		Flags string `json:"flags"`
	} `json:"packets"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

// ffprobe probes path's stream and format, and its decoded frames when
// frames is set (a full decode), else its packets (from the index).
func ffprobe(t testing.TB, path string, frames bool) probe {
	t.Helper()
	show := []string{"-show_packets", "-show_entries", "packet=pts,flags:stream:format=duration"}
	if frames {
		show = []string{"-show_frames", "-show_entries", "frame=pts,best_effort_timestamp,key_frame:stream:format=duration"}
	}
	args := append([]string{"-v", "error", "-select_streams", "v:0", "-show_streams", "-show_format"}, show...)
	out, err := exec.Command("ffprobe", append(args, "-of", "json", path)...).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	if len(p.Streams) != 1 {
		t.Fatalf("ffprobe %s: %d video streams", path, len(p.Streams))
	}
	return p
}

// frameCount is ffprobe's nb_frames of the stream (from the index).
func (p probe) frameCount(t testing.TB) int {
	n, err := strconv.Atoi(p.Streams[0].NbFrames)
	if err != nil {
		t.Fatalf("nb_frames %q: %v", p.Streams[0].NbFrames, err)
	}
	return n
}

// encodeParts encodes the synthetic video's first sum(counts) frames as
// consecutive parts in dir, and also whole, for comparison.
func encodeParts(t testing.TB, e enc, dir string, counts ...int) []string {
	t.Helper()
	var paths []string
	first := 0
	for i, n := range counts {
		p := filepath.Join(dir, fmt.Sprintf("part%d.mp4", i+1))
		e.encode(t, p, first, n)
		paths = append(paths, p)
		first += n
	}
	return paths
}

// topBoxes lists the types of path's top-level boxes, in order, with
// their offsets.
func topBoxes(t testing.TB, path string) (types []string, offsets []int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for pos := int64(0); ; {
		if _, err := f.Seek(pos, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		hdr, err := mp4.DecodeHeader(f)
		if err == io.EOF {
			return types, offsets
		}
		if err != nil {
			t.Fatalf("%s: box at %d: %v", path, pos, err)
		}
		types, offsets = append(types, hdr.Name), append(offsets, pos)
		pos += int64(hdr.Size)
	}
}
