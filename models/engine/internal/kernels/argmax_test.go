package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// argMaxInput fills rows x stride values: coarse random levels so that
// ties are common, with a share of NaN, +Inf and -Inf when special.
func argMaxInput(r *rand.Rand, n int, special bool) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.IntN(9)) - 4
		if special {
			switch r.IntN(8) {
			case 0:
				x[i] = float32(math.NaN())
			case 1:
				x[i] = float32(math.Inf(1))
			case 2:
				x[i] = float32(math.Inf(-1))
			}
		}
	}
	return x
}

// TestArgMaxCols compares every implementation with the scalar scan
// (argMaxColsGo) on MoveNet's heatmap shape (2304 rows of 17) and on
// column counts around the 16- and 32-lane blocks, with row strides
// wider than the columns, ties, NaN and infinities, all-NaN columns and
// one row; idx's neighbours must stay untouched.
func TestArgMaxCols(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 15))
		for _, cols := range []int{1, 2, 15, 16, 17, 31, 32, 33, 48, 50} {
			for _, rows := range []int{1, 2, 3, 40, 2304} {
				for _, pad := range []int{0, 5} {
					for _, special := range []bool{false, true} {
						name := fmt.Sprintf("cols%d/rows%d/pad%d/special%v", cols, rows, pad, special)
						stride := cols + pad
						x := argMaxInput(r, (rows-1)*stride+cols, special)
						if special && cols > 2 {
							for i := 0; i < rows; i++ { // an all-NaN column
								x[i*stride+1] = float32(math.NaN())
							}
						}
						want := make([]int64, cols)
						argMaxColsGo(want, x, rows, stride)
						buf := make([]int64, cols+2)
						for i := range buf {
							buf[i] = -7
						}
						ArgMaxCols(buf[1:cols+1], x, rows, stride)
						if buf[0] != -7 || buf[cols+1] != -7 {
							t.Fatalf("%s: wrote outside idx: %v", name, buf)
						}
						for c, w := range want {
							if buf[1+c] != w {
								t.Fatalf("%s: column %d: row %d, want %d", name, c, buf[1+c], w)
							}
						}
					}
				}
			}
		}
	})
}

// TestArgMaxColsScan checks the reference itself on hand-made columns:
// first of equal maxima, NaN skipped, a leading NaN replaced, all NaN
// giving the last row.
func TestArgMaxColsScan(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	for _, tc := range []struct {
		col  []float32
		want int64
	}{
		{[]float32{1, 3, 2, 3}, 1},
		{[]float32{1, nan, 0.5}, 0},
		{[]float32{nan, 0.5, 2}, 2},
		{[]float32{nan, nan, nan}, 2},
		{[]float32{-inf, 5, inf, inf}, 2},
		{[]float32{7}, 0},
	} {
		forEachImpl(t, func(t *testing.T) {
			got := make([]int64, 1)
			ArgMaxCols(got, tc.col, len(tc.col), 1)
			if got[0] != tc.want {
				t.Fatalf("ArgMaxCols(%v) = %d, want %d", tc.col, got[0], tc.want)
			}
		})
	}
}
