package pipeline

import (
	"context"
	"image"
	"testing"
)

func BenchmarkMirrorRGBA(b *testing.B) {
	for _, sz := range []image.Point{{1280, 720}, {1080, 1920}} {
		b.Run(fmtSize(sz), func(b *testing.B) {
			src := image.NewRGBA(image.Rect(0, 0, sz.X, sz.Y))
			dst := mirrorRGBA(nil, src)
			b.SetBytes(int64(len(src.Pix)))
			b.ReportAllocs()
			for b.Loop() {
				dst = mirrorRGBA(dst, src)
			}
		})
	}
}

func fmtSize(p image.Point) string { return itoa(p.X) + "x" + itoa(p.Y) }

func itoa(v int) string {
	if v == 0 {
		return "0"
	}
	var b []byte
	for ; v > 0; v /= 10 {
		b = append([]byte{byte('0' + v%10)}, b...)
	}
	return string(b)
}

// BenchmarkTrack measures pass one (decode and pose estimation) on a
// rendered 1280x720 clip, in frames per second of wall time.
func BenchmarkTrack(b *testing.B) {
	cfg := testClipConfig(1)
	cfg.Width, cfg.Height = 1280, 720
	path, _ := writeClip(b, cfg, false)
	newEst := lightning(b)
	for _, sym := range []bool{false, true} {
		name := "plain"
		if sym {
			name = "symmetric"
		}
		b.Run(name, func(b *testing.B) {
			frames := 0
			for b.Loop() {
				src, err := Open(path, 30)
				if err != nil {
					b.Fatal(err)
				}
				tr, err := Track(context.Background(), src, TrackOptions{NewEstimator: newEst, Symmetric: sym})
				src.Close()
				if err != nil {
					b.Fatal(err)
				}
				frames += len(tr.Poses)
			}
			b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
