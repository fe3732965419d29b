package engine

import (
	"fmt"
	"math"

	"github.com/kneescreen/kneescreen/models/engine/internal/kernels"
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
	opLog
	opErf
	opSign
	opSin
	opCos
	opTan
	opAsin
	opAcos
	opAtan
	opSinh
	opCosh
	opAsinh
	opAcosh
	opAtanh
	opSoftplus
	opSoftsign
	opRound
)

func init() {
	register("Relu", compileRelu)
	for name, op := range map[string]unaryOp{
		"Sigmoid": opSigmoid, "Sqrt": opSqrt, "Floor": opFloor, "Ceil": opCeil, "Exp": opExp,
		"Tanh": opTanh, "Neg": opNeg, "Abs": opAbs, "Reciprocal": opReciprocal,
		"Log": opLog, "Erf": opErf, "Sign": opSign, "Round": opRound,
		"Sin": opSin, "Cos": opCos, "Tan": opTan, "Asin": opAsin, "Acos": opAcos, "Atan": opAtan,
		"Sinh": opSinh, "Cosh": opCosh, "Asinh": opAsinh, "Acosh": opAcosh, "Atanh": opAtanh,
		"Softplus": opSoftplus, "Softsign": opSoftsign,
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

// Range maps elements [lo, hi).
func (s *unaryStep) Range(lo, hi int) { applyUnary(s.op, s.y.F32[lo:hi], s.x.F32[lo:hi]) }

// applyUnary sets y[i] = op(x[i]); each function has its own loop. y and x
// may be the same slice.
func applyUnary(op unaryOp, y, x []float32) {
	y = y[:len(x)]
	switch op {
	case opSigmoid:
		kernels.Sigmoid(y, x)
	case opSqrt:
		kernels.Sqrt(y, x) // the bits of float32(math.Sqrt(float64(v)))
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
			y[i] = expf(v)
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
	case opSoftsign:
		for i, v := range x {
			y[i] = v / (1 + float32(math.Abs(float64(v))))
		}
	case opSign:
		for i, v := range x {
			switch {
			case v > 0:
				y[i] = 1
			case v < 0:
				y[i] = -1
			default:
				y[i] = v // 0, -0 and NaN keep their value
			}
		}
	default:
		f := mathFunc(op)
		for i, v := range x {
			y[i] = float32(f(float64(v)))
		}
	}
}

// mathFunc returns the float64 function of the operators computed through
// package math (to well within a float32 rounding).
func mathFunc(op unaryOp) func(float64) float64 {
	switch op {
	case opLog:
		return math.Log
	case opErf:
		return math.Erf
	case opSin:
		return math.Sin
	case opCos:
		return math.Cos
	case opTan:
		return math.Tan
	case opAsin:
		return math.Asin
	case opAcos:
		return math.Acos
	case opAtan:
		return math.Atan
	case opSinh:
		return math.Sinh
	case opCosh:
		return math.Cosh
	case opAsinh:
		return math.Asinh
	case opAcosh:
		return math.Acosh
	case opAtanh:
		return math.Atanh
	case opRound:
		return math.RoundToEven // ONNX Round: halves to even
	case opSoftplus:
		// log(1 + e^x) without overflow for large x.
		return func(x float64) float64 {
			if x > 30 {
				return x
			}
			return math.Log1p(math.Exp(x))
		}
	}
	panic(fmt.Sprintf("engine: unary operator %d has no function", op))
}

// sigmoid is 1/(1+e^-x), within 3e-7 relative of the exact value.
func sigmoid(x float32) float32 { return kernels.SigmoidScalar(x) }

// expf is e^x in float32 to about one unit in the last place
// (kernels.Expf).
func expf(x float32) float32 { return kernels.Expf(x) }
