package vision

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"path/filepath"
	"testing"

	"github.com/kneescreen/kneescreen/internal/bgr"
)

// TestSetBGRMatchesRGBAFrames: a Video set to hand out BGR frames gives,
// pixel for pixel, the RGBA frames the same Video gives without it, at
// full size (decoded straight into Go memory), reduced by 2 (OpenCV's
// integer-scale path, in BGR) and by 3 (which stays RGBA), for plain and
// rotated video of odd size, through Next and through Stream (whose
// recycled buffers are decoded into again); and BGRConverter makes of
// each BGR frame, reduced by 1, 2 and 3, exactly what SetReduction makes
// of the same decoded frame, which is what the frame store keeps.
func TestSetBGRMatchesRGBAFrames(t *testing.T) {
	dir := t.TempDir()
	plain := writePatternVideo(t, filepath.Join(dir, "plain.mp4"), 6, 166, 98, 25)
	rotated := filepath.Join(dir, "rot90.mp4")
	ffmpeg(t, "-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated)
	ctx := context.Background()
	conv := NewBGRConverter()
	defer conv.Close()
	for _, path := range []string{plain, rotated} {
		for _, k := range []int{1, 2, 3} {
			for _, stream := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/k=%d/stream=%v", filepath.Base(path), k, stream), func(t *testing.T) {
					open := func(bgrOut bool, k int) *Video {
						v, err := OpenVideo(path)
						if err != nil {
							t.Fatal(err)
						}
						t.Cleanup(func() { v.Close() })
						v.SetReduction(k)
						v.SetBGR(bgrOut)
						return v
					}
					want, got := open(false, k), open(true, k)
					full := open(false, 1)
					var frames <-chan Frame
					var s *FrameStream
					if stream {
						s = Stream(ctx, got, 2)
						defer s.Close()
						frames = s.Frames()
					}
					n := 0
					for ; ; n++ {
						w, werr := want.Next(ctx)
						fw, _ := full.Next(ctx)
						var g Frame
						var gerr error
						if stream {
							var ok bool
							if g, ok = <-frames; !ok {
								gerr = s.Err()
								if gerr == nil {
									gerr = io.EOF
								}
							}
						} else {
							g, gerr = got.Next(ctx)
						}
						if errors.Is(werr, io.EOF) && errors.Is(gerr, io.EOF) {
							break
						}
						if werr != nil || gerr != nil {
							t.Fatalf("frame %d: %v, %v", n, werr, gerr)
						}
						if (g.BGR != nil) != (k <= 2) || (g.BGR != nil) == (g.Image != nil) {
							t.Fatalf("frame %d: BGR %v, Image %v", n, g.BGR != nil, g.Image != nil)
						}
						if g.Index != w.Index || g.Time != w.Time {
							t.Errorf("frame %d: index %d time %v, want %d %v", n, g.Index, g.Time, w.Index, w.Time)
						}
						rgba := g.Image
						if g.BGR != nil {
							rgba = g.BGR.ToRGBA(nil)
							// What the frame store makes of a full-size BGR
							// frame: SetReduction's frame.
							if k == 1 {
								for _, kk := range []int{1, 2, 3} {
									r, err := conv.ToRGBA(nil, g.BGR, kk)
									if err != nil {
										t.Fatal(err)
									}
									samePixels(t, fmt.Sprintf("frame %d, converted and reduced by %d", n, kk), r, boxReference(fw.Image, kk))
								}
							}
						}
						samePixels(t, fmt.Sprintf("frame %d", n), rgba, w.Image)
						if stream {
							s.Release(g.Pixels())
						}
					}
					if n == 0 {
						t.Fatal("no frames")
					}
				})
			}
		}
	}
}

func samePixels(t *testing.T, what string, got, want *image.RGBA) {
	t.Helper()
	if got.Rect.Size() != want.Rect.Size() {
		t.Fatalf("%s: %v, want %v", what, got.Rect, want.Rect)
	}
	for y := range want.Rect.Dy() {
		g := got.Pix[got.PixOffset(got.Rect.Min.X, got.Rect.Min.Y+y):][:4*want.Rect.Dx()]
		w := want.Pix[want.PixOffset(want.Rect.Min.X, want.Rect.Min.Y+y):][:4*want.Rect.Dx()]
		for i := range w {
			if g[i] != w[i] {
				t.Fatalf("%s: row %d byte %d is %d, want %d", what, y, i, g[i], w[i])
			}
		}
	}
}

// TestBGRConverterRejectsPaddedRows: a BGR frame whose rows are not packed
// is refused with an error, not read wrongly.
func TestBGRConverterRejectsPaddedRows(t *testing.T) {
	conv := NewBGRConverter()
	defer conv.Close()
	m := &bgr.Image{Pix: make([]uint8, 10*4), Stride: 10, Rect: image.Rect(0, 0, 3, 4)}
	if _, err := conv.ToRGBA(nil, m, 1); err == nil {
		t.Error("padded rows converted without an error")
	}
}
