package vision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"
)

// boxReference reduces img k times in each direction: the rounded mean of
// each k x k block's R, G and B, alpha 255, edge pixels that fill no block
// dropped (the pose pass's reduction of a full-size frame).
func boxReference(img *image.RGBA, k int) *image.RGBA {
	w, h := img.Rect.Dx()/k, img.Rect.Dy()/k
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	n := k * k
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				s := 0
				for yy := 0; yy < k; yy++ {
					for xx := 0; xx < k; xx++ {
						s += int(img.Pix[img.PixOffset(img.Rect.Min.X+x*k+xx, img.Rect.Min.Y+y*k+yy)+c])
					}
				}
				dst.Pix[dst.PixOffset(x, y)+c] = uint8((s + n/2) / n)
			}
			dst.Pix[dst.PixOffset(x, y)+3] = 255
		}
	}
	return dst
}

// TestSetReductionMatchesReducedFrames: a Video told to reduce its frames
// gives, byte for byte, what reducing its full-size frames gives (the pose
// pass's results must not depend on which does it), for the unrolled 2x2
// case and the general one, odd frame sizes, and rotated video (reduced
// after turning upright); Info keeps the full size.
func TestSetReductionMatchesReducedFrames(t *testing.T) {
	dir := t.TempDir()
	plain := writePatternVideo(t, filepath.Join(dir, "plain.mp4"), 6, 166, 98, 25)
	rotated := filepath.Join(dir, "rot90.mp4")
	ffmpeg(t, "-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated)
	for _, path := range []string{plain, rotated} {
		for _, k := range []int{2, 3} {
			t.Run(fmt.Sprintf("%s/k=%d", filepath.Base(path), k), func(t *testing.T) {
				full, err := OpenVideo(path)
				if err != nil {
					t.Fatal(err)
				}
				defer full.Close()
				small, err := OpenVideo(path)
				if err != nil {
					t.Fatal(err)
				}
				defer small.Close()
				small.SetReduction(k)
				if small.Info() != full.Info() {
					t.Errorf("Info %+v, want the full-size %+v", small.Info(), full.Info())
				}
				ctx := context.Background()
				for i := 0; ; i++ {
					f, ferr := full.Next(ctx)
					s, serr := small.Next(ctx)
					if errors.Is(ferr, io.EOF) && errors.Is(serr, io.EOF) {
						if i == 0 {
							t.Fatal("no frames")
						}
						return
					}
					if ferr != nil || serr != nil {
						t.Fatalf("frame %d: %v, %v", i, ferr, serr)
					}
					want := boxReference(f.Image, k)
					if s.Image.Rect != want.Rect {
						t.Fatalf("frame %d: %v, want %v", i, s.Image.Rect, want.Rect)
					}
					for b := range want.Pix {
						if s.Image.Pix[b] != want.Pix[b] {
							t.Fatalf("frame %d byte %d: %d, want %d", i, b, s.Image.Pix[b], want.Pix[b])
						}
					}
				}
			})
		}
	}
}

// TestReduceBGRMatchesReference holds reduceBGR, OpenCV's area resize for
// the factor 2 and the Go loop for others, to boxReference byte for byte on
// noise frames (every rounding case occurs), odd sizes whose last column
// or row fills no block, the 1x1 result and a phone's 1080x1920, with the
// scratch Mats and the destination reused across sizes as a Video does.
func TestReduceBGRMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	small, tmp := gocv.NewMat(), newRGBAScratch()
	defer small.Close()
	defer tmp.close()
	var dst *image.RGBA
	for _, sz := range []image.Point{{2, 2}, {3, 3}, {5, 2}, {166, 98}, {167, 99}, {640, 361}, {1080, 1920}} {
		for _, k := range []int{2, 3} {
			if sz.X < k || sz.Y < k {
				continue
			}
			bgr := make([]byte, 3*sz.X*sz.Y)
			for i := range bgr {
				bgr[i] = uint8(rng.Uint32())
			}
			src, err := gocv.NewMatFromBytes(sz.Y, sz.X, gocv.MatTypeCV8UC3, bgr)
			if err != nil {
				t.Fatal(err)
			}
			full := image.NewRGBA(image.Rect(0, 0, sz.X, sz.Y))
			for i := 0; i < sz.X*sz.Y; i++ {
				full.Pix[4*i], full.Pix[4*i+1], full.Pix[4*i+2], full.Pix[4*i+3] = bgr[3*i+2], bgr[3*i+1], bgr[3*i], 255
			}
			want := boxReference(full, k)
			dst, err = reduceBGR(src, k, &small, tmp, dst)
			src.Close()
			if err != nil {
				t.Fatalf("%v k=%d: %v", sz, k, err)
			}
			if dst.Rect != want.Rect {
				t.Fatalf("%v k=%d: %v, want %v", sz, k, dst.Rect, want.Rect)
			}
			if !bytes.Equal(dst.Pix, want.Pix) {
				for i := range want.Pix {
					if dst.Pix[i] != want.Pix[i] {
						t.Fatalf("%v k=%d: byte %d (pixel %d, channel %d) is %d, want %d", sz, k, i, i/4, i%4, dst.Pix[i], want.Pix[i])
					}
				}
			}
		}
	}
}

