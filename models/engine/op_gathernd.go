package engine

import "fmt"

func init() { register("GatherND", compileGatherND) }

func compileGatherND(c *opCtx) error {
	if err := c.need(2, 2); err != nil {
		return err
	}
	x, idx := c.in[0], c.in[1]
	if idx.dtype == Float32 {
		return fmt.Errorf("indices are float32, want int32 or int64")
	}
	bd, err := c.attrInt("batch_dims", 0)
	if err != nil {
		return err
	}
	b := int(bd)
	if len(idx.shape) < 1 || b < 0 || b >= len(idx.shape) || b >= len(x.shape) {
		return fmt.Errorf("batch_dims %d does not fit data %v and indices %v", bd, x.shape, idx.shape)
	}
	q := idx.shape[len(idx.shape)-1]
	if q < 1 || b+q > len(x.shape) {
		return fmt.Errorf("indices %v index %d dimensions of data %v past batch_dims %d", idx.shape, q, x.shape, b)
	}
	for i := 0; i < b; i++ {
		if x.shape[i] != idx.shape[i] {
			return fmt.Errorf("batch dimensions of data %v and indices %v differ", x.shape, idx.shape)
		}
	}
	out := append(append([]int{}, idx.shape[:len(idx.shape)-1]...), x.shape[b+q:]...)
	c.setOut(x.dtype, out)
	batch := numElems(x.shape[:b])
	c.k = &gatherNDKernel{
		batch:     batch,
		perBatch:  numElems(idx.shape[b : len(idx.shape)-1]),
		q:         q,
		dims:      x.shape[b : b+q],
		strides:   stridesOf(x.shape[b:])[:q],
		inner:     numElems(x.shape[b+q:]),
		dataBatch: numElems(x.shape[b:]),
	}
	return nil
}

// gatherNDKernel copies, for every index tuple, the slice of data it
// addresses.
type gatherNDKernel struct {
	batch, perBatch, q int
	dims, strides      []int
	inner, dataBatch   int
}

func (k *gatherNDKernel) bind(in, out []*Tensor) step {
	x, idx, y := in[0], in[1], out[0]
	return stepFunc(func(*pool) error {
		t := 0
		for bi := 0; bi < k.batch; bi++ {
			for j := 0; j < k.perBatch; j++ {
				off := bi * k.dataBatch
				for d := 0; d < k.q; d++ {
					i, err := indexAt(idx, t*k.q+d, k.dims[d])
					if err != nil {
						return fmt.Errorf("GatherND: %w", err)
					}
					off += i * k.strides[d]
				}
				copyBlock(y, t*k.inner, x, off, k.inner)
				t++
			}
		}
		return nil
	})
}
