package models

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kneescreen/kneescreen/internal/bgr"
)

// bgrOf returns img's pixels as a BGR image of the same bounds (alpha
// dropped), its rows pad bytes apart beyond their pixels.
func bgrOf(img *image.RGBA, pad int) *bgr.Image {
	b := img.Rect
	m := &bgr.Image{Stride: 3*b.Dx() + pad, Rect: b}
	m.Pix = make([]uint8, m.Stride*b.Dy())
	for i := range m.Pix {
		m.Pix[i] = 0xa5 // pad bytes: must never be read as pixels
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p, q := img.Pix[img.PixOffset(x, y):], m.Pix[m.PixOffset(x, y):]
			q[0], q[1], q[2] = p[2], p[1], p[0]
		}
	}
	return m
}

// bgrRow returns an RGBA row's pixels as BGR.
func bgrRow(src []uint8) []uint8 {
	out := make([]uint8, 0, 3*len(src)/4)
	for i := 0; i+3 < len(src); i += 4 {
		out = append(out, src[i+2], src[i+1], src[i])
	}
	return out
}

// TestResampleBGRMatchesRGBA: every kernel set this build and CPU run
// (Go, and on amd64 AVX2, AVX-512 and AVX-512 VBMI's packed window kernel) gives
// exactly the same bytes for a BGR frame as for the same pixels as RGBA,
// mirrored or not, on noise frames of several shapes (a sub-image with
// padded rows among them), random regions (inside, across the edges,
// beside the frame, reducing by up to about 30x and enlarging) and model
// sizes including odd ones. Decoded frames reach the estimator as BGR, so
// this is what keeps their poses those of the RGBA frames.
func TestResampleBGRMatchesRGBA(t *testing.T) {
	defer useKernels(resampleKernelSets[len(resampleKernelSets)-1])
	rng := rand.New(rand.NewPCG(59, 61))
	big := noiseRGBA(rng, 900, 700)
	frames := []struct {
		name string
		img  *image.RGBA
		pad  int
	}{
		{"1280x720", noiseRGBA(rng, 1280, 720), 0}, {"1080x1920", noiseRGBA(rng, 1080, 1920), 0},
		{"97x61", noiseRGBA(rng, 97, 61), 5}, {"1x1", noiseRGBA(rng, 1, 1), 0}, {"43x2", noiseRGBA(rng, 43, 2), 1},
		{"sub-image", big.SubImage(image.Rect(101, 33, 101+611, 33+505)).(*image.RGBA), 7},
	}
	packed := 0
	for _, f := range frames {
		w, h := f.img.Rect.Dx(), f.img.Rect.Dy()
		m := bgrOf(f.img, f.pad)
		for _, n := range []int{192, 13, 1} {
			t.Run(fmt.Sprintf("%s/%d", f.name, n), func(t *testing.T) {
				a, b := make([]int32, n*n*3), make([]int32, n*n*3)
				for _, k := range resampleKernelSets {
					useKernels(k)
					fromRGBA, fromBGR := newResampler(n), newResampler(n)
					for _, r := range randomRegions(rng, w, h) {
						for _, mirrored := range []bool{false, true} {
							fromRGBA.resample(b, f.img, r, mirrored)
							fromBGR.resample(a, m, r, mirrored)
							if fromBGR.packed {
								packed++
							}
							for i := range a {
								if a[i] != b[i] {
									t.Fatalf("%s kernels, region %+v, mirrored %v: element %d is %d from BGR, %d from RGBA", k.name, r, mirrored, i, a[i], b[i])
								}
							}
						}
					}
				}
			})
		}
	}
	if hrowPackedKernel != nil && packed == 0 {
		t.Error("no BGR case went through the window kernel")
	}
}

// TestPixelsBGRKernelsMatchGo: every BGR pixels kernel converts rows as
// pixelsGo converts the same pixels as RGBA (red, green and blue; the
// fourth float is unused), forward and mirrored, for every count of
// pixels up to 40 and a long row, at several offsets, on rows of 1 to 40
// pixels and 700, and writes nothing past its n pixels. (Where the
// system allows, TestPixelsBGRKernelsStayInRow runs the same on rows
// fenced by unreadable pages.)
func TestPixelsBGRKernelsMatchGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(67, 71))
	for _, length := range append(rangeInts(41)[1:], 700) {
		rgba, src := noiseBGRRow(rng, length, make([]uint8, 3*length))
		checkPixelsBGR(t, rgba, src, length)
	}
}

// noiseBGRRow fills src (3*length bytes) with the BGR pixels of a noise
// RGBA row of length pixels, which it returns with src.
func noiseBGRRow(rng *rand.Rand, length int, src []uint8) ([]uint8, []uint8) {
	rgba := make([]uint8, 4*length)
	for i := range rgba {
		rgba[i] = uint8(rng.IntN(256))
	}
	copy(src, bgrRow(rgba))
	return rgba, src[: 3*length : 3*length]
}

func checkPixelsBGR(t *testing.T, rgba, src []uint8, length int) {
	t.Helper()
	for _, k := range resampleKernelSets {
		for _, n := range append(rangeInts(41), 700) {
			if n > length {
				continue
			}
			for _, step := range []int{3, -3} {
				for shift := range 3 {
					if n > length-shift {
						continue
					}
					first, first4 := 3*shift, 4*shift
					if step < 0 {
						first, first4 = len(src)-3-3*shift, len(rgba)-4-4*shift
					}
					want, got := make([]float32, 4*n+8), make([]float32, 4*n+8)
					for i := range got {
						got[i], want[i] = -1, -1 // what is past n must stay
					}
					pixelsGo(want, rgba, first4, step/3*4, n, nil)
					k.pixelsBGR(got, src, first, step, n, src)
					for i := range got {
						if (i%4 != 3 || i >= 4*n) && math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s, n %d, step %d, first %d: float %d is %v, pixelsGo on RGBA %v", k.name, n, step, first, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}
