package engine

import (
	"context"
	"testing"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

// benchSpec measures one small graph at MoveNet Lightning's sizes.
func benchSpec(b *testing.B, g graphSpec, inputs ...*Tensor) {
	b.Helper()
	for _, threads := range []int{1, 2} {
		b.Run(map[int]string{1: "threads1", 2: "threads2"}[threads], func(b *testing.B) {
			m, err := Load(g.marshal(), WithThreads(threads))
			if err != nil {
				b.Fatal(err)
			}
			s := m.NewSession()
			defer s.Close()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Run(ctx, inputs...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInputChain is MoveNet's input normalisation and layout change:
// int32 NHWC pixels to float32 NCHW in [-1, 1].
func BenchmarkInputChain(b *testing.B) {
	g := graphSpec{
		nodes: []onnxpb.Node{
			node("Cast", []string{"x"}, []string{"f"}, onnxpb.IntAttr("to", 1)),
			node("Sub", []string{"f", "zero"}, []string{"s"}),
			node("Mul", []string{"s", "scale"}, []string{"m"}),
			node("Sub", []string{"m", "one"}, []string{"n"}),
			node("Transpose", []string{"n"}, []string{"y"}, onnxpb.IntsAttr("perm", 0, 3, 1, 2)),
		},
		inits:   []onnxpb.Tensor{f32("zero", dims(1, 1, 1, 3), 0, 0, 0), f32("scale", dims(1, 1, 1, 3), 0.0078430176, 0.0078430176, 0.0078430176), f32("one", dims(1), 1)},
		inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Int32, 1, 192, 192, 3)},
		outputs: []string{"y"},
	}
	benchSpec(b, g, NewInt32([]int{1, 192, 192, 3}, nil))
}

// BenchmarkResizeBilinear is the largest upsampling of MoveNet Lightning's
// feature pyramid.
func BenchmarkResizeBilinear(b *testing.B) {
	g := single("Resize", []string{"x", "", "s"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 24, 24, 24)},
		[]onnxpb.Tensor{f32("s", dims(4), 1, 1, 2, 2)}, onnxpb.StringAttr("mode", "linear"))
	benchSpec(b, g, NewFloat32([]int{1, 24, 24, 24}, seq(24*24*24, 0.001, 0)))
}

// BenchmarkHeatmapDecode is the per-keypoint part of MoveNet's decoding:
// sigmoid over the heatmaps, NHWC transpose, division by the distance map
// and the argmax over the grid.
func BenchmarkHeatmapDecode(b *testing.B) {
	g := graphSpec{
		nodes: []onnxpb.Node{
			node("Sigmoid", []string{"x"}, []string{"s"}),
			node("Transpose", []string{"s"}, []string{"t"}, onnxpb.IntsAttr("perm", 0, 2, 3, 1)),
			node("Div", []string{"t", "d"}, []string{"q"}),
			node("Reshape", []string{"q", "shape"}, []string{"r"}),
			node("ArgMax", []string{"r"}, []string{"y"}, onnxpb.IntAttr("axis", 1), onnxpb.IntAttr("keepdims", 0)),
		},
		inits:   []onnxpb.Tensor{f32("d", dims(48, 48, 17), seq(48*48*17, 0.001, 1.8)...), i64("shape", dims(3), 1, 2304, 17)},
		inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 17, 48, 48)},
		outputs: []string{"y"},
	}
	benchSpec(b, g, NewFloat32([]int{1, 17, 48, 48}, seq(17*48*48, 0.0003, -3)))
}
