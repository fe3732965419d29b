package vision

import (
	"context"
	"errors"
	"io"
	"testing"
)

// TestNextDoesNotAllocate guards the steady state of Video.Next: decoding,
// rotating and converting reuse the source's Mats and image.
func TestNextDoesNotAllocate(t *testing.T) {
	path := writePatternVideo(t, tempPath(t, "a.mp4"), 60, 320, 240, 30)
	v, err := OpenVideo(path)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ctx := context.Background()
	v.Next(ctx) // first frame allocates the image
	allocs := testing.AllocsPerRun(40, func() {
		if _, err := v.Next(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Video.Next allocates %.1f times per frame, want 0", allocs)
	}
}

// benchmarkVideo decodes a w x h clip per iteration through read.
func benchmarkVideo(b *testing.B, w, h int, read func(*Video) error) {
	path := writePatternVideo(b, tempPath(b, "bench.mp4"), 30, w, h, 30)
	b.ReportAllocs()
	b.ResetTimer()
	frames := 0
	for i := 0; i < b.N; i++ {
		v, err := OpenVideo(path)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if err := read(v); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			frames++
		}
		v.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(frames), "ms/frame")
}

// BenchmarkNext1080p measures decode + colour conversion + copy into Go
// memory for portrait phone-sized frames.
func BenchmarkNext1080p(b *testing.B) {
	ctx := context.Background()
	benchmarkVideo(b, 1080, 1920, func(v *Video) error { _, err := v.Next(ctx); return err })
}

// BenchmarkDecodeOnly1080p is the same without conversion (what Probe
// does), so the difference is the cost of handing frames to Go.
func BenchmarkDecodeOnly1080p(b *testing.B) {
	ctx := context.Background()
	benchmarkVideo(b, 1080, 1920, func(v *Video) error {
		_, err := v.advance(ctx, nil)
		if err == nil {
			v.index++
		}
		return err
	})
}
