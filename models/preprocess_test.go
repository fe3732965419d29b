package models

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // the COCO originals
	_ "image/png"  // the reference inputs
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
)

func decodeFile(tb testing.TB, path string) image.Image {
	tb.Helper()
	img, err := decodeImage(path)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

func decodeImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// TestLetterboxMatchesReferenceInputs letterboxes the original COCO photos
// and compares the result with the model inputs the reference tool made from
// them with ffmpeg (pad onto a black square, then bilinear scale). JPEG
// decoders differ slightly, so a small mean difference is allowed.
func TestLetterboxMatchesReferenceInputs(t *testing.T) {
	coco := testenv.Shared(t, "realdata/images/coco")
	refs := testenv.Shared(t, "realdata/references")
	for _, id := range []string{"000000000785", "000000040083", "000000196141", "000000197388"} {
		src := decodeFile(t, filepath.Join(coco, id+".jpg"))
		for _, n := range []int{192, 256} {
			t.Run(fmt.Sprintf("%s/%d", id, n), func(t *testing.T) {
				want := newResampler(n).toRGBA(decodeFile(t, filepath.Join(refs, "coco_"+id, fmt.Sprintf("frame_0001_%d.png", n))))
				b := src.Bounds()
				got := make([]int32, n*n*3)
				newResampler(n).resample(got, src, Letterbox(b.Dx(), b.Dy()), false)
				var sum, worst float64
				for y := range n {
					for x := range n {
						for c := range 3 {
							d := math.Abs(float64(got[(y*n+x)*3+c]) - float64(want.Pix[want.PixOffset(x, y)+c]))
							sum += d
							worst = max(worst, d)
						}
					}
				}
				mean := sum / float64(n*n*3)
				t.Logf("mean |diff| %.3f, worst %.0f (of 255)", mean, worst)
				if mean > 0.5 || worst > 24 {
					t.Errorf("letterboxed input differs from the reference: mean |diff| %.3f (want <= 0.5), worst %.0f (want <= 24)", mean, worst)
				}
			})
		}
	}
}

// TestResampleSynthetic checks the resampler on images whose answer is
// known: a flat colour stays that colour, padding is black, a sub-image is
// read from its own bounds, and nothing is written beyond the tensor.
func TestResampleSynthetic(t *testing.T) {
	const n = 192
	flat := func(r image.Rectangle, c color.RGBA) *image.RGBA {
		m := image.NewRGBA(r)
		draw.Draw(m, r, image.NewUniform(c), image.Point{}, draw.Src)
		return m
	}
	grey := color.RGBA{200, 100, 50, 255}
	rng := rand.New(rand.NewPCG(1, 2))
	noise := image.NewRGBA(image.Rect(0, 0, 700, 500))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(rng.IntN(256))
	}
	tests := []struct {
		name string
		img  image.Image
		r    Region
		// want returns the expected value of output pixel (x, y), channel c,
		// or -1 when only the range check applies.
		want func(x, y, c int) int32
	}{
		{"flat landscape letterboxed", flat(image.Rect(0, 0, 960, 480), grey), Letterbox(960, 480),
			func(x, y, c int) int32 {
				// 480 rows centred in 960: model rows 48..143 are image;
				// the filter blends the rows at the edge.
				switch {
				case y == 47 || y == 48 || y == 143 || y == 144:
					return -1
				case y < 48 || y >= 144:
					return 0
				}
				return int32([]uint8{grey.R, grey.G, grey.B}[c])
			}},
		{"flat portrait letterboxed, non-zero origin", flat(image.Rect(-30, 7, 450, 967), grey), Letterbox(480, 960),
			func(x, y, c int) int32 {
				switch {
				case x == 47 || x == 48 || x == 143 || x == 144:
					return -1
				case x < 48 || x >= 144:
					return 0
				}
				return int32([]uint8{grey.R, grey.G, grey.B}[c])
			}},
		{"region entirely outside the image", flat(image.Rect(0, 0, 100, 100), grey), Region{X: 500, Y: -800, Side: 300},
			func(x, y, c int) int32 { return 0 }},
		{"region beside the image", flat(image.Rect(0, 0, 100, 100), grey), Region{X: 150, Y: -20, Side: 140},
			func(x, y, c int) int32 { return 0 }},
		{"region left of the image", flat(image.Rect(0, 0, 100, 100), grey), Region{X: -300, Y: 0, Side: 200},
			func(x, y, c int) int32 { return 0 }},
		{"upscaled tiny crop", flat(image.Rect(0, 0, 100, 100), grey), Region{X: 10.25, Y: 20.5, Side: 12.5},
			func(x, y, c int) int32 { return int32([]uint8{grey.R, grey.G, grey.B}[c]) }},
		{"noise, crop hanging off the corner", noise, Region{X: 500, Y: 300, Side: 400},
			func(x, y, c int) int32 {
				// The crop covers x 500..900, y 300..700 of a 700x500
				// image: model pixels beyond 96 on either axis are
				// padding (allow the one boundary pixel to blend).
				if x > 96 || y > 96 {
					return 0
				}
				return -1
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const guard = 64
			buf := make([]int32, n*n*3+2*guard)
			for i := range buf {
				buf[i] = -7
			}
			got := buf[guard : guard+n*n*3]
			newResampler(n).resample(got, tc.img, tc.r, false)
			for i := range guard {
				if buf[i] != -7 || buf[len(buf)-1-i] != -7 {
					t.Fatal("resample wrote outside the tensor")
				}
			}
			bad := 0
			for y := range n {
				for x := range n {
					for c := range 3 {
						v := got[(y*n+x)*3+c]
						w := tc.want(x, y, c)
						if v < 0 || v > 255 || (w >= 0 && v != w) {
							if bad++; bad <= 5 {
								t.Errorf("pixel (%d,%d) channel %d = %d, want %d", x, y, c, v, w)
							}
						}
					}
				}
			}
		})
	}
}