// TestMatToRGBA: the conversion gives the same bytes whether OpenCV writes
// straight into the destination's pixels (a whole image, as the sources
// allocate) or into the scratch Mat that is then copied (a sub-image, whose
// rows are not contiguous), for BGR, BGRA and gray Mats of odd sizes; the
// destination is reused when its size fits and its pixels are the ones
// written.
func TestMatToRGBA(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	tmp := newRGBAScratch()
	defer tmp.close()
	for _, ch := range []int{3, 4, 1} {
		for _, sz := range []image.Point{{1, 1}, {3, 2}, {167, 99}, {1280, 720}} {
			t.Run(fmt.Sprintf("%dch/%dx%d", ch, sz.X, sz.Y), func(t *testing.T) {
				raw := make([]byte, ch*sz.X*sz.Y)
				for i := range raw {
					raw[i] = uint8(rng.Uint32())
				}
				types := map[int]gocv.MatType{1: gocv.MatTypeCV8UC1, 3: gocv.MatTypeCV8UC3, 4: gocv.MatTypeCV8UC4}
				src, err := gocv.NewMatFromBytes(sz.Y, sz.X, types[ch], raw)
				if err != nil {
					t.Fatal(err)
				}
				defer src.Close()
				want := image.NewRGBA(image.Rect(0, 0, sz.X, sz.Y))
				for i := 0; i < sz.X*sz.Y; i++ {
					p := want.Pix[4*i : 4*i+4]
					switch ch {
					case 1:
						p[0], p[1], p[2], p[3] = raw[i], raw[i], raw[i], 255
					case 3:
						p[0], p[1], p[2], p[3] = raw[3*i+2], raw[3*i+1], raw[3*i], 255
					case 4:
						p[0], p[1], p[2], p[3] = raw[4*i+2], raw[4*i+1], raw[4*i], raw[4*i+3]
					}
				}
				// A whole image, filled with a value the conversion must
				// overwrite everywhere.
				whole := image.NewRGBA(want.Rect)
				for i := range whole.Pix {
					whole.Pix[i] = 0x5a
				}
				// The scratch Mat stays empty when OpenCV wrote the pixels
				// in place, twice (the second time through the kept header).
				scratch := newRGBAScratch()
				defer scratch.close()
				got, err := matToRGBA(src, scratch, whole)
				if err == nil {
					clear(whole.Pix)
					got, err = matToRGBA(src, scratch, whole)
				}
				if err != nil {
					t.Fatal(err)
				}
				if got != whole || !bytes.Equal(got.Pix, want.Pix) {
					t.Fatalf("into a whole image: reused %v, bytes equal %v", got == whole, bytes.Equal(got.Pix, want.Pix))
				}
				if !scratch.tmp.Empty() {
					t.Error("a whole image was converted through the scratch Mat and copied, not in place")
				}
				// A sub-image with a border that must stay untouched.
				big := image.NewRGBA(image.Rect(0, 0, sz.X+2, sz.Y+2))
				for i := range big.Pix {
					big.Pix[i] = 0x5a
				}
				sub := big.SubImage(image.Rect(1, 1, sz.X+1, sz.Y+1)).(*image.RGBA)
				if got, err = matToRGBA(src, tmp, sub); err != nil {
					t.Fatal(err)
				}
				if got != sub {
					t.Fatal("the sub-image was not reused")
				}
				for y := 0; y < sz.Y+2; y++ {
					for x := 0; x < sz.X+2; x++ {
						var w []byte
						if x >= 1 && y >= 1 && x <= sz.X && y <= sz.Y {
							w = want.Pix[want.PixOffset(x-1, y-1):][:4]
						} else {
							w = []byte{0x5a, 0x5a, 0x5a, 0x5a}
						}
						if g := big.Pix[big.PixOffset(x, y):][:4]; !bytes.Equal(g, w) {
							t.Fatalf("sub-image: pixel (%d,%d) of the parent is %v, want %v", x, y, g, w)
						}
					}
				}
				// No destination: a new image.
				if got, err = matToRGBA(src, tmp, nil); err != nil || !bytes.Equal(got.Pix, want.Pix) {
					t.Fatalf("new image: err %v", err)
				}
			})
		}
	}
}
