package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/internal/sample"
	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/vision"
)

// TestRunRefusesFramesItCannotScreen: an image folder whose images differ
// in size fails pass one with ErrFrameSize (no one frame's pixels hold its
// poses, and the annotated video has one size), and frames too small to
// show anyone fail with ErrFrameTooSmall before any work; neither leaves a
// file in the output folder, nor replaces an earlier report there.
func TestRunRefusesFramesItCannotScreen(t *testing.T) {
	cfg := testClipConfig(0)
	cfg.Width, cfg.Height, cfg.FPS, cfg.LeadS, cfg.TailS = 96, 128, 10, 0.5, 0.5
	c, err := sample.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mixed []*image.RGBA
	for i := 0; i < 6 && i < c.Len(); i++ {
		f := c.Frame(i, nil)
		if i == 4 { // one image of another size, as a folder gathered from two cameras
			g := image.NewRGBA(image.Rect(0, 0, 128, 96))
			draw.Draw(g, g.Rect, f, image.Point{}, draw.Src)
			f = g
		}
		mixed = append(mixed, f)
	}
	tiny := []*image.RGBA{image.NewRGBA(image.Rect(0, 0, 31, 200)), image.NewRGBA(image.Rect(0, 0, 31, 200))}
	for _, tc := range []struct {
		name   string
		frames []*image.RGBA
		want   error
	}{
		{"images of two sizes", mixed, ErrFrameSize},
		{"frames narrower than MinFrameSide", tiny, ErrFrameTooSmall},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := runOverEarlier(t, writeImages(t, tc.frames)); !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

// TestRunRefusesTimeGap: a video whose timestamps jump by more than
// MaxFrameGap (a paused or joined recording; made here with ffmpeg's
// setpts) fails pass one with ErrTimeGap, naming where; a jump under it
// (a phone's varying frame rate, here 2 s) is analysed.
func TestRunRefusesTimeGap(t *testing.T) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("no ffmpeg on PATH")
	}
	clip := func(gapS float64) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "gap.mp4")
		// The sample squat's first 20 frames: a person to screen, so that
		// the clip with the short jump is analysed (an empty one is
		// refused with ErrNoPerson).
		cmd := exec.Command(ffmpeg, "-v", "error", "-i", testenv.Testdata(t, sample.FixtureFile), "-frames:v", "20",
			"-vf", fmt.Sprintf("setpts='if(gte(N,10),PTS+%g/TB,PTS)'", gapS), "-fps_mode", "passthrough",
			"-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", path)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("ffmpeg cannot make the clip: %v: %s", err, out)
		}
		return path
	}
	cfg := defaultConfig(t, report.FormatJSON)
	_, err = Run(context.Background(), clip(60), filepath.Join(t.TempDir(), "out"), cfg)
	if !errors.Is(err, ErrTimeGap) || !strings.Contains(err.Error(), "after frame 9") {
		t.Fatalf("a 60 s jump: err %v, want ErrTimeGap after frame 9", err)
	}
	res, err := Run(context.Background(), clip(2), filepath.Join(t.TempDir(), "out"), cfg)
	if err != nil {
		t.Fatalf("a 2 s jump: %v", err)
	}
	if n := len(res.Track.Poses); n != 20 || res.Track.Poses[10].Time-res.Track.Poses[9].Time < 2 {
		t.Errorf("%d poses, the jump %.2f s; want 20 poses and the 2 s kept", n, res.Track.Poses[10].Time-res.Track.Poses[9].Time)
	}
}

// TestRunRefusesDamagedImages: a folder with one image cut short (a JPEG
// without its end, which OpenCV would fill grey and screen) fails Run
// before any work, naming that image, with a *vision.SourceError (what
// the server takes as the input's fault, a permanent failure); nothing is
// written and an earlier report in the output folder survives. A photo
// given alone is refused the same way.
func TestRunRefusesDamagedImages(t *testing.T) {
	cfg := testClipConfig(0)
	cfg.Width, cfg.Height, cfg.FPS, cfg.LeadS, cfg.TailS = 96, 128, 10, 0.3, 0.3
	c, err := sample.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	folder := t.TempDir()
	var cut string
	for i := 0; i < 4 && i < c.Len(); i++ {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, c.Frame(i, nil), nil); err != nil {
			t.Fatal(err)
		}
		data := b.Bytes()
		name := filepath.Join(folder, fmt.Sprintf("%04d.jpg", i))
		if i == 2 { // copied while still being written
			data, cut = data[:len(data)*2/3], name
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	photo := filepath.Join(t.TempDir(), "photo.jpg")
	if b, err := os.ReadFile(cut); err != nil || os.WriteFile(photo, b, 0o644) != nil {
		t.Fatal("cannot copy the cut image")
	}
	for _, tc := range []struct{ name, input, names string }{
		{"image folder", folder, cut},
		{"single photo", photo, photo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := runOverEarlier(t, tc.input)
			var se *vision.SourceError
			if !errors.Is(err, vision.ErrTruncated) || !errors.As(err, &se) || se.Input != tc.names {
				t.Fatalf("err %v, want vision.ErrTruncated in a SourceError naming %s", err, tc.names)
			}
		})
	}
}

// runOverEarlier runs input (images at 10 frames/s) with every output into
// a folder holding an earlier report.json, and returns Run's error after
// checking that the refusal left that folder as it was: the earlier
// report, unchanged, and nothing else.
func runOverEarlier(t *testing.T, input string) error {
	t.Helper()
	rc := defaultConfig(t, report.FormatJSON, report.FormatVideo, report.FormatHTML)
	rc.ImageFPS = 10
	dir := t.TempDir()
	earlier := filepath.Join(dir, report.JSONFile)
	if err := os.WriteFile(earlier, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), input, dir, rc)
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != report.JSONFile {
		t.Errorf("output folder holds %v, want only the earlier report.json", entries)
	}
	if b, _ := os.ReadFile(earlier); string(b) != "{}" {
		t.Errorf("earlier report.json replaced: %q", b)
	}
	return err
}
