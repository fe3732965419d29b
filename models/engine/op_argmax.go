package engine

import (
	"fmt"

	"github.com/kneescreen/kneescreen/models/engine/internal/kernels"
)

func init() {
	register("ArgMax", compileArgMax)
	register("ArgMin", compileArgMax)
}

func compileArgMax(c *opCtx) error {
	if err := c.need(1, 1); err != nil {
		return err
	}
	x := c.in[0]
	a, err := c.attrAxis(len(x.shape))
	if err != nil {
		return err
	}
	if x.shape[a] < 1 {
		return fmt.Errorf("ArgMax over an empty axis of %v", x.shape)
	}
	keep, err := c.attrInt("keepdims", 1)
	if err != nil {
		return err
	}
	last, err := c.attrInt("select_last_index", 0)
	if err != nil {
		return err
	}
	var out []int
	for i, d := range x.shape {
		switch {
		case i != a:
			out = append(out, d)
		case keep != 0:
			out = append(out, 1)
		}
	}
	if out == nil {
		out = []int{}
	}
	c.setOut(Int64, out)
	k := &argMaxKernel{outer: numElems(x.shape[:a]), dim: x.shape[a], inner: numElems(x.shape[a+1:]), last: last != 0, min: c.op == "ArgMin"}
	c.k = k
	return nil
}

// argMaxKernel finds the first (or last) index of the largest (ArgMin:
// smallest) value along an axis, as an int64.
type argMaxKernel struct {
	outer, dim, inner int
	last              bool
	min               bool
}

func (k *argMaxKernel) bind(in, out []*Tensor) step {
	x, y := in[0], out[0]
	return stepFunc(func(*pool) error {
		switch x.DType {
		case Float32:
			argMaxF32(k, x.F32, y.I64)
		case Int32:
			argMax(k, x.I32, y.I64)
		case Int64:
			argMax(k, x.I64, y.I64)
		}
		return nil
	})
}

// argMaxF32 is argMax for float32. The first-index ArgMax across
// columns (inner > 1, MoveNet's heatmap argmax over 2304 pixels of 17
// keypoints) runs on kernels.ArgMaxCols, which walks the columns down the
// rows together with argMax's test on each element: the same indices.
func argMaxF32(k *argMaxKernel, x []float32, y []int64) {
	if k.last || k.min || k.inner < 2 {
		argMax(k, x, y)
		return
	}
	n := k.dim * k.inner
	for o := 0; o < k.outer; o++ {
		kernels.ArgMaxCols(y[o*k.inner:(o+1)*k.inner], x[o*n:(o+1)*n], k.dim, k.inner)
	}
}

// argMax scans each (outer, inner) column along the axis. NaNs never win.
func argMax[T float32 | int32 | int64](k *argMaxKernel, x []T, y []int64) {
	for o := 0; o < k.outer; o++ {
		base := o * k.dim * k.inner
		for i := 0; i < k.inner; i++ {
			best, bv := 0, x[base+i]
			for j, p := 1, base+k.inner+i; j < k.dim; j, p = j+1, p+k.inner {
				v := x[p]
				better := v > bv
				if k.min {
					better = v < bv
				}
				if better || (k.last && v == bv) || bv != bv {
					best, bv = j, v
				}
			}
			y[o*k.inner+i] = int64(best)
		}
	}
}
