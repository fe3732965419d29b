package mp4join

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestJoinRefuses checks that parts which are not pieces of one stream,
// or not whole MP4s, are refused before anything is written, with a
// one-line error naming the part and a sentinel to branch on.
func TestJoinRefuses(t *testing.T) {
	needX264(t)
	dir := t.TempDir()
	base := enc{w: 320, h: 180, rate: "30:1"}
	good := filepath.Join(dir, "good.mp4")
	base.encode(t, good, 0, 20)
	make := func(name string, e enc) string {
		p := filepath.Join(dir, name)
		e.encode(t, p, 20, 20)
		return p
	}
	otherSize := make("size.mp4", enc{w: 160, h: 90, rate: "30:1"})
	otherCRF := make("crf.mp4", enc{w: 320, h: 180, rate: "30:1", crf: "30"})
	otherRate := make("rate.mp4", enc{w: 320, h: 180, rate: "25:1"})
	remux := func(name string, args ...string) string {
		p := filepath.Join(dir, name)
		cmd := exec.Command("ffmpeg", append(append([]string{"-v", "error", "-i", good}, args...), "-y", p)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg %v: %v\n%s", cmd.Args, err, out)
		}
		return p
	}
	fragmented := remux("frag.mp4", "-c", "copy", "-movflags", "frag_keyframe+empty_moov")
	twoTracks := remux("two.mp4", "-map", "0", "-map", "0", "-c", "copy")
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The parts are written without +faststart, so the moov is last and
	// a cut in the mdat loses it, as a killed ffmpeg leaves a file.
	truncated := write("cut.mp4", goodBytes[:len(goodBytes)/2])
	notMP4 := write("text.mp4", []byte("this is not a video file, just some text long enough\n"))
	empty := write("empty.mp4", nil)
	noSamples := filepath.Join(dir, "nosamples.mp4")
	base.encode(t, noSamples, 0, 0)

	cases := []struct {
		name  string
		parts []string
		want  error
		part  int    // the part the error names
		says  string // what the error must say
	}{
		{"other frame size", []string{good, otherSize}, ErrMismatch, 2, "frame size 160x90"},
		{"other CRF (another PPS)", []string{good, otherCRF}, ErrMismatch, 2, "parameter sets"},
		{"other rate (another timescale)", []string{good, otherRate}, ErrMismatch, 2, "timescale"},
		{"truncated mdat", []string{good, truncated}, ErrTruncated, 2, "mdat"},
		{"not MP4", []string{notMP4, good}, ErrNotMP4, 1, "not an ftyp"},
		{"empty file", []string{good, good, empty}, ErrNotMP4, 3, "empty file"},
		{"no samples", []string{good, noSamples}, ErrEmpty, 2, "0 samples"},
		{"fragmented", []string{good, fragmented}, ErrFragmented, 2, "fragmented"},
		{"two tracks", []string{twoTracks, good}, ErrUnsupported, 1, "2 tracks"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rs []io.ReadSeeker
			for _, p := range c.parts {
				f, err := os.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				rs = append(rs, f)
			}
			var out bytes.Buffer
			err := Join(&out, rs...)
			checkRefusal(t, err, c.want, c.part, c.says)
			if out.Len() != 0 {
				t.Errorf("%d bytes written before the refusal", out.Len())
			}
			// JoinFiles says the same, names the file, and leaves dst as
			// it was.
			dst := filepath.Join(t.TempDir(), "out.mp4")
			if err := os.WriteFile(dst, []byte("earlier"), 0o644); err != nil {
				t.Fatal(err)
			}
			err = JoinFiles(dst, c.parts...)
			checkRefusal(t, err, c.want, c.part, c.says)
			if err != nil && !strings.Contains(err.Error(), "("+c.parts[c.part-1]+")") {
				t.Errorf("error %q does not name the file %s", err, c.parts[c.part-1])
			}
			if b, _ := os.ReadFile(dst); string(b) != "earlier" {
				t.Errorf("dst now holds %d bytes, want the earlier file kept", len(b))
			}
		})
	}

	t.Run("no parts", func(t *testing.T) {
		if err := Join(io.Discard); !errors.Is(err, ErrNoParts) {
			t.Errorf("Join() = %v, want ErrNoParts", err)
		}
		if err := JoinFiles(filepath.Join(t.TempDir(), "x.mp4")); !errors.Is(err, ErrNoParts) {
			t.Errorf("JoinFiles() = %v, want ErrNoParts", err)
		}
	})
}

func checkRefusal(t *testing.T, err, want error, part int, says string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	var pe *PartError
	if !errors.As(err, &pe) || pe.Part != part {
		t.Errorf("error %q is not a PartError for part %d", err, part)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "part ") || !strings.Contains(msg, says) {
		t.Errorf("error %q: want one line naming the part and saying %q", msg, says)
	}
}
