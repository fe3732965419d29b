package engine

import (
	"fmt"
	"math"
)

// Softmax, LogSoftmax and Hardmax normalise along one axis. From opset 13
// that is the axis attribute (default -1); before, the input is seen as a
// matrix split at the axis (default 1) and each row of the flattened
// trailing dimensions is normalised.
type softmaxKind uint8

const (
	softmaxExp softmaxKind = iota
	softmaxLog
	softmaxHard
)

func init() {
	for name, k := range map[string]softmaxKind{"Softmax": softmaxExp, "LogSoftmax": softmaxLog, "Hardmax": softmaxHard} {
		register(name, softmaxCompiler(k))
	}
}

func softmaxCompiler(kind softmaxKind) compileFunc {
	return func(c *opCtx) error {
		if err := c.need(1, 1); err != nil {
			return err
		}
		if err := c.wantFloat(0); err != nil {
			return err
		}
		x := c.in[0]
		r := len(x.shape)
		if r == 0 {
			return fmt.Errorf("input is a scalar")
		}
		legacy := c.opset > 0 && c.opset < 13
		def := int64(-1)
		if legacy {
			def = 1
		}
		axis, err := c.attrInt("axis", def)
		if err != nil {
			return err
		}
		a, err := normAxis(axis, r)
		if err != nil {
			return err
		}
		k := &softmaxKernel{kind: kind, outer: numElems(x.shape[:a]), dim: x.shape[a], inner: numElems(x.shape[a+1:])}
		if legacy {
			k.dim, k.inner = numElems(x.shape[a:]), 1
		}
		c.setOut(Float32, x.shape)
		c.k = k
		return nil
	}
}

// softmaxKernel normalises each of outer·inner vectors of dim elements,
// spaced inner apart.
type softmaxKernel struct {
	kind              softmaxKind
	outer, dim, inner int
}

type softmaxStep struct {
	k    *softmaxKernel
	x, y *Tensor
}

func (k *softmaxKernel) bind(in, out []*Tensor) step { return &softmaxStep{k: k, x: in[0], y: out[0]} }

func (s *softmaxStep) run(p *pool) error {
	k := s.k
	p.parallelFor(k.outer*k.inner, max(1, ewGrain/max(k.dim, 1)), s)
	return nil
}

// Range normalises vectors [lo, hi). The maximum is subtracted first so
// that large inputs do not overflow; the sum is kept in float64.
func (s *softmaxStep) Range(lo, hi int) {
	k := s.k
	x, y := s.x.F32, s.y.F32
	for v := lo; v < hi; v++ {
		o, i := v/k.inner, v%k.inner
		base := o*k.dim*k.inner + i
		m, arg := float32(math.Inf(-1)), 0
		for j, p := 0, base; j < k.dim; j, p = j+1, p+k.inner {
			if x[p] > m || (x[p] != x[p] && m == m) {
				m, arg = x[p], j
			}
		}
		if k.kind == softmaxHard {
			for j, p := 0, base; j < k.dim; j, p = j+1, p+k.inner {
				y[p] = 0
				if j == arg {
					y[p] = 1
				}
			}
			continue
		}
		var sum float64
		for j, p := 0, base; j < k.dim; j, p = j+1, p+k.inner {
			e := expf(x[p] - m)
			sum += float64(e)
			if k.kind == softmaxExp {
				y[p] = e
			}
		}
		if k.kind == softmaxLog {
			ls := float32(math.Log(sum))
			for j, p := 0, base; j < k.dim; j, p = j+1, p+k.inner {
				y[p] = x[p] - m - ls
			}
			continue
		}
		inv := float32(1 / sum)
		for j, p := 0, base; j < k.dim; j, p = j+1, p+k.inner {
			y[p] *= inv
		}
	}
}
