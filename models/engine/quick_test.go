package engine

import (
	"testing"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

func TestQuickAddMul(t *testing.T) {
	g := graphSpec{
		nodes: []onnxpb.Node{
			node("Mul", []string{"x", "x"}, []string{"sq"}),
			node("Add", []string{"sq", "b"}, []string{"y"}),
		},
		inits:   []onnxpb.Tensor{f32("b", dims(3), 10, 20, 30)},
		inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 3)},
		outputs: []string{"y"},
	}
	out := runSpec(t, g, NewFloat32([]int{2, 3}, []float32{1, 2, 3, 4, 5, 6}))
	wantTensor(t, out[0], NewFloat32([]int{2, 3}, []float32{11, 24, 39, 26, 45, 66}), 0)
}
