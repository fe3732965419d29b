package vision

import (
	"bytes"
	"context"
	"errors"
	"image"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
)

// noiseFrame is a frame of seeded random pixels: it does not compress, so a
// few of them fill a small disk.
func noiseFrame(w, h int, seed uint64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.Uint32())
	}
	return img
}

// writeFrames writes frames with enc to path and returns Close's error (or
// the first Write's).
func writeFrames(path string, enc Encoder, frames []*image.RGBA) error {
	b := frames[0].Rect
	vw, err := CreateVideoEncoder(context.Background(), path, 30, b.Dx(), b.Dy(), enc)
	if err != nil {
		return err
	}
	for _, f := range frames {
		if err := vw.Write(f); err != nil {
			vw.Close()
			return err
		}
	}
	return vw.Close()
}

// TestVideoWriterFullDisk writes a good video on a small file system, then
// a larger one over it that does not fit: ffmpeg exits 0 after writing a
// truncated file there, and OpenCV's writer reports nothing. Close must
// fail, the good video must stay as it was and no temporary file may be
// left. (Fault 1 of the hostile-input review: the truncated file replaced
// the good one and the run exited 0.)
func TestVideoWriterFullDisk(t *testing.T) {
	needTool(t, "ffmpeg")
	const w, h = 320, 240
	small := []*image.RGBA{patternFrame(w, h, 0), patternFrame(w, h, 1), patternFrame(w, h, 2)}
	var big []*image.RGBA
	for i := range 40 {
		big = append(big, noiseFrame(w, h, uint64(i)))
	}
	for _, enc := range []Encoder{EncoderFFmpeg, EncoderOpenCV} {
		t.Run(string(enc), func(t *testing.T) {
			dir := testenv.SmallFS(t, 384<<10)
			path := filepath.Join(dir, "annotated.mp4")
			if err := writeFrames(path, enc, small); err != nil {
				t.Fatalf("the small video does not fit: %v", err)
			}
			good, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			err = writeFrames(path, enc, big)
			if err == nil {
				t.Fatal("a video larger than the disk was written without error")
			}
			if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "vision: ") {
				t.Errorf("error %q: want one line from vision", err)
			}
			t.Logf("error: %v", err)
			if got, _ := os.ReadFile(path); !bytes.Equal(got, good) {
				t.Errorf("the good video was changed (%d bytes, was %d)", len(got), len(good))
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("folder holds %v, want only the good video", names)
			}
		})
	}
}

// TestVideoWriterRejectsIncompleteOutput: an encoder that exits 0 after
// writing a cut-off file (the first half of a real video, as a full disk
// leaves it; or a file with a lying header) never replaces the video at
// the destination. The fake ffmpeg runs everywhere, unlike a mounted small
// disk.
func TestVideoWriterRejectsIncompleteOutput(t *testing.T) {
	const w, h = 64, 48
	ref := filepath.Join(t.TempDir(), "ref.mp4")
	if err := writeFrames(ref, EncoderOpenCV, []*image.RGBA{patternFrame(w, h, 0), patternFrame(w, h, 1), patternFrame(w, h, 2), patternFrame(w, h, 3)}); err != nil {
		t.Fatal(err)
	}
	refBytes, _ := os.ReadFile(ref)
	tests := []struct {
		name, write string // shell command writing "$out" from "$ref"
	}{
		{"first half", `head -c ` + strconv.Itoa(len(refBytes)/2) + ` "$ref" > "$out"`},
		{"empty", `: > "$out"`},
		{"not a video", `echo "no space left" > "$out"`},
		{"fewer frames than written", `cp "$ref" "$out"`}, // 4 frames for the 6 written
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fakeFFmpeg(t, `case "$*" in *-encoders*) echo " V....D libx264 H.264"; exit 0;; esac
for out; do :; done; ref='`+ref+`'
cat > /dev/null; `+tt.write+`; exit 0`)
			dir := t.TempDir()
			path := filepath.Join(dir, "annotated.mp4")
			if err := os.WriteFile(path, []byte("the good video"), 0o644); err != nil {
				t.Fatal(err)
			}
			var frames []*image.RGBA
			for i := range 6 {
				frames = append(frames, patternFrame(w, h, i))
			}
			err := writeFrames(path, EncoderFFmpeg, frames)
			if !errors.Is(err, ErrIncomplete) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Close: %v, want one line wrapping ErrIncomplete", err)
			}
			if got, _ := os.ReadFile(path); string(got) != "the good video" {
				t.Errorf("destination replaced by %d bytes", len(got))
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("%d entries left, want only the destination", len(entries))
			}
		})
	}
}

// TestVideoHostilePaths writes and reads videos in folders whose names
// FFmpeg could read as something else (an option, a protocol) or that
// carry spaces and non-ASCII letters, given as relative paths the way a
// user types them: each works like any other folder.
func TestVideoHostilePaths(t *testing.T) {
	needTool(t, "ffmpeg")
	t.Chdir(t.TempDir())
	const w, h = 64, 48
	for _, folder := range []string{"-out", "-y", "http:x", "concat:a|b", "with space", "ünïcødé 视频"} {
		for _, enc := range []Encoder{EncoderFFmpeg, EncoderOpenCV} {
			t.Run(folder+"/"+string(enc), func(t *testing.T) {
				dir := filepath.Join(folder, string(enc))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(dir, "-v.mp4")
				if err := writeFrames(path, enc, []*image.RGBA{patternFrame(w, h, 0), patternFrame(w, h, 1)}); err != nil {
					t.Fatal(err)
				}
				r, err := Probe(context.Background(), path)
				if err != nil || r.FrameCount != 2 {
					t.Fatalf("probe %s: %+v, %v", path, r, err)
				}
				if entries, _ := os.ReadDir(dir); len(entries) != 1 {
					t.Errorf("%d entries in %s, want the video", len(entries), dir)
				}
			})
		}
	}
}
