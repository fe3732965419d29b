package kernels

import "fmt"

// ArgMaxCols sets idx[c], for every column c < len(idx), to the row r in
// [0, rows) of the largest x[r*stride+c]: the first such row on ties, and
// NaNs never win unless the best so far is NaN, which any next value
// replaces (so an all-NaN column gives rows-1). This is the scalar scan
//
//	best, bv := 0, x[c]
//	for r := 1; r < rows; r++ {
//		if v := x[r*stride+c]; v > bv || bv != bv {
//			best, bv = r, v
//		}
//	}
//
// on every implementation, the same index bit for bit. MoveNet's heatmap
// argmax is 17 such columns of 2304 rows; AVX-512 walks 32 columns down
// the rows at once instead of one column at a time.
func ArgMaxCols(idx []int64, x []float32, rows, stride int) {
	cols := len(idx)
	if cols == 0 {
		return
	}
	if rows < 1 || stride < cols || len(x) < (rows-1)*stride+cols {
		panic(fmt.Sprintf("kernels: ArgMaxCols of %d columns, %d rows, stride %d over %d values", cols, rows, stride, len(x)))
	}
	argMaxCols(idx, x, rows, stride)
}

func argMaxColsGo(idx []int64, x []float32, rows, stride int) {
	for c := range idx {
		best, bv := 0, x[c]
		for r, p := 1, stride+c; r < rows; r, p = r+1, p+stride {
			if v := x[p]; v > bv || bv != bv {
				best, bv = r, v
			}
		}
		idx[c] = int64(best)
	}
}
