package engine

import (
	"fmt"
	"math"
)

func init() { register("InstanceNormalization", compileInstanceNorm) }

// compileInstanceNorm normalises each (batch item, channel) plane to zero
// mean and unit variance, then scales and shifts it per channel:
// y = scale·(x - mean)/sqrt(var + epsilon) + B.
func compileInstanceNorm(c *opCtx) error {
	if err := c.need(3, 3); err != nil {
		return err
	}
	for i := range c.in {
		if err := c.wantFloat(i); err != nil {
			return err
		}
	}
	x := c.in[0]
	if len(x.shape) < 3 {
		return fmt.Errorf("input %v needs N, C and at least one spatial axis", x.shape)
	}
	ch := x.shape[1]
	for i, name := range []string{"scale", "B"} {
		if v := c.in[1+i]; numElems(v.shape) != ch {
			return fmt.Errorf("%s has shape %v, want %d values", name, v.shape, ch)
		}
	}
	eps, err := c.attrFloat("epsilon", 1e-5)
	if err != nil {
		return err
	}
	c.setOut(Float32, x.shape)
	c.k = &instanceNormKernel{eps: float64(eps), planes: x.shape[0] * ch, ch: ch, plane: numElems(x.shape[2:])}
	return nil
}

type instanceNormKernel struct {
	eps               float64
	planes, ch, plane int
}

type instanceNormStep struct {
	k              *instanceNormKernel
	x, scale, b, y *Tensor
}

func (k *instanceNormKernel) bind(in, out []*Tensor) step {
	return &instanceNormStep{k: k, x: in[0], scale: in[1], b: in[2], y: out[0]}
}

func (s *instanceNormStep) run(p *pool) error {
	p.parallelFor(s.k.planes, max(1, ewGrain/max(s.k.plane, 1)), s)
	return nil
}

// Range normalises planes [lo, hi); the statistics are kept in float64.
func (s *instanceNormStep) Range(lo, hi int) {
	pl := s.k.plane
	for u := lo; u < hi; u++ {
		x := s.x.F32[u*pl : (u+1)*pl]
		var sum, sq float64
		for _, v := range x {
			sum += float64(v)
		}
		mean := sum / float64(pl)
		for _, v := range x {
			d := float64(v) - mean
			sq += d * d
		}
		c := u % s.k.ch
		a := float64(s.scale.F32[c]) / math.Sqrt(sq/float64(pl)+s.k.eps)
		b := float64(s.b.F32[c]) - mean*a
		y := s.y.F32[u*pl : (u+1)*pl]
		for i, v := range x {
			y[i] = float32(float64(v)*a + b)
		}
	}
}
