//go:build amd64 && !noasm

package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestDepthwiseFlatMatchesSweep holds the flat AVX-512 3x3 stride-1 kernel
// (whole small planes, several channels a call, the input read in place) to
// the bits of the copy into a zero-bordered plane and row sweep it replaces,
// which TestLightningOutputBits records: every output must go through the
// same operations in the same order. Shapes cover one row, one column, odd
// widths, planes one short of, at and one past a multiple of 16 (the tail
// block), asymmetric pads with ow = w, channel sub-ranges, with and without
// bias and residual; inputs include -0, infinities and NaN, whose bits must
// come through alike.
func TestDepthwiseFlatMatchesSweep(t *testing.T) {
	if bestImpl() < ImplAVX512 {
		t.Skip("no AVX-512 on this machine")
	}
	saved := impl
	defer func() { impl, dwFlatEnabled = saved, true }()
	impl = ImplAVX512
	type tc struct{ c, h, w, pt, pl, pb int }
	cases := []tc{
		{5, 6, 6, 1, 1, 1},   // Lightning's 6x6
		{3, 12, 12, 1, 1, 1}, // 12x12
		{2, 24, 24, 1, 1, 1}, // 24x24
		{2, 7, 7, 1, 1, 1},   // 7x7, BlazePose's
		{3, 1, 1, 1, 1, 1},   // one pixel
		{2, 1, 17, 1, 1, 1},  // one row
		{2, 17, 1, 1, 1, 1},  // one column
		{2, 3, 5, 0, 0, 2},   // pads all after
		{2, 5, 3, 2, 2, 0},   // pads all before
		{2, 4, 4, 1, 2, 1},   // asymmetric columns
		{2, 5, 3, 1, 1, 1},   // 15 outputs: one short of a block
		{2, 4, 4, 1, 1, 1},   // 16: exactly one
		{2, 17, 1, 1, 1, 1},  // 17: one past
		{2, 31, 33, 1, 1, 1}, // 1023 outputs, the largest flat planes
		{2, 32, 32, 1, 1, 1}, // 1024
		{2, 11, 13, 2, 0, 0},
	}
	r := rand.New(rand.NewPCG(15, 4))
	for i := 0; i < 16; i++ {
		pl := r.IntN(3)
		cases = append(cases, tc{1 + r.IntN(5), 1 + r.IntN(20), 1 + r.IntN(40), r.IntN(3), pl, r.IntN(3)})
	}
	flat := 0
	for _, c := range cases {
		pr := 2 - c.pl // ow = w
		d, err := NewDepthwise(3, c.h, c.w, 1, c.pt, c.pl, c.pb, pr)
		if errors.Is(err, ErrDepthwiseShape) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if d.flatMasks == nil {
			continue
		}
		flat++
		oh, ow := d.OutSize()
		op := oh * ow
		for _, v := range []struct {
			name           string
			bias, res, clp bool
		}{{"plain", false, false, false}, {"bias", true, false, false}, {"bias_res_clamp", true, true, true}, {"res", false, true, false}} {
			t.Run(fmt.Sprintf("c%d_%dx%d_p%d%d%d%d/%s", c.c, c.h, c.w, c.pt, c.pl, c.pb, pr, v.name), func(t *testing.T) {
				src, wt := specialSlice(r, c.c*c.h*c.w), randSlice(r, 9*c.c)
				var bias []float32
				ep := &Epilogue{Clamp: v.clp, Lo: -1, Hi: 1.5}
				if v.bias {
					bias = randSlice(r, c.c)
				}
				if v.res {
					ep.Residual = specialSlice(r, c.c*op)
				}
				// Channels [c0, c1) of the tensor, as the engine's workers
				// split them.
				c0 := r.IntN(c.c)
				c1 := c0 + 1 + r.IntN(c.c-c0)
				run := func(flat bool) *guardedBuf {
					dwFlatEnabled = flat
					dst := newGuarded(c.c * op)
					scr := newGuarded(d.ScratchLen())
					in := newGuarded(len(src))
					copy(in.data(), src)
					d.Run(dst.data(), in.data(), wt, bias, ep, c0, c1, scr.data())
					dst.check(t, "dst")
					scr.check(t, "scratch")
					return dst
				}
				want, got := run(false).data(), run(true).data()
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("channels [%d,%d): element %d (channel %d, output %d) = %g (%#x), the sweep gives %g (%#x)",
							c0, c1, i, i/op, i%op, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
					}
				}
			})
		}
	}
	if flat < len(cases)/2 {
		t.Fatalf("only %d of %d geometries took the flat kernel", flat, len(cases))
	}
}

// specialSlice is randSlice with about one value in 16 replaced by -0,
// +-Inf or NaN.
func specialSlice(r *rand.Rand, n int) []float32 {
	s := randSlice(r, n)
	special := []float32{float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for i := range s {
		if r.IntN(16) == 0 {
			s[i] = special[r.IntN(len(special))]
		}
	}
	return s
}
