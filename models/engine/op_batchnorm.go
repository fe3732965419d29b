package engine

import (
	"errors"
	"fmt"
	"math"
)

func init() { register("BatchNormalization", compileBatchNorm) }

// compileBatchNorm is inference-mode batch normalisation over axis 1:
// y = scale·(x - mean)/sqrt(var + epsilon) + B, per channel. The channel
// parameters may be computed at run time.
func compileBatchNorm(c *opCtx) error {
	if err := c.need(5, 5); err != nil {
		return err
	}
	for i := range c.in {
		if err := c.wantFloat(i); err != nil {
			return err
		}
	}
	x := c.in[0]
	if len(x.shape) < 2 {
		return fmt.Errorf("input %v has no channel axis", x.shape)
	}
	ch := x.shape[1]
	for i, name := range []string{"scale", "B", "mean", "var"} {
		if v := c.in[1+i]; numElems(v.shape) != ch {
			return fmt.Errorf("%s has shape %v, want %d values", name, v.shape, ch)
		}
	}
	if t, err := c.attrInt("training_mode", 0); err != nil {
		return err
	} else if t != 0 || c.nout > 1 {
		return errors.New("training mode (running statistics as outputs) is not supported")
	}
	if s, err := c.attrInt("spatial", 1); err != nil {
		return err
	} else if s != 1 {
		return errors.New("spatial = 0 is not supported")
	}
	eps, err := c.attrFloat("epsilon", 1e-5)
	if err != nil {
		return err
	}
	c.setOut(Float32, x.shape)
	c.k = &batchNormKernel{eps: float64(eps), n: x.shape[0], ch: ch, plane: numElems(x.shape[2:])}
	return nil
}

type batchNormKernel struct {
	eps          float64
	n, ch, plane int
}

type batchNormStep struct {
	k                        *batchNormKernel
	x, scale, b, mean, vr, y *Tensor
	mul, add                 []float32 // per channel
}

func (k *batchNormKernel) bind(in, out []*Tensor) step {
	return &batchNormStep{k: k, x: in[0], scale: in[1], b: in[2], mean: in[3], vr: in[4], y: out[0],
		mul: make([]float32, k.ch), add: make([]float32, k.ch)}
}

func (s *batchNormStep) run(p *pool) error {
	for c := range s.mul {
		a := float64(s.scale.F32[c]) / math.Sqrt(float64(s.vr.F32[c])+s.k.eps)
		s.mul[c] = float32(a)
		s.add[c] = float32(float64(s.b.F32[c]) - float64(s.mean.F32[c])*a)
	}
	p.parallelFor(s.k.n*s.k.ch, max(1, ewGrain/max(s.k.plane, 1)), s)
	return nil
}

// Range normalises planes (batch item, channel) [lo, hi).
func (s *batchNormStep) Range(lo, hi int) {
	pl := s.k.plane
	for u := lo; u < hi; u++ {
		c := u % s.k.ch
		a, b := s.mul[c], s.add[c]
		y := s.y.F32[u*pl : (u+1)*pl]
		for i, v := range s.x.F32[u*pl : (u+1)*pl] {
			y[i] = v*a + b
		}
	}
}
