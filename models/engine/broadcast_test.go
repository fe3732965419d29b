package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

// TestBroadcastDifferential checks the binary operators on random shape
// pairs against element-by-element evaluation of numpy's broadcasting rule.
func TestBroadcastDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ops := []struct {
		name string
		op   binOp
	}{{"Add", opAdd}, {"Sub", opSub}, {"Mul", opMul}, {"Div", opDiv}, {"Max", opMax}, {"Min", opMin}}
	for trial := 0; trial < 60; trial++ {
		// Draw an output shape, then make each operand drop leading
		// dimensions and set others to 1 at random.
		rank := 1 + r.IntN(4)
		out := make([]int, rank)
		for i := range out {
			out[i] = 1 + r.IntN(5)
		}
		if trial%10 == 0 {
			out[rank-1] = 40 // long rows
		}
		fixed := [][2][]int{
			{{1, 50, 3}, {3}},      // channel vector over pixels: tiled b, partial last group
			{{3}, {200, 3}},        // tiled a
			{{2, 3, 4}, {2, 1, 4}}, // repeating operand that changes per block
			{{3, 70}, {3, 70}},     // rows long enough for the vector kernels
			{{4, 100}, {100}},      // and one operand's row repeated
			{{48, 48, 1}, {1, 17}}, // a column against a row (MoveNet's grids)
			{{19}, {2, 3, 1}},      // a row against a column
		}
		operand := func() []int {
			s := append([]int(nil), out[r.IntN(rank):]...)
			for i := range s {
				if r.IntN(3) == 0 {
					s[i] = 1
				}
			}
			return s
		}
		as, bs := operand(), operand()
		if trial < len(fixed) {
			as, bs = fixed[trial][0], fixed[trial][1]
		}
		want, err := broadcastShape(as, bs)
		if err != nil {
			t.Fatal(err)
		}
		av, bv := randSlice(r, numElems(as)), randSlice(r, numElems(bs))
		for i := range bv {
			if bv[i] == 0 {
				bv[i] = 1
			}
		}
		ai, bi := make([]int32, len(av)), make([]int32, len(bv))
		for i := range av {
			ai[i] = int32(av[i] * 10)
		}
		for i := range bv {
			bi[i] = int32(bv[i] * 10)
		}
		for _, o := range ops {
			t.Run(fmt.Sprintf("%d/%s/%v_%v", trial, o.name, as, bs), func(t *testing.T) {
				for _, dt := range []onnxpb.DataType{onnxpb.Float, onnxpb.Int32} {
					g := single(o.name, []string{"a", "b"}, []string{"y"}, []onnxpb.ValueInfo{in("a", dt, int64s(as)...), in("b", dt, int64s(bs)...)}, nil)
					var x, y, ref *Tensor
					if dt == onnxpb.Float {
						x, y = NewFloat32(as, av), NewFloat32(bs, bv)
						ref = NewFloat32(want, nil)
					} else {
						x, y = NewInt32(as, ai), NewInt32(bs, bi)
						ref = NewInt32(want, nil)
					}
					fa, fi := binF32Op(o.op), binIntOp[int32](o.op)
					idx := make([]int, len(want))
					for k := 0; k < numElems(want); k++ {
						rem := k
						for d := len(want) - 1; d >= 0; d-- {
							idx[d] = rem % want[d]
							rem /= want[d]
						}
						ka, kb := flatIndex(idx, as), flatIndex(idx, bs)
						if dt == onnxpb.Float {
							ref.F32[k] = fa(av[ka], bv[kb])
						} else {
							ref.I32[k] = fi(ai[ka], bi[kb])
						}
					}
					got := runSpec(t, g, x, y)
					wantTensor(t, got[0], ref, 0)
				}
			})
		}
	}
}

// flatIndex maps an output index to the element of a broadcast operand.
func flatIndex(idx, shape []int) int {
	off := len(idx) - len(shape)
	k := 0
	for i, d := range shape {
		j := idx[off+i]
		if d == 1 {
			j = 0
		}
		k = k*d + j
	}
	return k
}
