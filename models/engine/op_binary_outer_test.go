package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestBinRowsOuterMatchesBin2D checks binRowsOuter (a column against a
// row on kernels.ArithRows) against bin2D's scalar loops, bit for bit (NaN
// as NaN), for every operation and both operand orders, on MoveNet's
// 2304 x 17 grid and odd row lengths and counts, with zeros, infinities and
// NaN among the operands and row offsets and strides as Range passes them.
func TestBinRowsOuterMatchesBin2D(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	special := []float32{0, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), float32(math.Copysign(0, -1))}
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64())
			if r.IntN(7) == 0 {
				x[i] = special[r.IntN(len(special))]
			}
		}
		return x
	}
	for _, sh := range [][2]int{{2304, 17}, {1, 8}, {3, 15}, {5, 16}, {7, 33}, {2, 100}} {
		rows, n0 := sh[0], sh[1]
		for _, op := range []binOp{opAdd, opSub, opMul, opDiv} {
			for _, colFirst := range []bool{true, false} {
				t.Run(fmt.Sprintf("%dx%d/op%d/colFirst%v", rows, n0, op, colFirst), func(t *testing.T) {
					col, row := fill(2+2*rows), fill(3+n0) // offset 1 or 2, column stride 2
					// a is the column (sa0 = 0, sa1 = 2) or the row (sa0 = 1, sa1 = 0).
					a, oa, sa1, sa0, b, ob, sb1, sb0 := col, 1, 2, 0, row, 2, 0, 1
					if !colFirst {
						a, oa, sa1, sa0, b, ob, sb1, sb0 = row, 2, 0, 1, col, 1, 2, 0
					}
					want := make([]float32, rows*n0)
					bin2D(op, want, n0, a, oa, sa1, sa0, b, ob, sb1, sb0, binF32Op(op))
					got := make([]float32, rows*n0)
					if !binRowsOuter(op, got, n0, a, oa, sa1, sa0, b, ob, sb1, sb0) {
						t.Fatal("binRowsOuter declined a column against a row")
					}
					for i, w := range want {
						g := got[i]
						if (g != g) != (w != w) || (w == w && math.Float32bits(g) != math.Float32bits(w)) {
							t.Fatalf("element %d: %v, bin2D gives %v", i, g, w)
						}
					}
				})
			}
		}
	}
	// Other layouts are left to bin2D.
	c := make([]float32, 8)
	if binRowsOuter(opSub, c, 8, make([]float32, 8), 0, 0, 1, make([]float32, 8), 0, 0, 1) {
		t.Error("binRowsOuter took two rows")
	}
	if binRowsOuter(opMax, c, 8, make([]float32, 1), 0, 0, 0, make([]float32, 8), 0, 0, 1) {
		t.Error("binRowsOuter took Max")
	}
}
