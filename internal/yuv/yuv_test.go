package yuv

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// kr and kb are the matrices' defining constants, for the float reference.
var kr = map[Matrix]float64{BT601: 0.299, BT709: 0.2126}
var kb = map[Matrix]float64{BT601: 0.114, BT709: 0.0722}

// reference is the exact formula in float64: the limited-range Y'CbCr of
// R, G, B in 0-255.
func reference(m Matrix, r, g, b float64) (y, cb, cr float64) {
	l := kr[m]*r + (1-kr[m]-kb[m])*g + kb[m]*b
	y = 16 + 219*l/255
	cb = 128 + 224*(b-l)/(2*(1-kb[m]))/255
	cr = 128 + 224*(r-l)/(2*(1-kr[m]))/255
	return y, cb, cr
}

// noise returns a w x h sub-image at (3, 1) of a larger frame of random
// bytes, so its stride is wider than its rows and its origin is not 0.
func noise(rng *rand.Rand, w, h int) *image.RGBA {
	full := image.NewRGBA(image.Rect(0, 0, w+7, h+3))
	for i := range full.Pix {
		full.Pix[i] = uint8(rng.Uint32())
	}
	return full.SubImage(image.Rect(3, 1, 3+w, 1+h)).(*image.RGBA)
}

// planes splits an I420 frame of w x h.
func planes(p []byte, w, h int) (y, u, v []byte) {
	return p[:w*h], p[w*h : w*h+w*h/4], p[w*h+w*h/4:]
}

// maxFixedErr bounds how far the fixed-point result may lie from the
// exact value before rounding: each coefficient is within 1/65536 of its
// exact value (half a unit at 15 bits) and multiplies a value of at most
// 255 (chroma: a mean of four), three of them: 3 x 255 / 65536 < 0.012.
// So every output is the exact formula rounded, except where the exact
// value lies within that much of a half-way point, where it may be the
// other neighbour: |got - exact| <= 0.5 + maxFixedErr.
const maxFixedErr = 3 * 255.0 / 65536

// TestFromRGBAMatchesFormula holds every byte of both matrices to the
// float formula (luma per pixel; chroma of the 2x2 block's mean colour)
// within 0.5 + maxFixedErr: noise frames, so every rounding case occurs,
// through whichever kernel this CPU runs.
func TestFromRGBAMatchesFormula(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, m := range []Matrix{BT601, BT709} {
		t.Run(m.String(), func(t *testing.T) {
			w, h := 64, 32
			src := noise(rng, w, h)
			out, err := FromRGBA(nil, src, m)
			if err != nil {
				t.Fatal(err)
			}
			ys, us, vs := planes(out, w, h)
			check := func(what string, x, y int, got uint8, want float64) {
				t.Helper()
				if d := math.Abs(float64(got) - want); d > 0.5+maxFixedErr {
					t.Fatalf("%s at (%d, %d) is %d, exact %.4f", what, x, y, got, want)
				}
			}
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					c := src.RGBAAt(src.Rect.Min.X+x, src.Rect.Min.Y+y)
					ry, _, _ := reference(m, float64(c.R), float64(c.G), float64(c.B))
					check("Y'", x, y, ys[y*w+x], ry)
				}
			}
			for y := 0; y < h/2; y++ {
				for x := 0; x < w/2; x++ {
					var r, g, b float64
					for _, d := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
						c := src.RGBAAt(src.Rect.Min.X+2*x+d[0], src.Rect.Min.Y+2*y+d[1])
						r, g, b = r+float64(c.R)/4, g+float64(c.G)/4, b+float64(c.B)/4
					}
					_, rcb, rcr := reference(m, r, g, b)
					check("Cb", x, y, us[y*w/2+x], rcb)
					check("Cr", x, y, vs[y*w/2+x], rcr)
				}
			}
		})
	}
}

