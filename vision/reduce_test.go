package vision

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"path/filepath"
	"testing"
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
