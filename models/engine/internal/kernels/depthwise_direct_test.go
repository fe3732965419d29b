//go:build amd64 && !noasm

package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestDepthwiseDirect1MatchesSweep holds the in-place AVX-512 3x3 stride-1
// kernels (dw3x3s1p{0,1,2}DirectAVX512) to the bits of the copy into a
// zero-bordered plane and row sweep they replace, which
// TestLightningOutputBits records: every output must go through the same
// operations in the same order. Geometries cover Lightning's 96x96 and
// 48x48, every left pad (one kernel each) with right pads that make the
// output narrower or wider than the input, widths on either side of the
// 16-lane blocks, one row, one column and random ones; bands of rows as
// the fused expansion hands over, with NaN between the planes; channel
// sub-ranges; inputs with -0, infinities and NaN. Input, output and
// scratch sit between guard values: a read outside the plane shows as a
// wrong output, a write as a changed guard. The flat kernel is off, so
// that small planes take the row kernels too.
func TestDepthwiseDirect1MatchesSweep(t *testing.T) {
	if bestImpl() < ImplAVX512 {
		t.Skip("no AVX-512 on this machine")
	}
	saved := impl
	defer func() { impl, dwFlatEnabled, dwDirect1Enabled = saved, true, true }()
	impl = ImplAVX512
	dwFlatEnabled = false
	type tc struct{ c, h, w, pt, pl, pb, pr int }
	cases := []tc{
		{2, 96, 96, 1, 1, 1, 1}, // Lightning's
		{3, 48, 48, 1, 1, 1, 1},
		{2, 5, 16, 1, 1, 1, 1}, // one block, both ends of the row in it
		{2, 5, 32, 1, 1, 1, 1},
		{2, 4, 15, 1, 1, 1, 1}, {2, 4, 17, 1, 1, 1, 1}, {2, 3, 31, 1, 1, 1, 1}, {2, 3, 33, 1, 1, 1, 1},
		{2, 1, 40, 1, 1, 1, 1}, // one row: both neighbours in the padding
		{2, 2, 47, 0, 1, 0, 1}, // no row padding
		{2, 40, 1, 1, 1, 1, 1}, // one column
		{2, 6, 48, 1, 0, 1, 2}, // pl = 0
		{2, 6, 48, 1, 2, 1, 0}, // pl = 2
		{2, 6, 33, 2, 0, 0, 0}, // ow = w - 2
		{2, 6, 30, 0, 2, 2, 2}, // ow = w + 2
		{2, 7, 64, 2, 2, 2, 1},
		{2, 3, 2, 1, 2, 1, 2},
	}
	r := rand.New(rand.NewPCG(33, 5))
	for i := 0; i < 24; i++ {
		cases = append(cases, tc{1 + r.IntN(3), 1 + r.IntN(12), 1 + r.IntN(70), r.IntN(3), r.IntN(3), r.IntN(3), r.IntN(3)})
	}
	var edges [4]int // blocks by entry 5 of the mask table, over the cases
	for _, c := range cases {
		d, err := NewDepthwise(3, c.h, c.w, 1, c.pt, c.pl, c.pb, c.pr)
		if errors.Is(err, ErrDepthwiseShape) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		// The kernels compute any geometry; planning sends ragged narrow
		// rows to the copy and sweep, for speed only.
		d.direct1 = true
		for b := 0; b < d.blocks; b++ {
			edges[d.masks[8*b+5]]++
		}
		oh, ow := d.OutSize()
		op := oh * ow
		t.Run(fmt.Sprintf("c%d_%dx%d_p%d%d%d%d", c.c, c.h, c.w, c.pt, c.pl, c.pb, c.pr), func(t *testing.T) {
			src, wt, bias := specialSlice(r, c.c*c.h*c.w), randSlice(r, 9*c.c), randSlice(r, c.c)
			ep := &Epilogue{Clamp: true, Lo: -1, Hi: 1.5, Residual: specialSlice(r, c.c*op)}
			c0 := r.IntN(c.c)
			c1 := c0 + 1 + r.IntN(c.c-c0)
			// run computes channels [c0, c1) in bands of band output
			// rows, each band's input rows in planes one row further
			// apart than they hold (sentinel NaN between them).
			run := func(direct bool, band int) *guardedBuf {
				dwDirect1Enabled = direct
				dst := newGuarded(c.c * op)
				scr := newGuarded(d.ScratchLen())
				for oy0 := 0; oy0 < oh; oy0 += band {
					oy1 := min(oh, oy0+band)
					y0, y1 := d.BandRows(oy0, oy1)
					rows := y1 - y0
					ldp := (rows + 1) * c.w
					in := newGuarded(c.c * ldp)
					for ch := 0; ch < c.c; ch++ {
						copy(in.data()[ch*ldp:ch*ldp+rows*c.w], src[ch*c.h*c.w+y0*c.w:ch*c.h*c.w+y1*c.w])
					}
					// RunBand covers every channel; Run takes a channel
					// range of whole planes.
					if band < oh {
						d.RunBand(dst.data(), in.data(), y0, rows, ldp, wt, bias, ep, c.c, oy0, oy1, scr.data())
					} else {
						whole := newGuarded(len(src))
						copy(whole.data(), src)
						d.Run(dst.data(), whole.data(), wt, bias, ep, c0, c1, scr.data())
						whole.check(t, "src")
					}
					in.check(t, "src band")
				}
				dst.check(t, "dst")
				scr.check(t, "scratch")
				return dst
			}
			for _, band := range []int{oh, 1, 2, 5} {
				want, got := run(false, band).data(), run(true, band).data()
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("bands of %d rows, channels [%d,%d): element %d (channel %d, row %d, column %d) = %g (%#x), the sweep gives %g (%#x)",
							band, c0, c1, i, i/op, i%op/ow, i%ow, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
					}
				}
			}
		})
	}
	// Every body of the kernels ran: inner, masked, first and last vector
	// zero.
	for e, n := range edges {
		if n == 0 {
			t.Errorf("no block with mask entry 5 = %d", e)
		}
	}
}
