package engine

import (
	"fmt"
	"math"
)

// unaryOp is an element-wise float function.
type unaryOp uint8

const (
	opSigmoid unaryOp = iota
	opSqrt
	opFloor
	opCeil
	opExp
	opTanh
	opNeg
	opAbs
	opReciprocal
)

func init() {
	register("Relu", compileRelu)
	for name, op := range map[string]unaryOp{
		"Sigmoid": opSigmoid, "Sqrt": opSqrt, "Floor": opFloor, "Ceil": opCeil, "Exp": opExp,
		"Tanh": opTanh, "Neg": opNeg, "Abs": opAbs, "Reciprocal": opReciprocal,
	} {
		register(name, unaryCompiler(op))
	}
}

// compileRelu makes Relu a clip to [0, +Inf), which convolutions absorb.
func compileRelu(c *opCtx) error {
	if err := c.need(1, 1); err != nil {
		return err
	}
	if err := c.wantFloat(0); err != nil {
		return err
	}
	c.setOut(Float32, c.in[0].shape)
	c.k = &clipKernel{lo: 0, hi: float32(math.Inf(1)), loIn: -1, hiIn: -1}
	return nil
}

func unaryCompiler(op unaryOp) compileFunc {
	return func(c *opCtx) error {
		if err := c.need(1, 1); err != nil {
			return err
		}
		if err := c.wantFloat(0); err != nil {
			return fmt.Errorf("%s: %w", c.op, err)
		}
		c.setOut(Float32, c.in[0].shape)
		c.k = &unaryKernel{op: op}
		return nil
	}
}

// unaryKernel applies a float function element by element.
type unaryKernel struct{ op unaryOp }

type unaryStep struct {
	op   unaryOp
	x, y *Tensor
}

func (k *unaryKernel) bind(in, out []*Tensor) step {
	return &unaryStep{op: k.op, x: in[0], y: out[0]}
}

func (s *unaryStep) run(p *pool) error {
	p.parallelFor(len(s.y.F32), ewGrain, s)
	return nil
}

// Range maps elements [lo, hi); each function has its own loop.
func (s *unaryStep) Range(lo, hi int) {
	x, y := s.x.F32[lo:hi], s.y.F32[lo:hi]
	y = y[:len(x)]
	switch s.op {
	case opSigmoid:
		for i, v := range x {
			y[i] = sigmoid(v)
		}
	case opSqrt:
		for i, v := range x {
			y[i] = float32(math.Sqrt(float64(v)))
		}
	case opFloor:
		for i, v := range x {
			y[i] = float32(math.Floor(float64(v)))
		}
	case opCeil:
		for i, v := range x {
			y[i] = float32(math.Ceil(float64(v)))
		}
	case opExp:
		for i, v := range x {
			y[i] = float32(math.Exp(float64(v)))
		}
	case opTanh:
		for i, v := range x {
			y[i] = float32(math.Tanh(float64(v)))
		}
	case opNeg:
		for i, v := range x {
			y[i] = -v
		}
	case opAbs:
		for i, v := range x {
			y[i] = float32(math.Abs(float64(v)))
		}
	case opReciprocal:
		for i, v := range x {
			y[i] = 1 / v
		}
	}
}

// sigmoid is 1/(1+e^-x), correct to float32 rounding (the exponential is
// evaluated in float64; math.Exp has an assembly implementation on amd64).
func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }
