package engine

import "fmt"

func init() { register("Split", compileSplit) }

// compileSplit takes the part sizes from the constant second input (opset
// 13), the split attribute (older opsets), or splits evenly across the
// outputs.
func compileSplit(c *opCtx) error {
	if err := c.need(1, 2); err != nil {
		return err
	}
	x := c.in[0]
	a, err := c.attrAxis(len(x.shape))
	if err != nil {
		return err
	}
	var sizes []int64
	if c.input(1) != nil {
		t, err := c.constInput(1, "split")
		if err != nil {
			return err
		}
		sizes = t.ints()
	} else if sizes, err = c.attrInts("split", nil); err != nil {
		return err
	}
	dim := x.shape[a]
	if sizes == nil {
		n := c.nout
		if n < 1 {
			return fmt.Errorf("no outputs")
		}
		part := (dim + n - 1) / n // the last part may be smaller (opset 18)
		for i := 0; i < n; i++ {
			sizes = append(sizes, int64(min(part, max(dim-i*part, 0))))
		}
	}
	if len(sizes) != c.nout {
		return fmt.Errorf("%d parts for %d outputs", len(sizes), c.nout)
	}
	sum := 0
	inner := numElems(x.shape[a+1:])
	k := &concatKernel{outer: numElems(x.shape[:a]), total: dim * inner}
	for _, s := range sizes {
		if s < 0 {
			return fmt.Errorf("negative part size in %v", sizes)
		}
		sum += int(s)
		shape := append([]int(nil), x.shape...)
		shape[a] = int(s)
		c.outs = append(c.outs, outInfo{dtype: x.dtype, shape: shape})
		k.blocks = append(k.blocks, int(s)*inner)
	}
	if sum != dim {
		return fmt.Errorf("parts %v do not add up to dimension %d", sizes, dim)
	}
	c.k = &splitKernel{k}
	return nil
}

// splitKernel is the inverse of concatKernel.
type splitKernel struct{ *concatKernel }

func (k *splitKernel) bind(in, out []*Tensor) step {
	x := in[0]
	return stepFunc(func(*pool) error {
		off := 0
		for i, y := range out {
			b := k.blocks[i]
			for o := 0; o < k.outer; o++ {
				s := o*k.total + off
				switch y.DType {
				case Float32:
					copy(y.F32[o*b:o*b+b], x.F32[s:s+b])
				case Int32:
					copy(y.I32[o*b:o*b+b], x.I32[s:s+b])
				case Int64:
					copy(y.I64[o*b:o*b+b], x.I64[s:s+b])
				}
			}
			off += b
		}
		return nil
	})
}
