package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refConv is the float64 oracle for a dense convolution with bias.
func refConv(src, wt, bias []float32, g *ConvGeom, m int) (out, scale []float64) {
	hw := g.OH * g.OW
	out, scale = make([]float64, m*hw), make([]float64, m*hw)
	for o := 0; o < m; o++ {
		for oy := 0; oy < g.OH; oy++ {
			for ox := 0; ox < g.OW; ox++ {
				s, abs := float64(bias[o]), math.Abs(float64(bias[o]))
				for c := 0; c < g.C; c++ {
					for ky := 0; ky < g.KH; ky++ {
						for kx := 0; kx < g.KW; kx++ {
							y, x := oy*g.SH-g.PT+ky*g.DH, ox*g.SW-g.PL+kx*g.DW
							if y < 0 || y >= g.H || x < 0 || x >= g.W {
								continue
							}
							t := float64(wt[((o*g.C+c)*g.KH+ky)*g.KW+kx]) * float64(src[(c*g.H+y)*g.W+x])
							s += t
							abs += math.Abs(t)
						}
					}
				}
				out[o*hw+oy*g.OW+ox], scale[o*hw+oy*g.OW+ox] = s, abs
			}
		}
	}
	return out, scale
}

func TestIm2colConvMatchesReference(t *testing.T) {
	cases := []struct {
		m      int
		g      ConvGeom
		pb, pr int
	}{
		{32, ConvGeom{C: 3, H: 192, W: 192, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1}, 1, 1}, // MoveNet's stem
		{5, ConvGeom{C: 4, H: 11, W: 13, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PT: 1, PL: 1}, 1, 1},
		{7, ConvGeom{C: 2, H: 9, W: 10, KH: 5, KW: 3, SH: 2, SW: 3, DH: 1, DW: 2, PT: 2, PL: 0}, 2, 3},
		{3, ConvGeom{C: 6, H: 8, W: 8, KH: 1, KW: 1, SH: 2, SW: 2, DH: 1, DW: 1}, 0, 0},
		{9, ConvGeom{C: 1, H: 5, W: 4, KH: 2, KW: 2, SH: 1, SW: 1, DH: 3, DW: 2, PT: 2, PL: 1}, 0, 2},
		// Stride 2 with odd sizes and pads on every side: rows of whole
		// vector blocks, a scalar tail, and blocks at the plane's end.
		{6, ConvGeom{C: 2, H: 37, W: 71, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, PT: 1, PL: 1}, 1, 1},
		{4, ConvGeom{C: 1, H: 5, W: 65, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, PT: 0, PL: 0}, 2, 2},
	}
	forEachImpl(t, func(t *testing.T) {
		for i, tc := range cases {
			g := tc.g
			g.OH = (g.H+g.PT+tc.pb-g.DH*(g.KH-1)-1)/g.SH + 1
			g.OW = (g.W+g.PL+tc.pr-g.DW*(g.KW-1)-1)/g.SW + 1
			t.Run(fmt.Sprintf("%d_%dx%d_k%dx%d", i, g.OH, g.OW, g.KH, g.KW), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(i), 3))
				k, hw := g.Im2colRows(), g.OH*g.OW
				src, wt, bias := randSlice(r, g.C*g.H*g.W), randSlice(r, tc.m*k), randSlice(r, tc.m)
				want, scale := refConv(src, wt, bias, &g, tc.m)
				p := PackA(wt, k, tc.m, k, bias)
				dst := newGuarded(tc.m * hw)
				scr := make([]float32, GemmScratchLen)
				// Three workers' column ranges, each expanded on its own.
				for part := 0; part < 3; part++ {
					n0, n1 := SplitCols(hw, 3, part)
					cols := newGuarded(k * (n1 - n0))
					Im2col(cols.data(), n1-n0, src, &g, n0, n1)
					cols.check(t, "im2col")
					if n1 > n0 {
						p.MulBlock(dst.data()[n0:], hw, cols.data(), n1-n0, nil, 0, tc.m, 0, n1-n0, scr)
					}
				}
				dst.check(t, "dst")
				for j, got := range dst.data() {
					if !closeEnough(got, want[j], scale[j]) {
						t.Fatalf("element %d = %g, want %g", j, got, want[j])
					}
				}
			})
		}
	})
}

func BenchmarkStemConv(b *testing.B) {
	// MoveNet Lightning's first layer: 3 -> 32 channels, 3x3 stride 2, 192 -> 96.
	g := ConvGeom{C: 3, H: 192, W: 192, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, OH: 96, OW: 96}
	r := rand.New(rand.NewPCG(1, 1))
	k, hw, m := g.Im2colRows(), g.OH*g.OW, 32
	p := PackA(randSlice(r, m*k), k, m, k, randSlice(r, m))
	src, dst := randSlice(r, g.C*g.H*g.W), make([]float32, m*hw)
	cols, scr := make([]float32, k*hw), make([]float32, GemmScratchLen)
	b.ReportAllocs()
	for b.Loop() {
		Im2col(cols, hw, src, &g, 0, hw)
		p.MulBlock(dst, hw, cols, hw, &Epilogue{Clamp: true, Hi: 6}, 0, m, 0, hw, scr)
	}
	b.ReportMetric(2*float64(m*k*hw)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// TestInsideCols checks InsideCols against trying every output column.
func TestInsideCols(t *testing.T) {
	for stride := 1; stride <= 3; stride++ {
		for w := 1; w <= 7; w++ {
			for ow := 1; ow <= 8; ow++ {
				for off := -5; off <= 9; off++ {
					lo, hi := InsideCols(off, stride, w, ow)
					for ox := 0; ox < ow; ox++ {
						ix := ox*stride + off
						inside := ix >= 0 && ix < w
						if got := ox >= lo && ox < hi; got != inside {
							t.Fatalf("InsideCols(%d, %d, %d, %d) = [%d, %d): column %d (input %d) inside %v, want %v",
								off, stride, w, ow, lo, hi, ox, ix, got, inside)
						}
					}
				}
			}
		}
	}
}

// TestEvens checks the stride-2 gather on every implementation, for every
// length up to a few blocks, with the source exactly as long as needed and
// guard bands around the destination.
func TestEvens(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(2, 3))
		for n := 0; n <= 70; n++ {
			src := randSlice(r, max(2*n-1, 0))
			dst := newGuarded(n)
			evens(dst.data(), src)
			dst.check(t, "evens")
			for i, v := range dst.data() {
				if v != src[2*i] {
					t.Fatalf("n %d: dst[%d] = %v, want %v", n, i, v, src[2*i])
				}
			}
		}
	})
}
