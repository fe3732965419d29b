//go:build matprofile

package vision

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"
)

// TestNoMatLeaksLive runs a live capture to the end and one closed early,
// and a recording through OpenCV's writer, and checks every Mat made was
// closed. (A window needs a display; its Mats are closed with it.)
func TestNoMatLeaksLive(t *testing.T) {
	t.Setenv(EncoderEnv, string(EncoderOpenCV))
	dir := t.TempDir()
	video := writePatternVideo(t, filepath.Join(dir, "v.mp4"), 10, 64, 48, 30)
	before := gocv.MatProfile.Count()
	for _, all := range []bool{true, false} {
		src, _, err := OpenLive(video)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := StartRecorder(context.Background(), filepath.Join(dir, "r.mp4"), 30, 64, 48)
		if err != nil {
			t.Fatal(err)
		}
		l := StartLatest(context.Background(), src, LatestOptions{Keep: true, Tee: rec.Add})
		for {
			_, err := l.Next(context.Background())
			if errors.Is(err, io.EOF) || !all {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if after := gocv.MatProfile.Count(); after != before {
		t.Errorf("%d Mats leaked", after-before)
	}
}
