package pipeline

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/kneescreen/kneescreen/internal/sample"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/report"
)

// writeImages writes frames as a folder of PNG images, in name order.
func writeImages(t *testing.T, frames []*image.RGBA) string {
	t.Helper()
	dir := t.TempDir()
	for i, f := range frames {
		w, err := os.Create(filepath.Join(dir, fmt.Sprintf("%04d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(w, f); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// twoPeopleFrames renders the sample figure squatting in the left half of
// each frame and, in the right half, a second figure standing (the same
// clip's first frame, mirrored): two people side by side, as when a
// partner or a clinician stands beside the person screened.
func twoPeopleFrames(t *testing.T, n int) []*image.RGBA {
	t.Helper()
	cfg := testClipConfig(1)
	cfg.Width, cfg.Height = 240, 320
	cfg.FPS = 10
	c, err := sample.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c2 := *c
	c2.Mirror = true
	other := c2.Frame(0, nil)
	var frames []*image.RGBA
	for i := 0; i < n && i < c.Len(); i++ {
		f := image.NewRGBA(image.Rect(0, 0, 2*cfg.Width, cfg.Height))
		draw.Draw(f, image.Rect(0, 0, cfg.Width, cfg.Height), c.Frame(i, nil), image.Point{}, draw.Src)
		draw.Draw(f, image.Rect(cfg.Width, 0, 2*cfg.Width, cfg.Height), other, image.Point{}, draw.Src)
		frames = append(frames, f)
	}
	return frames
}

// TestRunRefusesTwoPeople: with two people side by side, the symmetric
// pass's plain and mirrored estimates follow different people, and their
// average is a body standing between them; Run fails with
// ErrSeveralPeople before writing anything, and leaves an earlier report
// in the folder as it was. One person alone passes.
func TestRunRefusesTwoPeople(t *testing.T) {
	in := writeImages(t, twoPeopleFrames(t, 20))
	cfg := defaultConfig(t, report.FormatJSON)
	cfg.ImageFPS = 10
	dir := filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	earlier := filepath.Join(dir, report.JSONFile)
	if err := os.WriteFile(earlier, []byte(`{"earlier":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), in, dir, cfg)
	if !errors.Is(err, ErrSeveralPeople) {
		t.Fatalf("two people side by side: err %v, want ErrSeveralPeople", err)
	}
	if b, _ := os.ReadFile(earlier); string(b) != `{"earlier":true}` {
		t.Errorf("the earlier report.json was replaced: %q", b)
	}

	// The left half alone: one person.
	var one []*image.RGBA
	for _, f := range twoPeopleFrames(t, 20) {
		one = append(one, f.SubImage(image.Rect(0, 0, f.Rect.Dx()/2, f.Rect.Dy())).(*image.RGBA))
	}
	if _, err := Run(context.Background(), writeImages(t, one), filepath.Join(t.TempDir(), "one"), cfg); err != nil {
		t.Fatalf("one person: %v", err)
	}
}

// TestPeopleCount holds the counter to its rule: estimates are apart when
// their keypoint boxes overlap by less than a quarter of the smaller one,
// and a pass is two people when at least 5 frames and a fifth of those
// placed were apart. Estimates that see too little are not placed.
func TestPeopleCount(t *testing.T) {
	// body is a standing figure's keypoints, 100 px tall, its left edge at x.
	body := func(x float64, score float64) pose.Pose {
		p := pose.NewPose(pose.COCO17)
		p.Person = true
		for i := range p.Keypoints {
			p.Keypoints[i] = pose.Keypoint{X: x + float64(i%3)*20, Y: float64(i) * 100 / 16, Score: score}
		}
		return p
	}
	for _, tc := range []struct {
		name                 string
		frames, apart, faint int
		dx                   float64 // how far right the second estimate is, px
		wantErr              bool
	}{
		{"same person", 100, 0, 0, 2, false},
		{"side by side throughout", 40, 40, 0, 200, true},
		{"a passer-by for a moment", 100, 4, 0, 200, false},
		{"a fifth of the clip", 50, 10, 0, 200, true},
		{"under a fifth", 50, 9, 0, 200, false},
		{"overlapping bodies are one", 40, 40, 0, 25, false},
		{"faint estimates are not placed", 40, 40, 40, 200, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c people
			for i := 0; i < tc.frames; i++ {
				a, b := body(0, 0.8), body(0, 0.8)
				if i < tc.apart {
					b = body(tc.dx, 0.8)
				}
				if i < tc.faint {
					b = body(tc.dx, 0.1)
				}
				c.add(i, &a, &b)
			}
			if err := c.err(); (err != nil) != tc.wantErr || (err != nil && !errors.Is(err, ErrSeveralPeople)) {
				t.Errorf("err %v, want an error: %v (%d of %d placed apart)", err, tc.wantErr, c.apart, c.placed)
			}
		})
	}
}
