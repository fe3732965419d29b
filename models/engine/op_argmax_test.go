package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestArgMaxF32MatchesScan checks the float32 ArgMax path (argMaxF32,
// which hands first-index ArgMax across columns to kernels.ArgMaxCols)
// against the generic scan argMax, index for index, on MoveNet's heatmap
// shape and odd ones: several outer blocks, one column, one row, ties from
// coarse levels, NaN and infinities, ArgMin and select_last_index.
func TestArgMaxF32MatchesScan(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 4))
	for _, sh := range [][3]int{{1, 2304, 17}, {3, 7, 33}, {2, 1, 5}, {1, 9, 1}, {4, 50, 2}, {1, 3, 16}, {2, 40, 32}} {
		for _, mode := range []struct {
			name      string
			last, min bool
		}{{"first", false, false}, {"last", true, false}, {"min", false, true}} {
			for _, special := range []bool{false, true} {
				t.Run(fmt.Sprintf("%v/%s/special%v", sh, mode.name, special), func(t *testing.T) {
					k := &argMaxKernel{outer: sh[0], dim: sh[1], inner: sh[2], last: mode.last, min: mode.min}
					x := make([]float32, sh[0]*sh[1]*sh[2])
					for i := range x {
						x[i] = float32(r.IntN(7)) - 3
						if special {
							switch r.IntN(6) {
							case 0:
								x[i] = float32(math.NaN())
							case 1:
								x[i] = float32(math.Inf(1 - 2*r.IntN(2)))
							}
						}
					}
					want := make([]int64, sh[0]*sh[2])
					argMax(k, x, want)
					got := make([]int64, len(want))
					argMaxF32(k, x, got)
					if !slices.Equal(got, want) {
						t.Fatalf("argMaxF32 = %v, the scan gives %v", got, want)
					}
				})
			}
		}
	}
}
