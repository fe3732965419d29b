package engine

import (
	"fmt"
	"math"
)

func init() {
	for name, op := range map[string]binOp{"Add": opAdd, "Sub": opSub, "Mul": opMul, "Div": opDiv, "Pow": opPow, "Max": opMax, "Min": opMin} {
		register(name, binaryCompiler(op))
	}
}

// binOp is an element-wise binary operation.
type binOp uint8

const (
	opAdd binOp = iota
	opSub
	opMul
	opDiv
	opPow
	opMax
	opMin
)

func binaryCompiler(op binOp) compileFunc {
	return func(c *opCtx) error {
		if op == opMax || op == opMin {
			// Max and Min are variadic in ONNX; the engine takes two.
			if len(c.in) == 1 {
				c.setOut(c.in[0].dtype, c.in[0].shape)
				c.k = copyKernel
				return nil
			}
		}
		if err := c.need(2, 2); err != nil {
			return err
		}
		a, b := c.in[0], c.in[1]
		if op == opPow {
			if a.dtype != Float32 || b.dtype != Float32 {
				return fmt.Errorf("Pow is supported on float32 only, got %v and %v", a.dtype, b.dtype)
			}
		} else if err := c.sameType(); err != nil {
			return err
		}
		out, err := broadcastShape(a.shape, b.shape)
		if err != nil {
			return err
		}
		c.setOut(a.dtype, out)
		c.k = &binKernel{op: op, it: newBcastIter(out, a.shape, b.shape)}
		return nil
	}
}

// binKernel applies a binary operation with broadcasting.
type binKernel struct {
	op binOp
	it *bcastIter
}

type binStep struct {
	k       *binKernel
	a, b, c *Tensor
}

func (k *binKernel) bind(in, out []*Tensor) step {
	return &binStep{k: k, a: in[0], b: in[1], c: out[0]}
}

// Element-wise work is split into parallel chunks only when large.
const ewGrain = 1 << 14

func (s *binStep) run(p *pool) error {
	it := s.k.it
	grain := max(1, ewGrain/max(it.inner, 1))
	p.parallelFor(it.outer, grain, s)
	return nil
}

// Range does outer rows [lo, hi).
func (s *binStep) Range(lo, hi int) {
	it := s.k.it
	var offs [2]int
	sa, sb := it.innerStride(0), it.innerStride(1)
	n := it.inner
	for r := lo; r < hi; r++ {
		it.offsets(r, offs[:])
		co := r * n
		switch s.c.DType {
		case Float32:
			binRowF32(s.k.op, s.c.F32[co:co+n], s.a.F32, offs[0], sa, s.b.F32, offs[1], sb)
		case Int32:
			binRowInt(s.k.op, s.c.I32[co:co+n], s.a.I32, offs[0], sa, s.b.I32, offs[1], sb)
		case Int64:
			binRowInt(s.k.op, s.c.I64[co:co+n], s.a.I64, offs[0], sa, s.b.I64, offs[1], sb)
		}
	}
}

// binRowF32 computes one innermost row: c[j] = a[ai+j*sa] op b[bi+j*sb].
func binRowF32(op binOp, c, a []float32, ai, sa int, b []float32, bi, sb int) {
	switch {
	case sa == 1 && sb == 1:
		a, b := a[ai:ai+len(c)], b[bi:bi+len(c)]
		switch op {
		case opAdd:
			for j := range c {
				c[j] = a[j] + b[j]
			}
		case opSub:
			for j := range c {
				c[j] = a[j] - b[j]
			}
		case opMul:
			for j := range c {
				c[j] = a[j] * b[j]
			}
		case opDiv:
			for j := range c {
				c[j] = a[j] / b[j]
			}
		default:
			for j := range c {
				c[j] = binF32(op, a[j], b[j])
			}
		}
	case sa == 1 && sb == 0:
		a, y := a[ai:ai+len(c)], b[bi]
		switch op {
		case opAdd:
			for j := range c {
				c[j] = a[j] + y
			}
		case opSub:
			for j := range c {
				c[j] = a[j] - y
			}
		case opMul:
			for j := range c {
				c[j] = a[j] * y
			}
		case opDiv:
			for j := range c {
				c[j] = a[j] / y
			}
		default:
			for j := range c {
				c[j] = binF32(op, a[j], y)
			}
		}
	default:
		for j := range c {
			c[j] = binF32(op, a[ai+j*sa], b[bi+j*sb])
		}
	}
}

func binF32(op binOp, x, y float32) float32 {
	switch op {
	case opAdd:
		return x + y
	case opSub:
		return x - y
	case opMul:
		return x * y
	case opDiv:
		return x / y
	case opPow:
		switch y {
		case 2:
			return x * x
		case 1:
			return x
		case 0.5:
			return float32(math.Sqrt(float64(x)))
		}
		return float32(math.Pow(float64(x), float64(y)))
	case opMax:
		if x != x || y != y {
			return float32(math.NaN())
		}
		return max(x, y)
	case opMin:
		if x != x || y != y {
			return float32(math.NaN())
		}
		return min(x, y)
	}
	return 0
}

// binRowInt is binRowF32 for integers. Division truncates toward zero, as
// ONNX Div does on integers; division by zero gives 0 rather than a crash.
func binRowInt[T int32 | int64](op binOp, c, a []T, ai, sa int, b []T, bi, sb int) {
	for j := range c {
		x, y := a[ai+j*sa], b[bi+j*sb]
		var r T
		switch op {
		case opAdd:
			r = x + y
		case opSub:
			r = x - y
		case opMul:
			r = x * y
		case opDiv:
			if y != 0 {
				r = x / y
			}
		case opMax:
			r = max(x, y)
		case opMin:
			r = min(x, y)
		}
		c[j] = r
	}
}
