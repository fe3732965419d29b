package engine

import (
	"fmt"
	"math"
)

func init() {
	for name, f := range map[string]func(float32) float32{
		"Relu":       func(x float32) float32 { return max(x, 0) },
		"Sigmoid":    sigmoid,
		"Sqrt":       func(x float32) float32 { return float32(math.Sqrt(float64(x))) },
		"Floor":      func(x float32) float32 { return float32(math.Floor(float64(x))) },
		"Ceil":       func(x float32) float32 { return float32(math.Ceil(float64(x))) },
		"Exp":        func(x float32) float32 { return float32(math.Exp(float64(x))) },
		"Tanh":       func(x float32) float32 { return float32(math.Tanh(float64(x))) },
		"Neg":        func(x float32) float32 { return -x },
		"Abs":        func(x float32) float32 { return float32(math.Abs(float64(x))) },
		"Reciprocal": func(x float32) float32 { return 1 / x },
	} {
		register(name, unaryCompiler(name, f))
	}
}

// sigmoid is 1/(1+e^-x), computed in float64 so that it is accurate to the
// last float32 bit.
func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

func unaryCompiler(name string, f func(float32) float32) compileFunc {
	return func(c *opCtx) error {
		if err := c.need(1, 1); err != nil {
			return err
		}
		if err := c.wantFloat(0); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		c.setOut(Float32, c.in[0].shape)
		if name == "Relu" {
			c.k = &clipKernel{lo: 0, hi: float32(math.Inf(1)), loIn: -1, hiIn: -1}
		} else {
			c.k = &unaryKernel{f: f}
		}
		return nil
	}
}

// unaryKernel applies a float function element by element.
type unaryKernel struct{ f func(float32) float32 }

type unaryStep struct {
	f    func(float32) float32
	x, y *Tensor
}

func (k *unaryKernel) bind(in, out []*Tensor) step {
	return &unaryStep{f: k.f, x: in[0], y: out[0]}
}

func (s *unaryStep) run(p *pool) error {
	p.parallelFor(len(s.y.F32), ewGrain, s)
	return nil
}

// Range maps elements [lo, hi).
func (s *unaryStep) Range(lo, hi int) {
	x, y := s.x.F32[lo:hi], s.y.F32[lo:hi]
	for i, v := range x {
		y[i] = s.f(v)
	}
}
