package models

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/pose"
)

// realFrame returns a COCO photo as *image.RGBA, the type video frames
// arrive in.
func realFrame(tb testing.TB) *image.RGBA {
	tb.Helper()
	img := decodeFile(tb, filepath.Join(testenv.Shared(tb, "realdata/images/coco"), "000000000785.jpg"))
	m := image.NewRGBA(img.Bounds())
	draw.Draw(m, m.Bounds(), img, img.Bounds().Min, draw.Src)
	return m
}

// TestSteadyStateDoesNotAllocate guards the per-frame path: once buffers
// are sized, EstimateInto and TrackInto allocate nothing.
func TestSteadyStateDoesNotAllocate(t *testing.T) {
	frame := realFrame(t)
	e, err := New(testModel(t, Lightning), Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	// The destination pose is reused, as a caller that keeps no poses
	// (bench, a live display) does; Estimate and Track allocate just the
	// returned pose's keypoints.
	var p pose.Pose
	for _, tc := range []struct {
		name string
		f    func() error
	}{
		{"Estimate", func() error { return e.EstimateInto(ctx, frame, &p) }},
		{"Track", func() error { return e.TrackInto(ctx, frame, &p) }},
	} {
		if err := tc.f(); err != nil { // size the buffers
			t.Fatal(err)
		}
		var runErr error
		// Twenty runs: a parking pool worker may allocate the runtime's
		// wait record once after a garbage collection (see
		// TestTrackDoesNotAllocate in models/blazepose).
		allocs := testing.AllocsPerRun(20, func() {
			if err := tc.f(); err != nil {
				runErr = err
			}
		})
		if runErr != nil {
			t.Fatal(runErr)
		}
		if allocs != 0 {
			t.Errorf("%s allocates %.1f times per frame in steady state, want 0", tc.name, allocs)
		}
	}
}

// BenchmarkEstimate times pose estimation on a real 640x425 photo
// (letterbox, resize, inference), on a model-sized input (inference only),
// and tracking (crop around the person found in the previous frame).
func BenchmarkEstimate(b *testing.B) {
	frame := realFrame(b)
	for _, name := range []string{Lightning, Thunder} {
		for _, threads := range []int{1, 2} {
			e, err := New(testModel(b, name), Options{Threads: threads})
			if err != nil {
				b.Fatal(err)
			}
			n := e.InputSize()
			// The photo's top-left corner: any content will do, the
			// engine's cost does not depend on it.
			sized := frame.SubImage(image.Rect(0, 0, n, n))
			ctx := context.Background()
			for _, tc := range []struct {
				what string
				f    func() error
			}{
				{"photo", func() error { _, err := e.Estimate(ctx, frame); return err }},
				{"model-sized", func() error { _, err := e.Estimate(ctx, sized); return err }},
				{"track", func() error { _, err := e.Track(ctx, frame); return err }},
			} {
				b.Run(fmt.Sprintf("%s/threads=%d/%s", name, threads, tc.what), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if err := tc.f(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			e.Close()
		}
	}
}

// BenchmarkResample times preprocessing alone: letterboxing a 640x425 photo
// and a 1080x1920 portrait frame onto the 192-pixel model input.
func BenchmarkResample(b *testing.B) {
	photo := realFrame(b)
	portrait := image.NewRGBA(image.Rect(0, 0, 1080, 1920))
	for _, img := range []*image.RGBA{photo, portrait} {
		w, h := img.Rect.Dx(), img.Rect.Dy()
		b.Run(fmt.Sprintf("%dx%d", w, h), func(b *testing.B) {
			rs := newResampler(192)
			dst := make([]int32, 192*192*3)
			b.ReportAllocs()
			for b.Loop() {
				rs.resample(dst, img, Letterbox(w, h), false)
			}
		})
	}
}

// BenchmarkResampleCrop times the crops video tracking makes, each straight
// and mirrored (the symmetric-inference lane): a person-sized square of a
// 1280x720 frame (the region is of the size a tracked, standing adult
// gives, off the pixel grid as tracked regions are), a region wider than
// the frame, and a crop of a 1080x1920 portrait frame, from the frame as
// RGBA and as BGR (as pass one hands decoded frames over). The frames are
// noise from a fixed seed: the work does not depend on the pixel values.
func BenchmarkResampleCrop(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	landscape, portrait := noiseRGBA(rng, 1280, 720), noiseRGBA(rng, 1080, 1920)
	for _, tc := range []struct {
		name string
		img  *image.RGBA
		r    Region
	}{
		{"720p/side480", landscape, Region{X: 400.3, Y: 120.6, Side: 480.7}},
		{"720p/side700", landscape, Region{X: 290.8, Y: 10.2, Side: 700.4}},
		{"1080x1920/side900", portrait, Region{X: 90.4, Y: 500.7, Side: 900.2}},
	} {
		for _, format := range []string{"rgba", "bgr"} {
			var img image.Image = tc.img
			if format == "bgr" {
				img = bgrOf(tc.img, 0)
			}
			for _, mirrored := range []bool{false, true} {
				b.Run(fmt.Sprintf("%s/%s/mirrored=%v", tc.name, format, mirrored), func(b *testing.B) {
					rs := newResampler(192)
					dst := make([]int32, 192*192*3)
					b.ReportAllocs()
					for b.Loop() {
						rs.resample(dst, img, tc.r, mirrored)
					}
				})
			}
		}
	}
}
