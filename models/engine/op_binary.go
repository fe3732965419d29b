package engine

import (
	"fmt"
	"math"

	"github.com/kneescreen/kneescreen/models/engine/internal/kernels"
)

func init() {
	for name, op := range map[string]binOp{"Add": opAdd, "Sub": opSub, "Mul": opMul, "Div": opDiv, "Pow": opPow} {
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
	opPRelu // x < 0 ? x·slope : x, the slope broadcast to x
	opMod   // remainder with the divisor's sign (Python's %)
	opFmod  // remainder with the dividend's sign (C's fmod)
)

func binaryCompiler(op binOp) compileFunc {
	return func(c *opCtx) error {
		if err := c.need(2, 2); err != nil {
			return err
		}
		a, b := c.in[0], c.in[1]
		if op == opPow {
			if a.dtype != Float32 || b.dtype != Float32 {
				return fmt.Errorf("only float32 is supported, got %v and %v", a.dtype, b.dtype)
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
	rows    int // rows of the innermost dimension, the unit of work
	// The operation as functions, made once here: closures made per call
	// would allocate.
	f32 func(x, y float32) float32
	i32 func(x, y int32) int32
	i64 func(x, y int64) int64
	// When rows are short and one operand repeats on every row (a channel
	// vector over pixels), tile holds that operand repeated tileRows times,
	// so that tileRows rows run as one long row; tiled is its index.
	tile     *Tensor
	tiled    int
	tileRows int
}

// shortRow is the row length below which repeating operands are tiled.
const shortRow = 32

func (k *binKernel) bind(in, out []*Tensor) step {
	s := &binStep{k: k, a: in[0], b: in[1], c: out[0], rows: k.it.outer,
		f32: binF32Op(k.op), i32: binIntOp[int32](k.op), i64: binIntOp[int64](k.op)}
	it := k.it
	if n0 := it.inner; len(it.dims) == 2 && n0 < shortRow && it.dims[0] > 1 {
		for t := 0; t < 2; t++ {
			rep, full := it.strides[t], it.strides[1-t]
			if rep[0] == 0 && rep[1] == 1 && full[0] == n0 && full[1] == 1 {
				s.tiled = t
				s.tileRows = (256 + n0 - 1) / n0
				s.tile = newTensor(out[0].DType, []int{s.tileRows * n0})
			}
		}
	}
	return s
}

// Element-wise work is split into parallel chunks only when large.
const ewGrain = 1 << 14

func (s *binStep) run(p *pool) error {
	it := s.k.it
	grain := max(1, ewGrain/max(it.inner, 1))
	if s.tile != nil {
		src := s.a
		if s.tiled == 1 {
			src = s.b
		}
		n0 := it.inner
		for r := 0; r < s.tileRows; r++ {
			copyBlock(s.tile, r*n0, src, 0, n0)
		}
		// Units are groups of tileRows rows.
		p.parallelFor((s.rows+s.tileRows-1)/s.tileRows, max(1, grain/s.tileRows), s)
		return nil
	}
	p.parallelFor(s.rows, grain, s)
	return nil
}

// Range does innermost rows [lo, hi). Rows are taken in runs along the
// second-innermost dimension, so that each run is one 2-D strided loop
// whose operation is chosen once, however short the rows are (a channel
// vector broadcast over NHWC pixels has rows of 3).
func (s *binStep) Range(lo, hi int) {
	if s.tile != nil {
		s.tiledRange(lo, hi)
		return
	}
	it := s.k.it
	nd := len(it.dims)
	n0 := it.inner
	sa0, sb0 := it.innerStride(0), it.innerStride(1)
	n1, sa1, sb1 := 1, 0, 0
	if nd >= 2 {
		n1, sa1, sb1 = it.dims[nd-2], it.strides[0][nd-2], it.strides[1][nd-2]
	}
	var offs [2]int
	for r := lo; r < hi; {
		i0 := r % n1
		i1 := min(n1, i0+hi-r)
		it.offsets(r-i0, offs[:])
		oa, ob := offs[0]+i0*sa1, offs[1]+i0*sb1
		rows := i1 - i0
		c0 := r * n0
		switch s.c.DType {
		case Float32:
			if sa0 == 1 && sb0 == 1 && n0 >= vecRow && s.k.op <= opDiv {
				binRowsVec(s.k.op, s.c.F32[c0:c0+rows*n0], n0, s.a.F32, oa, sa1, s.b.F32, ob, sb1)
				break
			}
			if binRowsOuter(s.k.op, s.c.F32[c0:c0+rows*n0], n0, s.a.F32, oa, sa1, sa0, s.b.F32, ob, sb1, sb0) {
				break
			}
			bin2D(s.k.op, s.c.F32[c0:c0+rows*n0], n0, s.a.F32, oa, sa1, sa0, s.b.F32, ob, sb1, sb0, s.f32)
		case Int32:
			bin2D(s.k.op, s.c.I32[c0:c0+rows*n0], n0, s.a.I32, oa, sa1, sa0, s.b.I32, ob, sb1, sb0, s.i32)
		case Int64:
			bin2D(s.k.op, s.c.I64[c0:c0+rows*n0], n0, s.a.I64, oa, sa1, sa0, s.b.I64, ob, sb1, sb0, s.i64)
		}
		r += rows
	}
}

// vecRow is the row length from which float32 Add, Sub, Mul and Div of two
// contiguous rows run on the vector kernels (a copy, then the operation in
// place) instead of bin2D's scalar loops.
const vecRow = 64

// binRowsVec is bin2D for float32 Add, Sub, Mul or Div of contiguous rows
// (sa0 = sb0 = 1) on kernels.Arith: one IEEE operation per element, as
// bin2D's loops, so the same bits.
func binRowsVec(op binOp, c []float32, n0 int, a []float32, oa, sa1 int, b []float32, ob, sb1 int) {
	for i := 0; i < len(c)/n0; i++ {
		cr := c[i*n0 : i*n0+n0]
		ar, br := a[oa+i*sa1:oa+i*sa1+n0], b[ob+i*sb1:ob+i*sb1+n0]
		if &cr[0] == &br[0] {
			// Written in place over b: b op= a with the operands swapped.
			kernels.Arith(arithOf(op), cr, ar, true)
			continue
		}
		copy(cr, ar)
		kernels.Arith(arithOf(op), cr, br, false)
	}
}

// outerRow is the row length from which a column broadcast against a row
// runs on kernels.ArithRows (one vector operation per 16 values of a row)
// instead of bin2D's scalar loops.
const outerRow = 8

// binRowsOuter is bin2D for float32 Add, Sub, Mul or Div of a column
// against a row, c[i][j] = a[i] op b[j] or a[j] op b[i] (MoveNet's
// [48, 48, 1] - [1, 17] grids), on kernels.ArithRows: one IEEE operation
// per element with the operands in bin2D's order, so the same bits. It
// reports false, doing nothing, for other operands.
func binRowsOuter(op binOp, c []float32, n0 int, a []float32, oa, sa1, sa0 int, b []float32, ob, sb1, sb0 int) bool {
	if op > opDiv || n0 < outerRow || len(c) == 0 || &c[0] == &a[oa] || &c[0] == &b[ob] {
		return false
	}
	switch {
	case sa0 == 0 && sb0 == 1 && sb1 == 0: // a scalar a[i] per row, one row of b
		kernels.ArithRows(arithOf(op), c, n0, a[oa:], sa1, b[ob:ob+n0], true)
	case sa0 == 1 && sb0 == 0 && sa1 == 0: // one row of a, a scalar b[i] per row
		kernels.ArithRows(arithOf(op), c, n0, b[ob:], sb1, a[oa:oa+n0], false)
	default:
		return false
	}
	return true
}

// tiledRange does groups [lo, hi) of tileRows rows, each as one row of
// the contiguous operand against the tile.
func (s *binStep) tiledRange(lo, hi int) {
	n0 := s.k.it.inner
	span := s.tileRows * n0
	c0, c1 := lo*span, min(hi*span, s.rows*n0)
	a, b := s.a, s.b
	sa, sb := 1, 1
	if s.tiled == 0 {
		a = s.tile
	} else {
		b = s.tile
	}
	for c := c0; c < c1; c += span {
		n := min(span, c1-c)
		ao, bo := c, c
		if s.tiled == 0 {
			ao = 0
		} else {
			bo = 0
		}
		switch s.c.DType {
		case Float32:
			bin2D(s.k.op, s.c.F32[c:c+n], n, a.F32, ao, 0, sa, b.F32, bo, 0, sb, s.f32)
		case Int32:
			bin2D(s.k.op, s.c.I32[c:c+n], n, a.I32, ao, 0, sa, b.I32, bo, 0, sb, s.i32)
		case Int64:
			bin2D(s.k.op, s.c.I64[c:c+n], n, a.I64, ao, 0, sa, b.I64, bo, 0, sb, s.i64)
		}
	}
}

// bin2D computes len(c)/n0 rows of n0 elements:
//
//	c[i*n0+j] = a[oa + i*sa1 + j*sa0] op b[ob + i*sb1 + j*sb0]
//
// The common operations have their own loops; the rest go through f.
func bin2D[T float32 | int32 | int64](op binOp, c []T, n0 int, a []T, oa, sa1, sa0 int, b []T, ob, sb1, sb0 int, f func(x, y T) T) {
	// Integer division goes through f, which guards against zero.
	if op == opDiv && !isFloat[T]() {
		op = opPow // any operation without its own loop
	}
	rows := len(c) / n0
	for i := 0; i < rows; i++ {
		cr := c[i*n0 : i*n0+n0]
		ai, bi := oa+i*sa1, ob+i*sb1
		switch {
		case sa0 == 1 && sb0 == 1:
			ar, br := a[ai:ai+n0], b[bi:bi+n0]
			switch op {
			case opAdd:
				for j := range cr {
					cr[j] = ar[j] + br[j]
				}
			case opSub:
				for j := range cr {
					cr[j] = ar[j] - br[j]
				}
			case opMul:
				for j := range cr {
					cr[j] = ar[j] * br[j]
				}
			case opDiv:
				for j := range cr {
					cr[j] = ar[j] / br[j]
				}
			default:
				for j := range cr {
					cr[j] = f(ar[j], br[j])
				}
			}
		case sa0 == 1 && sb0 == 0:
			ar, y := a[ai:ai+n0], b[bi]
			switch op {
			case opAdd:
				for j := range cr {
					cr[j] = ar[j] + y
				}
			case opSub:
				for j := range cr {
					cr[j] = ar[j] - y
				}
			case opMul:
				for j := range cr {
					cr[j] = ar[j] * y
				}
			case opDiv:
				for j := range cr {
					cr[j] = ar[j] / y
				}
			default:
				for j := range cr {
					cr[j] = f(ar[j], y)
				}
			}
		case sa0 == 0 && sb0 == 1:
			x, br := a[ai], b[bi:bi+n0]
			switch op {
			case opAdd:
				for j := range cr {
					cr[j] = x + br[j]
				}
			case opSub:
				for j := range cr {
					cr[j] = x - br[j]
				}
			case opMul:
				for j := range cr {
					cr[j] = x * br[j]
				}
			case opDiv:
				for j := range cr {
					cr[j] = x / br[j]
				}
			default:
				for j := range cr {
					cr[j] = f(x, br[j])
				}
			}
		default:
			for j := range cr {
				cr[j] = f(a[ai+j*sa0], b[bi+j*sb0])
			}
		}
	}
}

func isFloat[T float32 | int32 | int64]() bool {
	var z T
	_, ok := any(z).(float32)
	return ok
}

// binF32Op returns the float operation as a function.
func binF32Op(op binOp) func(x, y float32) float32 {
	switch op {
	case opAdd:
		return func(x, y float32) float32 { return x + y }
	case opSub:
		return func(x, y float32) float32 { return x - y }
	case opMul:
		return func(x, y float32) float32 { return x * y }
	case opDiv:
		return func(x, y float32) float32 { return x / y }
	}
	return func(x, y float32) float32 { return binF32(op, x, y) }
}

// binIntOp returns the integer operation as a function. Division truncates
// toward zero, as ONNX Div does on integers; division by zero gives 0
// rather than a crash.
func binIntOp[T int32 | int64](op binOp) func(x, y T) T {
	switch op {
	case opAdd:
		return func(x, y T) T { return x + y }
	case opSub:
		return func(x, y T) T { return x - y }
	case opMul:
		return func(x, y T) T { return x * y }
	case opDiv:
		return func(x, y T) T {
			if y == 0 {
				return 0
			}
			return x / y
		}
	case opMax:
		return func(x, y T) T { return max(x, y) }
	case opMin:
		return func(x, y T) T { return min(x, y) }
	case opFmod:
		return func(x, y T) T {
			if y == 0 {
				return 0
			}
			return x % y
		}
	case opMod:
		return func(x, y T) T {
			if y == 0 {
				return 0
			}
			r := x % y
			if r != 0 && (r < 0) != (y < 0) {
				r += y
			}
			return r
		}
	}
	return func(x, y T) T { return 0 }
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
	case opPRelu:
		if x < 0 {
			return x * y
		}
		return x
	case opFmod:
		return float32(math.Mod(float64(x), float64(y)))
	case opMod:
		r := math.Mod(float64(x), float64(y))
		if r != 0 && (r < 0) != (y < 0) {
			r += float64(y)
		}
		return float32(r)
	}
	return 0
}
