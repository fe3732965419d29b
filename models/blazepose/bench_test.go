package blazepose

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkTrack measures one tracked frame (crop, landmark model without
// the segmentation mask, decoding) on a shared COCO photo, the per-frame
// cost of following a person through a video.
func BenchmarkTrack(b *testing.B) {
	dir := os.Getenv("KNEESCREEN_MODELS_DIR")
	if dir == "" {
		b.Skip("KNEESCREEN_MODELS_DIR not set; skipping")
	}
	img := readImage(b, "realdata/images/coco/000000000785.jpg")
	for _, variant := range Variants {
		if _, err := os.Stat(filepath.Join(dir, "blazepose-"+variant+".onnx")); err != nil {
			b.Skipf("blazepose-%s.onnx absent; skipping", variant)
		}
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads%d", variant, threads), func(b *testing.B) {
				m, err := LoadDir(dir, variant, Options{Threads: threads})
				if err != nil {
					b.Fatal(err)
				}
				tr := m.NewTracker()
				defer tr.Close()
				ctx := context.Background()
				if p, err := tr.Track(ctx, img); err != nil || !p.Person {
					b.Fatalf("first frame: %v, person %v", err, p.Person)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := tr.Track(ctx, img); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/frame")
			})
		}
	}
}
