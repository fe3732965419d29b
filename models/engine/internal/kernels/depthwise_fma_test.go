//go:build amd64 && !noasm

package kernels

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// fma32 is float32's fused multiply-add, a*b+c rounded once, as
// VFMADD231PS computes it: exact in a big.Float (600 bits hold any float32
// product plus any float32), then rounded to nearest even. For finite,
// nonzero-sum inputs, which is what the tests below feed it.
func fma32(a, b, c float32) float32 {
	var x, y, z big.Float
	x.SetPrec(600).SetFloat64(float64(a))
	y.SetPrec(600).SetFloat64(float64(b))
	z.SetPrec(600).SetFloat64(float64(c))
	x.Mul(&x, &y).Add(&x, &z)
	f, _ := x.Float32()
	return f
}

// refDepthwise3AVX512 is the 3x3 depthwise convolution with the
// AVX-512 kernels' operations in their order (dwRowTapsAVX512 in asmgen):
// per input row ky one accumulator, row 0 starting from the bias and rows 1
// and 2 from a product, each tap fused in; then (acc0 + acc1) + acc2, the
// residual, and the clamp. Taps in the padding read 0.
func refDepthwise3AVX512(src []float32, c, h, w, stride, pt, pl, oh, ow int, wt, bias, res []float32, lo, hi float32) []float32 {
	out := make([]float32, c*oh*ow)
	for ch := 0; ch < c; ch++ {
		at := func(y, x int) float32 {
			if y < 0 || y >= h || x < 0 || x >= w {
				return 0
			}
			return src[ch*h*w+y*w+x]
		}
		k := wt[9*ch : 9*ch+9]
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				var acc [3]float32
				for ky := 0; ky < 3; ky++ {
					t := func(kx int) float32 { return at(oy*stride+ky-pt, ox*stride+kx-pl) }
					if ky == 0 {
						acc[0] = fma32(k[0], t(0), bias[ch])
					} else {
						acc[ky] = k[3*ky] * t(0)
					}
					acc[ky] = fma32(k[3*ky+1], t(1), acc[ky])
					acc[ky] = fma32(k[3*ky+2], t(2), acc[ky])
				}
				v := acc[0] + acc[1]
				v += acc[2]
				i := ch*oh*ow + oy*ow + ox
				if res != nil {
					v += res[i]
				}
				out[i] = min(max(v, lo), hi)
			}
		}
	}
	return out
}

// TestDepthwise3BitsMatchFMAReference holds the AVX-512 3x3 paths (stride
// 1: the flat kernel of small planes and the copy and row sweep of the
// others; stride 2: the in-place kernel) to refDepthwise3AVX512 bit for
// bit, so that a change that reorders or re-rounds a sum fails here and
// not only in TestLightningOutputBits. Shapes cover one row, one column,
// widths on either side of the 16-lane blocks (32 input columns a block at
// stride 2), planes past the flat kernel's limit and asymmetric pads.
func TestDepthwise3BitsMatchFMAReference(t *testing.T) {
	if bestImpl() < ImplAVX512 {
		t.Skip("no AVX-512 on this machine")
	}
	saved := impl
	defer func() { impl = saved }()
	impl = ImplAVX512
	type tc struct{ c, h, w, stride, pt, pl, pb, pr int }
	cases := []tc{
		{3, 6, 6, 1, 1, 1, 1, 1}, {2, 12, 12, 1, 1, 1, 1, 1}, {2, 24, 24, 1, 1, 1, 1, 1}, {1, 48, 48, 1, 1, 1, 1, 1},
		{2, 1, 1, 1, 1, 1, 1, 1}, {2, 1, 33, 1, 1, 1, 1, 1}, {2, 31, 1, 1, 1, 1, 1, 1}, {2, 5, 15, 1, 1, 1, 1, 1},
		{2, 5, 17, 1, 1, 1, 1, 1}, {1, 40, 33, 1, 1, 1, 1, 1}, {2, 9, 10, 1, 0, 2, 2, 0}, {2, 7, 20, 1, 2, 0, 0, 1},
		// Stride 2: Lightning's (TensorFlow SAME: pads after), odd sizes,
		// outputs on either side of 16 (inputs of 31 to 34 columns a
		// block), one row and one column.
		{3, 12, 12, 2, 0, 0, 1, 1}, {2, 24, 24, 2, 0, 0, 1, 1}, {1, 96, 96, 2, 0, 0, 1, 1}, {2, 13, 31, 2, 1, 1, 1, 1},
		{2, 5, 32, 2, 0, 0, 1, 1}, {2, 5, 33, 2, 1, 1, 1, 1}, {2, 4, 34, 2, 0, 1, 1, 1}, {2, 1, 65, 2, 1, 1, 1, 1},
		{2, 17, 1, 2, 1, 1, 1, 1}, {2, 9, 64, 2, 2, 2, 0, 0}, {2, 9, 67, 2, 0, 0, 2, 2},
	}
	r := rand.New(rand.NewPCG(21, 2))
	for i := 0; i < 12; i++ {
		cases = append(cases, tc{1 + r.IntN(3), 1 + r.IntN(30), 1 + r.IntN(80), 1 + i%2, r.IntN(3), r.IntN(3), r.IntN(3), r.IntN(3)})
	}
	for _, c := range cases {
		d, err := NewDepthwise(3, c.h, c.w, c.stride, c.pt, c.pl, c.pb, c.pr)
		if err != nil {
			continue // no output
		}
		t.Run(fmt.Sprintf("c%d_%dx%d_s%d_p%d%d%d%d_flat%v", c.c, c.h, c.w, c.stride, c.pt, c.pl, c.pb, c.pr, d.flatMasks != nil), func(t *testing.T) {
			oh, ow := d.OutSize()
			src, wt, bias, res := randSlice(r, c.c*c.h*c.w), randSlice(r, 9*c.c), randSlice(r, c.c), randSlice(r, c.c*oh*ow)
			want := refDepthwise3AVX512(src, c.c, c.h, c.w, c.stride, c.pt, c.pl, oh, ow, wt, bias, res, -2, 2.5)
			got := newGuarded(len(want))
			in := newGuarded(len(src))
			copy(in.data(), src)
			d.Run(got.data(), in.data(), wt, bias, &Epilogue{Clamp: true, Lo: -2, Hi: 2.5, Residual: res}, 0, c.c, make([]float32, d.ScratchLen()))
			got.check(t, "dst")
			for i, g := range got.data() {
				if math.Float32bits(g) != math.Float32bits(want[i]) {
					t.Fatalf("element %d = %g (%#x), the reference %g (%#x)", i, g, math.Float32bits(g), want[i], math.Float32bits(want[i]))
				}
			}
		})
	}
}
