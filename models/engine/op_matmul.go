package engine

import (
	"fmt"
	"math"
)

func init() {
	register("MatMul", compileMatMul)
	register("Gemm", compileGemm)
}

// compileMatMul implements numpy matmul semantics: 1-D operands are
// promoted to matrices and leading (batch) dimensions broadcast.
func compileMatMul(c *opCtx) error {
	if err := c.need(2, 2); err != nil {
		return err
	}
	if err := c.wantFloat(0); err != nil {
		return err
	}
	if err := c.wantFloat(1); err != nil {
		return err
	}
	a, b := c.in[0].shape, c.in[1].shape
	if len(a) == 0 || len(b) == 0 {
		return fmt.Errorf("scalar operands %v, %v", a, b)
	}
	as, bs := a, b
	if len(a) == 1 {
		as = []int{1, a[0]}
	}
	if len(b) == 1 {
		bs = []int{b[0], 1}
	}
	m, k, n := as[len(as)-2], as[len(as)-1], bs[len(bs)-1]
	if bs[len(bs)-2] != k {
		return fmt.Errorf("shapes %v and %v do not multiply", a, b)
	}
	batch, err := broadcastShape(as[:len(as)-2], bs[:len(bs)-2])
	if err != nil {
		return err
	}
	// The promoted dimensions are not part of the output.
	out := append([]int{}, batch...)
	if len(a) > 1 {
		out = append(out, m)
	}
	if len(b) > 1 {
		out = append(out, n)
	}
	full := append(append([]int{}, batch...), m, n)
	it := newBcastIter(append(append([]int{}, batch...), 1), append(append([]int{}, as[:len(as)-2]...), 1), append(append([]int{}, bs[:len(bs)-2]...), 1))
	c.setOut(Float32, out)
	c.k = &matMulKernel{m: m, k: k, n: n, batches: numElems(full) / max(m*n, 1), it: it, zero: make([]float32, m),
		lo: float32(math.Inf(-1)), hi: float32(math.Inf(1))}
	return nil
}

// matMulKernel multiplies a batch of matrices with gemmTile.
type matMulKernel struct {
	m, k, n, batches int
	it               *bcastIter // batch offsets of A and B, in matrices
	zero             []float32
	lo, hi           float32
}

type matMulStep struct {
	mk      *matMulKernel
	a, b, y *Tensor
	rowBlks int
}

func (k *matMulKernel) bind(in, out []*Tensor) step {
	return &matMulStep{mk: k, a: in[0], b: in[1], y: out[0], rowBlks: (k.m + pwRowBlock - 1) / pwRowBlock}
}

func (s *matMulStep) run(p *pool) error {
	p.parallelFor(s.mk.batches*s.rowBlks, 1, s)
	return nil
}

// Range computes units [lo, hi): one block of rows of one batch matrix each.
func (s *matMulStep) Range(lo, hi int) {
	k := s.mk
	var offs [2]int
	for u := lo; u < hi; u++ {
		bi, rb := u/s.rowBlks, u%s.rowBlks
		s.mk.batchOffsets(bi, offs[:])
		a := s.a.F32[offs[0]*k.m*k.k : (offs[0]+1)*k.m*k.k]
		b := s.b.F32[offs[1]*k.k*k.n : (offs[1]+1)*k.k*k.n]
		y := s.y.F32[bi*k.m*k.n : (bi+1)*k.m*k.n]
		i0 := rb * pwRowBlock
		gemmTile(y, a, b, nil, k.zero, k.k, k.n, i0, min(i0+pwRowBlock, k.m), 0, k.n, k.lo, k.hi)
	}
}

// batchOffsets returns the matrix index within A and B of output batch bi.
func (k *matMulKernel) batchOffsets(bi int, offs []int) {
	offs[0], offs[1] = 0, 0
	it := k.it
	// The iterator's innermost dimension is the appended 1 (merged away
	// when possible), so walk all merged dimensions.
	r := bi
	for d := len(it.dims) - 1; d >= 0; d-- {
		i := r % it.dims[d]
		r /= it.dims[d]
		offs[0] += i * it.strides[0][d]
		offs[1] += i * it.strides[1][d]
	}
}

