package engine

import "fmt"

func init() { register("Concat", compileConcat) }

func compileConcat(c *opCtx) error {
	if len(c.in) == 0 || c.in[0] == nil {
		return fmt.Errorf("no inputs")
	}
	if err := c.sameType(); err != nil {
		return err
	}
	x := c.in[0]
	a, err := c.attrAxis(len(x.shape))
	if err != nil {
		return err
	}
	out := append([]int(nil), x.shape...)
	out[a] = 0
	k := &concatKernel{outer: numElems(x.shape[:a])}
	inner := numElems(x.shape[a+1:])
	for i, v := range c.in {
		if v == nil {
			return fmt.Errorf("input %d is missing", i)
		}
		if len(v.shape) != len(x.shape) {
			return fmt.Errorf("input %d has shape %v, input 0 %v", i, v.shape, x.shape)
		}
		for d := range v.shape {
			if d != a && v.shape[d] != x.shape[d] {
				return fmt.Errorf("input %d has shape %v, input 0 %v: only axis %d may differ", i, v.shape, x.shape, a)
			}
		}
		out[a] += v.shape[a]
		k.blocks = append(k.blocks, v.shape[a]*inner)
	}
	k.total = out[a] * inner
	c.setOut(x.dtype, out)
	c.k = k
	return nil
}

// concatKernel interleaves the inputs' blocks: for each of outer
// positions, block i of input i, in order.
type concatKernel struct {
	outer  int
	total  int
	blocks []int
}

func (k *concatKernel) bind(in, out []*Tensor) step {
	y := out[0]
	return stepFunc(func(*pool) error {
		off := 0
		for i, x := range in {
			b := k.blocks[i]
			for o := 0; o < k.outer; o++ {
				d := o*k.total + off
				switch y.DType {
				case Float32:
					copy(y.F32[d:d+b], x.F32[o*b:o*b+b])
				case Int32:
					copy(y.I32[d:d+b], x.I32[o*b:o*b+b])
				case Int64:
					copy(y.I64[d:d+b], x.I64[o*b:o*b+b])
				}
			}
			off += b
		}
		return nil
	})
}
