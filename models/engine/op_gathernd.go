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
	c.k = newGatherND(x.shape, stridesOf(x.shape), b, q, numElems(idx.shape[b:len(idx.shape)-1]))
	return nil
}

// gatherNDKernel copies, for every index tuple, the slice of data it
// addresses. The data may be laid out with any strides, so that a
// Transpose feeding the gather can be folded into it (fuse.go): MoveNet
// gathers 34 values from each of two heads it transposes in full first.
type gatherNDKernel struct {
	shape    []int // data shape as the operator sees it
	strides  []int // element strides of the data in its buffer
	b, q     int   // batch dimensions, indexed dimensions
	perBatch int   // index tuples per batch item
	inner    int   // elements per gathered slice
	contig   bool  // the slice is contiguous in the buffer
}

func newGatherND(shape, strides []int, b, q, perBatch int) *gatherNDKernel {
	k := &gatherNDKernel{shape: shape, strides: strides, b: b, q: q, perBatch: perBatch, inner: numElems(shape[b+q:])}
	k.contig = true
	acc := 1
	for d := len(shape) - 1; d >= b+q; d-- {
		if shape[d] != 1 && strides[d] != acc {
			k.contig = false
		}
		acc *= shape[d]
	}
	return k
}

// withStrides returns a copy of k reading data laid out with strides.
func (k *gatherNDKernel) withStrides(strides []int) *gatherNDKernel {
	return newGatherND(k.shape, strides, k.b, k.q, k.perBatch)
}

func (k *gatherNDKernel) bind(in, out []*Tensor) step {
	x, idx, y := in[0], in[1], out[0]
	return stepFunc(func(*pool) error {
		tuples := numElems(k.shape[:k.b]) * k.perBatch
		for t := 0; t < tuples; t++ {
			off := 0
			bi := t / k.perBatch
			for d := k.b - 1; d >= 0; d-- {
				off += (bi % k.shape[d]) * k.strides[d]
				bi /= k.shape[d]
			}
			for d := 0; d < k.q; d++ {
				i, err := indexAt(idx, t*k.q+d, k.shape[k.b+d])
				if err != nil {
					return fmt.Errorf("GatherND: %w", err)
				}
				off += i * k.strides[k.b+d]
			}
			if k.contig {
				copyBlock(y, t*k.inner, x, off, k.inner)
				continue
			}
			k.copyStrided(y, t*k.inner, x, off)
		}
		return nil
	})
}

// copyStrided copies one gathered slice whose elements are strided in x.
func (k *gatherNDKernel) copyStrided(y *Tensor, dst int, x *Tensor, off int) {
	dims := k.shape[k.b+k.q:]
	st := k.strides[k.b+k.q:]
	for e := 0; e < k.inner; e++ {
		src, r := off, e
		for d := len(dims) - 1; d >= 0; d-- {
			src += (r % dims[d]) * st[d]
			r /= dims[d]
		}
		copyBlock(y, dst+e, x, src, 1)
	}
}
