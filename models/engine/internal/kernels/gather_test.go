package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGatherInt32 checks GatherInt32 on every implementation against Go's
// float32(int32) element by element, bit for bit: strides 3 (the vector
// kernel's, each offset of an interleaved RGB row, sources ending exactly
// at the last value read or a little after) and others, lengths leaving
// every tail, and values whose conversion rounds (beyond 2^24) or sits at
// the int32 limits; guard bands around dst.
func TestGatherInt32(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(21, 2))
		for _, stride := range []int{3, 1, 4} {
			for n := 1; n <= 70; n++ {
				for off := 0; off < stride; off++ {
					for extra := 0; extra < 3; extra++ {
						src := make([]int32, off+(n-1)*stride+1+extra)
						for i := range src {
							switch r.IntN(4) {
							case 0:
								src[i] = int32(r.IntN(256))
							case 1:
								src[i] = int32(r.Uint32())
							case 2:
								src[i] = []int32{math.MaxInt32, math.MinInt32, 1<<24 + 1, -(1<<25 + 3)}[r.IntN(4)]
							default:
								src[i] = int32(r.IntN(1 << 26))
							}
						}
						name := fmt.Sprintf("stride%d/n%d/off%d/extra%d", stride, n, off, extra)
						dst := newGuarded(n)
						GatherInt32(dst.data(), src, off, stride)
						dst.check(t, name)
						for j, got := range dst.data() {
							if w := float32(src[off+j*stride]); math.Float32bits(got) != math.Float32bits(w) {
								t.Fatalf("%s: element %d: %v, want float32(%d) = %v", name, j, got, src[off+j*stride], w)
							}
						}
					}
				}
			}
		}
		// MoveNet's 192 x 192 RGB frame, one plane at a time.
		src := make([]int32, 192*192*3)
		for i := range src {
			src[i] = int32(r.IntN(256))
		}
		for c := range 3 {
			dst := make([]float32, 192*192)
			GatherInt32(dst, src, c, 3)
			for j, got := range dst {
				if got != float32(src[c+3*j]) {
					t.Fatalf("plane %d element %d: %v, want %d", c, j, got, src[c+3*j])
				}
			}
		}
	})
}
