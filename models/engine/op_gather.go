package engine

import "fmt"

func init() { register("Gather", compileGather) }

func compileGather(c *opCtx) error {
	if err := c.need(2, 2); err != nil {
		return err
	}
	x, idx := c.in[0], c.in[1]
	if idx.dtype == Float32 {
		return fmt.Errorf("indices are float32, want int32 or int64")
	}
	a, err := c.attrAxis(len(x.shape))
	if err != nil {
		return err
	}
	out := append(append(append([]int{}, x.shape[:a]...), idx.shape...), x.shape[a+1:]...)
	c.setOut(x.dtype, out)
	k := &gatherKernel{outer: numElems(x.shape[:a]), dim: x.shape[a], inner: numElems(x.shape[a+1:]), n: numElems(idx.shape)}
	c.k = k
	return nil
}

// gatherKernel copies, for each outer position and each index, the inner
// block data[outer, index, :].
type gatherKernel struct {
	outer, dim, inner, n int
}

func (k *gatherKernel) bind(in, out []*Tensor) step {
	x, idx, y := in[0], in[1], out[0]
	return stepFunc(func(*pool) error {
		for j := 0; j < k.n; j++ {
			i, err := indexAt(idx, j, k.dim)
			if err != nil {
				return fmt.Errorf("indices: %w", err)
			}
			for o := 0; o < k.outer; o++ {
				s := (o*k.dim + i) * k.inner
				d := (o*k.n + j) * k.inner
				copyBlock(y, d, x, s, k.inner)
			}
		}
		return nil
	})
}

// indexAt reads index j of an integer tensor and resolves it against a
// dimension, counting negative indices from the end.
func indexAt(idx *Tensor, j, dim int) (int, error) {
	var i int64
	if idx.DType == Int32 {
		i = int64(idx.I32[j])
	} else {
		i = idx.I64[j]
	}
	if i < 0 {
		i += int64(dim)
	}
	if i < 0 || i >= int64(dim) {
		return 0, fmt.Errorf("index %d out of range for dimension %d", i, dim)
	}
	return int(i), nil
}

// copyBlock copies n elements from x[s:] to y[d:].
func copyBlock(y *Tensor, d int, x *Tensor, s, n int) {
	switch y.DType {
	case Float32:
		copy(y.F32[d:d+n], x.F32[s:s+n])
	case Int32:
		copy(y.I32[d:d+n], x.I32[s:s+n])
	case Int64:
		copy(y.I64[d:d+n], x.I64[s:s+n])
	}
}
