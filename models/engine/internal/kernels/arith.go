package kernels

import "fmt"

// ArithOp is an element-wise arithmetic operation of Arith and ArithScalar.
type ArithOp int

// The operations.
const (
	ArithAdd ArithOp = iota
	ArithSub
	ArithMul
	ArithDiv
)

// ArithScalar sets y[i] = y[i] op c, or c op y[i] when rev, in place: one
// float32 operation per element, the same bits as the Go expression.
func ArithScalar(op ArithOp, y []float32, c float32, rev bool) {
	arithScalar(op, y, c, rev)
}

// Arith sets y[i] = y[i] op x[i], or x[i] op y[i] when rev, in place, for
// every element of y; x must be at least as long.
func Arith(op ArithOp, y, x []float32, rev bool) {
	if len(x) < len(y) {
		panic(fmt.Sprintf("kernels: Arith of %d values with %d", len(y), len(x)))
	}
	arithVec(op, y, x[:len(y)], rev)
}

func arithScalarGo(op ArithOp, y []float32, c float32, rev bool) {
	switch {
	case op == ArithAdd:
		for j := range y {
			y[j] += c
		}
	case op == ArithMul:
		for j := range y {
			y[j] *= c
		}
	case op == ArithSub && !rev:
		for j := range y {
			y[j] -= c
		}
	case op == ArithSub:
		for j := range y {
			y[j] = c - y[j]
		}
	case op == ArithDiv && !rev:
		for j := range y {
			y[j] /= c
		}
	case op == ArithDiv:
		for j := range y {
			y[j] = c / y[j]
		}
	}
}

func arithVecGo(op ArithOp, y, x []float32, rev bool) {
	x = x[:len(y)]
	switch {
	case op == ArithAdd:
		for j := range y {
			y[j] += x[j]
		}
	case op == ArithMul:
		for j := range y {
			y[j] *= x[j]
		}
	case op == ArithSub && !rev:
		for j := range y {
			y[j] -= x[j]
		}
	case op == ArithSub:
		for j := range y {
			y[j] = x[j] - y[j]
		}
	case op == ArithDiv && !rev:
		for j := range y {
			y[j] /= x[j]
		}
	case op == ArithDiv:
		for j := range y {
			y[j] = x[j] / y[j]
		}
	}
}

// ArithRows sets, for every row i < len(c)/n, c[i*n+j] = v[j] op s[i*ss],
// or s[i*ss] op v[j] when rev: one vector against a scalar per row, as a
// broadcast binary operation of a column (a [H, W, 1] grid) against a row
// (a [1, K] vector) produces. One float32 operation per element with the
// operands in that order, the same bits as the Go expression. v must hold
// at least n values and s (rows-1)*ss+1.
func ArithRows(op ArithOp, c []float32, n int, s []float32, ss int, v []float32, rev bool) {
	if n <= 0 || len(c)%n != 0 || len(v) < n || ss < 0 || (len(c) > 0 && len(s) < (len(c)/n-1)*ss+1) {
		panic(fmt.Sprintf("kernels: ArithRows of %d values in rows of %d, %d scalars at stride %d, vector of %d", len(c), n, len(s), ss, len(v)))
	}
	if len(c) == 0 {
		return
	}
	arithRows(op, c, n, s, ss, v[:n], rev)
}

func arithRowsGo(op ArithOp, c []float32, n int, s []float32, ss int, v []float32, rev bool) {
	for i := 0; i < len(c)/n; i++ {
		cr, x := c[i*n:i*n+n], s[i*ss]
		switch {
		case op == ArithAdd && !rev:
			for j := range cr {
				cr[j] = v[j] + x
			}
		case op == ArithAdd:
			for j := range cr {
				cr[j] = x + v[j]
			}
		case op == ArithSub && !rev:
			for j := range cr {
				cr[j] = v[j] - x
			}
		case op == ArithSub:
			for j := range cr {
				cr[j] = x - v[j]
			}
		case op == ArithMul && !rev:
			for j := range cr {
				cr[j] = v[j] * x
			}
		case op == ArithMul:
			for j := range cr {
				cr[j] = x * v[j]
			}
		case op == ArithDiv && !rev:
			for j := range cr {
				cr[j] = v[j] / x
			}
		default:
			for j := range cr {
				cr[j] = x / v[j]
			}
		}
	}
}

// Lerp sets dst[i] = a[i] + (b[i]-a[i])*w for every element of dst, the
// same bits as that Go expression on every implementation: three
// separately rounded float32 operations on amd64 below GOAMD64=v3, the
// compiler's fused form where it fuses (then without the vector kernel). a and b must be at least as long
// as dst.
func Lerp(dst, a, b []float32, w float32) {
	if len(a) < len(dst) || len(b) < len(dst) {
		panic(fmt.Sprintf("kernels: Lerp of %d values from %d and %d", len(dst), len(a), len(b)))
	}
	if len(dst) == 0 {
		return
	}
	lerp(dst, a[:len(dst)], b[:len(dst)], w)
}

func lerpGo(dst, a, b []float32, w float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + (b[i]-a[i])*w
	}
}

// Taps are the horizontal taps of bilinear resizing: output j is
// r[I0[j]] + (r[I1[j]]-r[I0[j]])*W[j] of a source row r of RowLen values.
// NewTaps checks them once, so that Lerp need not per row.
type Taps struct {
	i0, i1 []int32
	w      []float32
	rowLen int
}

// NewTaps returns the taps of len(w) outputs over rows of rowLen values;
// every index must lie in [0, rowLen).
func NewTaps(i0, i1 []int32, w []float32, rowLen int) (*Taps, error) {
	n := len(w)
	if len(i0) != n || len(i1) != n {
		return nil, fmt.Errorf("kernels: %d and %d taps for %d weights", len(i0), len(i1), n)
	}
	for j := range n {
		if i0[j] < 0 || int(i0[j]) >= rowLen || i1[j] < 0 || int(i1[j]) >= rowLen {
			return nil, fmt.Errorf("kernels: tap %d (%d, %d) outside a row of %d", j, i0[j], i1[j], rowLen)
		}
	}
	return &Taps{i0: i0, i1: i1, w: w, rowLen: rowLen}, nil
}

// Lerp sets dst[j] = r[i0[j]] + (r[i1[j]]-r[i0[j]])*w[j] for every output
// j, the same bits as that Go expression on every implementation (see the
// function Lerp). dst must hold the outputs and r a row; AVX-512 takes
// rows of up to 32 values in registers.
func (t *Taps) Lerp(dst, r []float32) {
	n := len(t.w)
	if len(dst) < n || len(r) < t.rowLen {
		panic(fmt.Sprintf("kernels: Taps.Lerp of %d outputs into %d from a row of %d, want %d", n, len(dst), len(r), t.rowLen))
	}
	if n == 0 {
		return
	}
	lerpTaps(dst[:n], r[:t.rowLen], t.i0, t.i1, t.w)
}

func lerpTapsGo(dst, r []float32, i0, i1 []int32, w []float32) {
	for j := range dst {
		dst[j] = r[i0[j]] + (r[i1[j]]-r[i0[j]])*w[j]
	}
}
