package bgr

import (
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"testing"
)

// TestImageReadsAsRGBA: an Image's pixels read through At, and converted
// by ToRGBA (into a new image, and into a reused one placed elsewhere),
// are its bytes as red, green, blue with alpha 255, for images at the
// origin and away from it, with padded rows; draw.Draw from an Image
// (the generic path through At) gives ToRGBA's bytes.
func TestImageReadsAsRGBA(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for _, r := range []image.Rectangle{image.Rect(0, 0, 7, 5), image.Rect(-3, 11, 20, 14), image.Rect(0, 0, 1, 1)} {
		m := &Image{Stride: 3*r.Dx() + 2, Rect: r}
		m.Pix = make([]uint8, m.Stride*r.Dy())
		for i := range m.Pix {
			m.Pix[i] = uint8(rng.IntN(256))
		}
		for _, dst := range []*image.RGBA{nil, image.NewRGBA(image.Rect(5, 6, 5+r.Dx(), 6+r.Dy()))} {
			got := m.ToRGBA(dst)
			if dst != nil && got != dst {
				t.Errorf("%v: a destination of the right size was not reused", r)
			}
			drawn := image.NewRGBA(r)
			draw.Draw(drawn, r, m, r.Min, draw.Src)
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					p := m.Pix[(y-r.Min.Y)*m.Stride+3*(x-r.Min.X):]
					want := color.RGBA{R: p[2], G: p[1], B: p[0], A: 255}
					if c := m.At(x, y); c != want {
						t.Fatalf("%v: At(%d, %d) = %v, want %v", r, x, y, c, want)
					}
					gx, gy := got.Rect.Min.X+x-r.Min.X, got.Rect.Min.Y+y-r.Min.Y
					if c := got.RGBAAt(gx, gy); c != want {
						t.Fatalf("%v: ToRGBA's pixel (%d, %d) = %v, want %v", r, x, y, c, want)
					}
					if c := drawn.RGBAAt(x, y); c != want {
						t.Fatalf("%v: drawn pixel (%d, %d) = %v, want %v", r, x, y, c, want)
					}
				}
			}
		}
		if c := m.At(r.Max.X, r.Min.Y); c != (color.RGBA{}) {
			t.Errorf("%v: At outside the bounds = %v, want transparent black", r, c)
		}
	}
}
