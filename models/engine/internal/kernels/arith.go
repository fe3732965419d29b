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