// TestFromRGBAColours checks solid frames of the edge colours against the
// published limited-range values: black 16/128/128, white 235/128/128, the
// primaries as BT.601's and BT.709's tables give them (rounded), and every
// grey with Cb = Cr = 128 exactly (no tint) and Y' the formula rounded.
func TestFromRGBAColours(t *testing.T) {
	type yuv struct{ y, u, v uint8 }
	cases := []struct {
		name string
		c    color.RGBA
		want map[Matrix]yuv
	}{
		{"black", color.RGBA{0, 0, 0, 255}, map[Matrix]yuv{BT601: {16, 128, 128}, BT709: {16, 128, 128}}},
		{"white", color.RGBA{255, 255, 255, 255}, map[Matrix]yuv{BT601: {235, 128, 128}, BT709: {235, 128, 128}}},
		{"red", color.RGBA{255, 0, 0, 255}, map[Matrix]yuv{BT601: {81, 90, 240}, BT709: {63, 102, 240}}},
		{"green", color.RGBA{0, 255, 0, 255}, map[Matrix]yuv{BT601: {145, 54, 34}, BT709: {173, 42, 26}}},
		{"blue", color.RGBA{0, 0, 255, 255}, map[Matrix]yuv{BT601: {41, 240, 110}, BT709: {32, 240, 118}}},
		{"transparent red", color.RGBA{255, 0, 0, 0}, map[Matrix]yuv{BT601: {81, 90, 240}, BT709: {63, 102, 240}}},
	}
	for g := 0; g < 256; g++ {
		y := uint8(math.Floor(16 + 219*float64(g)/255 + 0.5))
		cases = append(cases, struct {
			name string
			c    color.RGBA
			want map[Matrix]yuv
		}{"grey", color.RGBA{uint8(g), uint8(g), uint8(g), 255}, map[Matrix]yuv{BT601: {y, 128, 128}, BT709: {y, 128, 128}}})
	}
	const w, h = 36, 4 // two AVX2 steps and the Go tail
	for _, c := range cases {
		src := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := 0; i < len(src.Pix); i += 4 {
			src.Pix[i], src.Pix[i+1], src.Pix[i+2], src.Pix[i+3] = c.c.R, c.c.G, c.c.B, c.c.A
		}
		for m, want := range c.want {
			out, err := FromRGBA(nil, src, m)
			if err != nil {
				t.Fatal(err)
			}
			ys, us, vs := planes(out, w, h)
			for i := range ys {
				if ys[i] != want.y {
					t.Fatalf("%s %v (%s): Y'[%d] = %d, want %d", c.name, c.c, m, i, ys[i], want.y)
				}
			}
			for i := range us {
				if us[i] != want.u || vs[i] != want.v {
					t.Fatalf("%s %v (%s): Cb, Cr [%d] = %d, %d, want %d, %d", c.name, c.c, m, i, us[i], vs[i], want.u, want.v)
				}
			}
		}
	}
}

// TestKernelsAgree: the kernel this CPU runs (AVX2 where there is one)
// gives rowsGo's bytes exactly, on noise, for widths around its 16-pixel
// step (Go tail alone, both, several steps), sub-images with a stride
// wider than the row, 720p and 1080x1920, both matrices. -tags noasm and
// GODEBUG=cpu.avx2=off run rowsGo on both sides.
func TestKernelsAgree(t *testing.T) {
	if !usesAsm() {
		t.Log("no assembly kernel on this CPU or build: comparing rowsGo with itself")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	type size struct{ w, h int }
	var sizes []size
	for w := 2; w <= 72; w += 2 {
		sizes = append(sizes, size{w, 2 + 2*(w%3)})
	}
	sizes = append(sizes, size{1280, 720}, size{1080, 1920}, size{642, 362})
	for _, sz := range sizes {
		for _, m := range []Matrix{BT601, BT709} {
			src := noise(rng, sz.w, sz.h)
			got, err := FromRGBA(nil, src, m)
			if err != nil {
				t.Fatal(err)
			}
			saved := rowsKernel
			rowsKernel = rowsGo
			want, err := FromRGBA(nil, src, m)
			rowsKernel = saved
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%dx%d %s: byte %d of %d is %d, rowsGo's %d", sz.w, sz.h, m, i, len(want), got[i], want[i])
					}
				}
			}
		}
	}
}

// TestFromRGBAOddSize: an odd width or height is refused with ErrOddSize
// (the encoder never asks: it leaves odd sizes to OpenCV's writer), and
// dst is reused when it is long enough.
func TestFromRGBAOddSize(t *testing.T) {
	for _, r := range []image.Rectangle{image.Rect(0, 0, 3, 2), image.Rect(0, 0, 2, 3), image.Rect(1, 1, 4, 4)} {
		if _, err := FromRGBA(nil, image.NewRGBA(r), BT601); !errors.Is(err, ErrOddSize) {
			t.Errorf("%v: err %v, want ErrOddSize", r, err)
		}
	}
	if _, err := FromRGBA(nil, image.NewRGBA(image.Rect(0, 0, 2, 2)), Matrix(7)); err == nil {
		t.Error("an unknown matrix was accepted")
	}
	buf := make([]byte, 100)
	out, err := FromRGBA(buf, image.NewRGBA(image.Rect(0, 0, 8, 4)), BT709)
	if err != nil || len(out) != Size(8, 4) || &out[0] != &buf[0] {
		t.Errorf("dst of 100 bytes for 48: got %d bytes, reused %v, err %v", len(out), len(out) > 0 && &out[0] == &buf[0], err)
	}
}

// BenchmarkFromRGBA converts a 720p noise frame (the kernel's cost does
// not depend on content).
func BenchmarkFromRGBA(b *testing.B) {
	src := noise(rand.New(rand.NewPCG(1, 1)), 1280, 720)
	dst := make([]byte, Size(1280, 720))
	for _, k := range []struct {
		name string
		fn   func(y0, y1, u, v, r0, r1 []byte, k *coeffs)
	}{{"kernel", rowsKernel}, {"go", rowsGo}} {
		b.Run(k.name, func(b *testing.B) {
			saved := rowsKernel
			rowsKernel = k.fn
			defer func() { rowsKernel = saved }()
			b.SetBytes(int64(len(src.Pix)))
			for b.Loop() {
				if _, err := FromRGBA(dst, src, BT601); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
