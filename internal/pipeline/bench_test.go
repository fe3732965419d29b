package pipeline

import (
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
