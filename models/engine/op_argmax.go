package engine

import "fmt"

func init() { register("ArgMax", compileArgMax) }

func compileArgMax(c *opCtx) error {
	if err := c.need(1, 1); err != nil {
		return err
	}
	x := c.in[0]
	axis, err := c.attrInt("axis", 0)
	if err != nil {
		return err
	}
	a, err := normAxis(axis, len(x.shape))
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
	k := &argMaxKernel{outer: numElems(x.shape[:a]), dim: x.shape[a], inner: numElems(x.shape[a+1:]), last: last != 0}
	c.k = k
	return nil
}

// argMaxKernel finds the first (or last) index of the largest value along
// an axis, as an int64.
type argMaxKernel struct {
	outer, dim, inner int
	last              bool
}

func (k *argMaxKernel) bind(in, out []*Tensor) step {
	x, y := in[0], out[0]
	return stepFunc(func(*pool) error {
		for o := 0; o < k.outer; o++ {
			for i := 0; i < k.inner; i++ {
				best := 0
				at := func(j int) float64 {
					p := (o*k.dim+j)*k.inner + i
					switch x.DType {
					case Int32:
						return float64(x.I32[p])
					case Int64:
						return float64(x.I64[p])
					}
					return float64(x.F32[p])
				}
				bv := at(0)
				for j := 1; j < k.dim; j++ {
					v := at(j)
					if v > bv || (k.last && v == bv) {
						best, bv = j, v
					}
				}
				y.I64[o*k.inner+i] = int64(best)
			}
		}
		return nil
	})
}
