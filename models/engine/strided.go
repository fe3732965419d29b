package engine

// stridedCopy gathers a strided view of a source tensor into a dense
// destination. It serves Transpose and Slice.
type stridedCopy struct {
	dims    []int // destination shape
	strides []int // source element stride per destination dimension
	base    int   // source offset of the first element
	outer   int   // number of innermost rows
}

func newStridedCopy(dims, strides []int, base int) *stridedCopy {
	if numElems(dims) == 0 {
		return &stridedCopy{dims: []int{0}, strides: []int{1}}
	}
	// Merge neighbours that stay contiguous in the source, and drop size-1
	// dimensions, so the inner loop runs as long as possible.
	var d, s []int
	for i := range dims {
		if dims[i] == 1 {
			continue
		}
		if n := len(d); n > 0 && s[n-1] == strides[i]*dims[i] {
			d[n-1] *= dims[i]
			s[n-1] = strides[i]
			continue
		}
		d = append(d, dims[i])
		s = append(s, strides[i])
	}
	if len(d) == 0 {
		d, s = []int{1}, []int{1}
	}
	sc := &stridedCopy{dims: d, strides: s, base: base}
	sc.outer = numElems(d) / d[len(d)-1]
	return sc
}

// srcOffset returns the source offset of outer row r.
func (sc *stridedCopy) srcOffset(r int) int {
	off := sc.base
	for k := len(sc.dims) - 2; k >= 0; k-- {
		off += (r % sc.dims[k]) * sc.strides[k]
		r /= sc.dims[k]
	}
	return off
}

// copyRows copies rows [lo, hi).
func copyRows[T float32 | int32 | int64](sc *stridedCopy, dst, src []T, lo, hi int) {
	n := sc.dims[len(sc.dims)-1]
	st := sc.strides[len(sc.strides)-1]
	for r := lo; r < hi; r++ {
		off := sc.srcOffset(r)
		d := dst[r*n : r*n+n]
		if st == 1 {
			copy(d, src[off:off+n])
			continue
		}
		for j := range d {
			d[j] = src[off]
			off += st
		}
	}
}

// stridedKernel copies input 0 through a stridedCopy into output 0.
type stridedKernel struct{ sc *stridedCopy }

type stridedStep struct {
	sc   *stridedCopy
	x, y *Tensor
}

func (k *stridedKernel) bind(in, out []*Tensor) step {
	return &stridedStep{sc: k.sc, x: in[0], y: out[0]}
}

func (s *stridedStep) run(p *pool) error {
	n := s.sc.dims[len(s.sc.dims)-1]
	p.parallelFor(s.sc.outer, max(1, ewGrain/max(n, 1)), s)
	return nil
}

// Range copies destination rows [lo, hi).
func (s *stridedStep) Range(lo, hi int) {
	switch s.y.DType {
	case Float32:
		copyRows(s.sc, s.y.F32, s.x.F32, lo, hi)
	case Int32:
		copyRows(s.sc, s.y.I32, s.x.I32, lo, hi)
	case Int64:
		copyRows(s.sc, s.y.I64, s.x.I64, lo, hi)
	}
}