// TestResampleSubImageMatchesCopy checks that Bounds().Min is respected: a
// sub-image and a copy of it with origin zero give the same tensor.
func TestResampleSubImageMatchesCopy(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	big := image.NewRGBA(image.Rect(0, 0, 900, 700))
	for i := range big.Pix {
		big.Pix[i] = uint8(rng.IntN(256))
		if i%4 == 3 {
			big.Pix[i] = 255 // opaque, so NRGBA holds the same colours
		}
	}
	sub := big.SubImage(image.Rect(123, 45, 123+640, 45+480)).(*image.RGBA)
	cp := image.NewRGBA(image.Rect(0, 0, 640, 480))
	draw.Draw(cp, cp.Bounds(), sub, sub.Bounds().Min, draw.Src)
	// A YCbCr-like non-RGBA type goes through the conversion path.
	nrgba := image.NewNRGBA(cp.Bounds())
	draw.Draw(nrgba, nrgba.Bounds(), cp, image.Point{}, draw.Src)
	for _, r := range []Region{Letterbox(640, 480), {X: 100.3, Y: -20.7, Side: 333.3}} {
		a, b, c := make([]int32, 192*192*3), make([]int32, 192*192*3), make([]int32, 192*192*3)
		newResampler(192).resample(a, sub, r, false)
		newResampler(192).resample(b, cp, r, false)
		newResampler(192).resample(c, nrgba, r, false)
		for i := range a {
			if a[i] != b[i] || a[i] != c[i] {
				t.Fatalf("region %+v: element %d: sub-image %d, copy %d, NRGBA %d", r, i, a[i], b[i], c[i])
			}
		}
	}
}

func TestResampleDoesNotAllocate(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	rs := newResampler(192)
	dst := make([]int32, 192*192*3)
	regions := []Region{Letterbox(1280, 720), {X: 400, Y: 100, Side: 500}, {X: 300.5, Y: 90.25, Side: 480}}
	rs.resample(dst, img, regions[0], false) // first call sizes the buffers
	i := 0
	allocs := testing.AllocsPerRun(20, func() {
		rs.resample(dst, img, regions[i%len(regions)], false)
		i++
	})
	if allocs != 0 {
		t.Errorf("resample allocates %.1f times per frame in steady state, want 0", allocs)
	}
}

// noiseRGBA returns a w x h image of random bytes drawn from rng.
func noiseRGBA(rng *rand.Rand, w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(rng.IntN(256))
	}
	return m
}

// mirroredCopy returns img flipped left to right, at (0, 0).
func mirroredCopy(img *image.RGBA) *image.RGBA {
	b := img.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			m.SetRGBA(b.Dx()-1-x, y, img.RGBAAt(b.Min.X+x, b.Min.Y+y))
		}
	}
	return m
}

// TestResampleMirroredIsMirroredCopy: resampling the mirror image in place
// gives, bit for bit, what resampling a mirrored copy gives, for regions
// inside the frame, across its edges, larger than it (letterbox) and
// smaller than the model input (enlarging), on frames of odd and even
// widths and on a sub-image whose pixels do not start at (0, 0).
func TestResampleMirroredIsMirroredCopy(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	noise := func(w, h int) *image.RGBA { return noiseRGBA(rng, w, h) }
	big := noise(900, 700)
	frames := map[string]*image.RGBA{
		"1280x720":  noise(1280, 720),
		"641x359":   noise(641, 359),
		"sub-image": big.SubImage(image.Rect(131, 57, 131+517, 57+611)).(*image.RGBA),
	}
	for name, img := range frames {
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		regions := []Region{Letterbox(w, h), {X: 100.3, Y: 20.7, Side: 333.3}, {X: -40.5, Y: -10.25, Side: 280},
			{X: float64(w) - 150.2, Y: float64(h) - 90.9, Side: 301.7}, {X: 50.5, Y: 60.25, Side: 77.3}}
		cp := mirroredCopy(img)
		for _, n := range []int{192, 256} {
			for _, r := range regions {
				want, got := make([]int32, n*n*3), make([]int32, n*n*3)
				newResampler(n).resample(want, cp, r, false)
				newResampler(n).resample(got, img, r, true)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%s, %d, region %+v: element %d is %d, mirrored copy %d", name, n, r, i, got[i], want[i])
					}
				}
			}
		}
	}
}
