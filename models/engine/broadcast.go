package engine

import "fmt"

// broadcastShape returns the numpy-style broadcast of shapes, as ONNX
// defines it for element-wise operators.
func broadcastShape(shapes ...[]int) ([]int, error) {
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	out := make([]int, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			o := out[off+i]
			switch {
			case d == o || d == 1:
			case o == 1:
				out[off+i] = d
			default:
				return nil, fmt.Errorf("shapes %v do not broadcast", shapes)
			}
		}
	}
	return out, nil
}

// bcastIter walks an output shape with the element strides of each operand
// (0 along broadcast dimensions), with adjacent dimensions merged where all
// operands allow it, so that the innermost loop is as long as possible.
type bcastIter struct {
	dims    []int   // merged output dimensions, outermost first
	strides [][]int // per operand, per merged dimension
	outer   int     // number of innermost-row iterations
	inner   int     // length of the innermost dimension
}

func newBcastIter(out []int, operands ...[]int) *bcastIter {
	rank := len(out)
	st := make([][]int, len(operands))
	for k, s := range operands {
		st[k] = make([]int, rank)
		off := rank - len(s)
		acc := 1
		for i := len(s) - 1; i >= 0; i-- {
			if s[i] != 1 {
				st[k][off+i] = acc
			}
			acc *= s[i]
		}
	}
	// Drop size-1 dimensions, then merge contiguous neighbours.
	var dims []int
	ms := make([][]int, len(operands))
	for i := 0; i < rank; i++ {
		if out[i] == 1 {
			continue
		}
		if n := len(dims); n > 0 {
			merge := true
			for k := range operands {
				if ms[k][n-1] != st[k][i]*out[i] {
					merge = false
					break
				}
			}
			if merge {
				dims[n-1] *= out[i]
				for k := range operands {
					ms[k][n-1] = st[k][i]
				}
				continue
			}
		}
		dims = append(dims, out[i])
		for k := range operands {
			ms[k] = append(ms[k], st[k][i])
		}
	}
	if len(dims) == 0 {
		dims = []int{1}
		for k := range operands {
			ms[k] = []int{0}
		}
	}
	it := &bcastIter{dims: dims, strides: ms, inner: dims[len(dims)-1]}
	it.outer = numElems(out) / max(it.inner, 1)
	if numElems(out) == 0 {
		it.outer = 0
	}
	return it
}

// offsets returns, for outer row r, the starting element of each operand.
func (it *bcastIter) offsets(r int, offs []int) {
	for k := range offs {
		offs[k] = 0
	}
	for d := len(it.dims) - 2; d >= 0; d-- {
		i := r % it.dims[d]
		r /= it.dims[d]
		for k := range offs {
			offs[k] += i * it.strides[k][d]
		}
	}
}

// innerStride returns operand k's stride along the innermost dimension.
func (it *bcastIter) innerStride(k int) int { return it.strides[k][len(it.dims)-1] }