// compileGemm implements Y = alpha·A'·B' + beta·C with optional
// transposes and a broadcast C.
func compileGemm(c *opCtx) error {
	if err := c.need(2, 3); err != nil {
		return err
	}
	for i := range c.in {
		if err := c.wantFloat(i); err != nil {
			return err
		}
	}
	a, b := c.in[0].shape, c.in[1].shape
	if len(a) != 2 || len(b) != 2 {
		return fmt.Errorf("operands %v and %v must be matrices", a, b)
	}
	ta, err := c.attrInt("transA", 0)
	if err != nil {
		return err
	}
	tb, err := c.attrInt("transB", 0)
	if err != nil {
		return err
	}
	alpha, err := c.attrFloat("alpha", 1)
	if err != nil {
		return err
	}
	beta, err := c.attrFloat("beta", 1)
	if err != nil {
		return err
	}
	m, k := a[0], a[1]
	if ta != 0 {
		m, k = k, m
	}
	kb, n := b[0], b[1]
	if tb != 0 {
		kb, n = n, kb
	}
	if k != kb {
		return fmt.Errorf("shapes %v and %v (transA=%d, transB=%d) do not multiply", a, b, ta, tb)
	}
	gk := &gemmKernel{m: m, k: k, n: n, ta: ta != 0, tb: tb != 0, alpha: alpha, beta: beta, zero: make([]float32, m)}
	if cv := c.input(2); cv != nil {
		if _, err := broadcastShape([]int{m, n}, cv.shape); err != nil || len(cv.shape) > 2 {
			return fmt.Errorf("input C %v does not broadcast to [%d %d]", cv.shape, m, n)
		}
		gk.cIt = newBcastIter([]int{m, n}, cv.shape)
	}
	c.setOut(Float32, []int{m, n})
	c.k = gk
	return nil
}

// gemmKernel is a small, general Gemm: operands are transposed into scratch
// when needed, then multiplied with gemmTile.
type gemmKernel struct {
	m, k, n     int
	ta, tb      bool
	alpha, beta float32
	cIt         *bcastIter
	zero        []float32
}

func (gk *gemmKernel) bind(in, out []*Tensor) step {
	a, b, y := in[0], in[1], out[0]
	var cT *Tensor
	if len(in) > 2 {
		cT = in[2]
	}
	var sa, sb []float32
	if gk.ta {
		sa = make([]float32, gk.m*gk.k)
	}
	if gk.tb {
		sb = make([]float32, gk.k*gk.n)
	}
	inf := float32(math.Inf(1))
	return stepFunc(func(*pool) error {
		av, bv := a.F32, b.F32
		if gk.ta {
			transpose2(sa, av, gk.k, gk.m)
			av = sa
		}
		if gk.tb {
			transpose2(sb, bv, gk.n, gk.k)
			bv = sb
		}
		gemmTile(y.F32, av, bv, nil, gk.zero, gk.k, gk.n, 0, gk.m, 0, gk.n, -inf, inf)
		if gk.alpha != 1 {
			for i := range y.F32 {
				y.F32[i] *= gk.alpha
			}
		}
		if cT != nil && gk.beta != 0 {
			var offs [1]int
			it := gk.cIt
			st := it.innerStride(0)
			for r := 0; r < it.outer; r++ {
				it.offsets(r, offs[:])
				row := y.F32[r*it.inner : (r+1)*it.inner]
				for j := range row {
					row[j] += gk.beta * cT.F32[offs[0]+j*st]
				}
			}
		}
		return nil
	})
}

// transpose2 writes the transpose of the rows×cols matrix src into dst.
func transpose2(dst, src []float32, rows, cols int) {
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			dst[j*rows+i] = src[i*cols+j]
		}
	}
}
