//go:build matprofile

package vision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"gocv.io/x/gocv"
)

// TestNoMatLeaks runs every source, the writer and the error paths, and
// checks with GoCV's Mat profile that every Mat made was closed. Run with
// -tags matprofile (make test does).
func TestNoMatLeaks(t *testing.T) {
	dir := t.TempDir()
	before := gocv.MatProfile.Count()
	ctx := context.Background()

	// Writer: closed, aborted, and a wrong-size frame.
	video := writePatternVideo(t, filepath.Join(dir, "v.mp4"), 10, 64, 48, 10)
	w, err := CreateVideo(filepath.Join(dir, "aborted.mp4"), 10, 64, 48)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(patternFrame(64, 48, 0))
	w.Write(patternFrame(32, 32, 0))
	w.Abort()

	// Video: read part, read all, probe, stream with cancel, rotated.
	for _, frames := range []int{3, 100} {
		v, err := OpenVideo(video)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < frames; i++ {
			if _, err := v.Next(ctx); err != nil {
				break
			}
		}
		v.Close()
		v.Close()
	}
	if _, err := Probe(ctx, video); err != nil {
		t.Fatal(err)
	}
	v, err := OpenVideo(video)
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	s := Stream(sctx, v, 2)
	<-s.Frames()
	cancel()
	s.Close()
	v.Close()
	rotated := filepath.Join(dir, "r.mp4")
	ffmpeg(t, "-i", video, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated)
	if _, err := Probe(ctx, rotated); err != nil {
		t.Fatal(err)
	}
	r, err := OpenVideo(rotated)
	if err != nil {
		t.Fatal(err)
	}
	r.Next(ctx)
	r.Close()

	// Error paths: not a video, truncated structure, no decodable frame.
	notVideo := filepath.Join(dir, "n.mp4")
	os.WriteFile(notVideo, []byte("text"), 0o644)
	OpenVideo(notVideo)
	data, _ := os.ReadFile(video)
	cut := filepath.Join(dir, "cut.mp4")
	os.WriteFile(cut, data[:len(data)/2], 0o644)
	OpenVideo(cut)

	// Images, including a broken one, and a missing camera.
	imgs := filepath.Join(dir, "imgs")
	os.Mkdir(imgs, 0o755)
	writePNG(t, filepath.Join(imgs, "1.png"), patternFrame(32, 24, 0))
	writeUndecodablePNG(t, filepath.Join(imgs, "2.png"), patternFrame(32, 24, 1))
	im, err := OpenImages(imgs, 10)
	if err != nil {
		t.Fatal(err)
	}
	im.Next(ctx)
	if _, err := im.Next(ctx); !errors.Is(err, ErrBadImage) {
		t.Errorf("the damaged image: %v, want ErrBadImage (the decode error path this test covers)", err)
	}
	im.Close()
	OpenCamera(63)

	if after := gocv.MatProfile.Count(); after != before {
		var b bytes.Buffer
		gocv.MatProfile.WriteTo(&b, 1)
		t.Errorf("%d Mats leaked:\n%s", after-before, b.String())
	}
}

// TestVideoWriterNoLeaks closes, aborts and cancels writers of both
// encoders and checks no Mat, goroutine or ffmpeg process outlives them.
func TestVideoWriterNoLeaks(t *testing.T) {
	dir := t.TempDir()
	mats, goroutines := gocv.MatProfile.Count(), runtime.NumGoroutine()
	for _, enc := range []Encoder{EncoderFFmpeg, EncoderOpenCV} {
		for i, end := range []string{"close", "abort", "cancel", "empty", "wrong size"} {
			ctx, cancel := context.WithCancel(context.Background())
			w, err := CreateVideoEncoder(ctx, filepath.Join(dir, fmt.Sprintf("%s%d.mp4", enc, i)), 10, 64, 48, enc)
			if err != nil {
				t.Fatal(err)
			}
			if end != "empty" {
				w.Write(patternFrame(64, 48, 0))
			}
			switch end {
			case "abort":
				w.Abort()
			case "cancel":
				cancel()
				w.Write(patternFrame(64, 48, 1))
				w.Close()
			case "wrong size":
				w.Write(patternFrame(32, 32, 0))
				w.Close()
			default:
				w.Close()
			}
			cancel()
		}
	}
	if after := gocv.MatProfile.Count(); after != mats {
		t.Errorf("%d Mats leaked", after-mats)
	}
	// exec.Cmd's context watcher and stderr copier end inside Wait; allow
	// the runtime a moment to retire them.
	for i := 0; i < 50 && runtime.NumGoroutine() > goroutines; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > goroutines {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines leaked:\n%s", after-goroutines, buf[:runtime.Stack(buf, true)])
	}
	// Saved: both encoders' "close" and "wrong size" (one good frame), and
	// OpenCV's "cancel" (OpenCV's writer takes no context).
	if entries, _ := os.ReadDir(dir); len(entries) != 5 {
		t.Errorf("%d files, want the 5 closed videos", len(entries))
	}
}
