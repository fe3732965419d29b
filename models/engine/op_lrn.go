package engine

import (
	"fmt"
	"math"
)

func init() { register("LRN", compileLRN) }

// compileLRN is local response normalisation across channels:
// y = x / (bias + alpha/size · Σ x²)^beta, the sum over the size channels
// around each one (floor((size-1)/2) before, ceil((size-1)/2) after).
func compileLRN(c *opCtx) error {
	if err := c.need(1, 1); err != nil {
		return err
	}
	if err := c.wantFloat(0); err != nil {
		return err
	}
	x := c.in[0]
	if len(x.shape) < 3 {
		return fmt.Errorf("input %v needs N, C and at least one spatial axis", x.shape)
	}
	size, err := c.attrInt("size", 0)
	if err != nil {
		return err
	}
	if size < 1 {
		return fmt.Errorf("size %d must be positive", size)
	}
	k := &lrnKernel{n: x.shape[0], ch: x.shape[1], plane: numElems(x.shape[2:]), size: int(size)}
	alpha, err := c.attrFloat("alpha", 1e-4)
	if err != nil {
		return err
	}
	beta, err := c.attrFloat("beta", 0.75)
	if err != nil {
		return err
	}
	bias, err := c.attrFloat("bias", 1)
	if err != nil {
		return err
	}
	k.alpha, k.beta, k.bias = float64(alpha), float64(beta), float64(bias)
	c.setOut(Float32, x.shape)
	c.k = k
	return nil
}

type lrnKernel struct {
	n, ch, plane, size int
	alpha, beta, bias  float64
}

type lrnStep struct {
	k    *lrnKernel
	x, y *Tensor
}

func (k *lrnKernel) bind(in, out []*Tensor) step { return &lrnStep{k: k, x: in[0], y: out[0]} }

func (s *lrnStep) run(p *pool) error {
	p.parallelFor(s.k.n*s.k.ch, max(1, ewGrain/max(s.k.plane, 1)), s)
	return nil
}

// Range computes planes (batch item, channel) [lo, hi).
func (s *lrnStep) Range(lo, hi int) {
	k := s.k
	pl := k.plane
	before, after := (k.size-1)/2, k.size/2
	for u := lo; u < hi; u++ {
		n, c := u/k.ch, u%k.ch
		c0, c1 := max(0, c-before), min(k.ch-1, c+after)
		for i := 0; i < pl; i++ {
			var sq float64
			for cc := c0; cc <= c1; cc++ {
				v := float64(s.x.F32[(n*k.ch+cc)*pl+i])
				sq += v * v
			}
			d := math.Pow(k.bias+k.alpha/float64(k.size)*sq, k.beta)
			s.y.F32[u*pl+i] = float32(float64(s.x.F32[u*pl+i]) / d)
		}
	}
}
