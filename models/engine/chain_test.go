package engine

import (
	"slices"
	"testing"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

// TestChainFusion checks fused element-wise chains against hand-computed
// values and that the plan holds the expected operations.
func TestChainFusion(t *testing.T) {
	cases := []struct {
		name   string
		g      graphSpec
		inputs []*Tensor
		want   []*Tensor
		plan   []string
	}{
		{name: "MoveNet-style input normalisation",
			g: graphSpec{
				nodes: []onnxpb.Node{
					node("Cast", []string{"x"}, []string{"f"}, onnxpb.IntAttr("to", 1)),
					node("Squeeze", []string{"f", "ax0"}, []string{"fs"}),
					node("Unsqueeze", []string{"fs", "ax0"}, []string{"fu"}),
					node("Sub", []string{"fu", "mean"}, []string{"s"}),
					node("Mul", []string{"s", "scale"}, []string{"m"}),
					node("Sub", []string{"m", "one"}, []string{"y"}),
				},
				inits: []onnxpb.Tensor{f32("mean", dims(1, 1, 3), 0, 10, 100), f32("scale", dims(3), 1, 0.5, 0.25), f32("one", nil, 1),
					i64("ax0", dims(1), 0)},
				inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Int32, 1, 2, 3)},
				outputs: []string{"y"}},
			inputs: []*Tensor{i32T(sh(1, 2, 3), 1, 20, 104, 5, 14, 300)},
			// (x - mean) * scale - 1
			want: []*Tensor{fT(sh(1, 2, 3), 0, 4, 0, 4, 1, 49)},
			plan: []string{"Chain"}},
		{name: "reversed operands, unary and clip, two periods",
			g: graphSpec{
				nodes: []onnxpb.Node{
					node("Sub", []string{"c3", "x"}, []string{"a"}), // c3 - x
					node("Div", []string{"c6", "a"}, []string{"b"}), // c6 / a
					node("Neg", []string{"b"}, []string{"n"}),       // -b
					node("Clip", []string{"n", "lo", "hi"}, []string{"y"}),
				},
				inits:   []onnxpb.Tensor{f32("c3", dims(3), 1, 2, 3), f32("c6", dims(2, 3), 6, 6, 6, 12, 12, 12), f32("lo", nil, -5), f32("hi", nil, 0)},
				inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 2, 3)},
				outputs: []string{"y"}},
			inputs: []*Tensor{fT(sh(2, 2, 3), 0, 0, 0, -1, -1, -1, 4, 4, 4, 7, 8, 9)},
			// a = c3 - x; b = c6 / a; y = clip(-b, -5, 0)
			// row 0: a = 1 2 3 -> b = 6 3 2 -> -6 -3 -2 -> -5 -3 -2
			// row 1: a = 2 3 4 -> b = 6 4 3 -> -5 -4 -3
			// row 2: a = -3 -2 -1 -> b = -2 -3 -6 -> 2 3 6 -> 0 0 0
			// row 3: a = -6 -6 -6 -> b = -2 -2 -2 -> 0 0 0
			want: []*Tensor{fT(sh(2, 2, 3), -5, -3, -2, -5, -4, -3, 0, 0, 0, 0, 0, 0)},
			plan: []string{"Chain"}},
		{name: "an intermediate read twice splits the chain",
			g: graphSpec{
				nodes: []onnxpb.Node{
					node("Mul", []string{"x", "two"}, []string{"m"}),
					node("Sigmoid", []string{"m"}, []string{"s"}),
					node("Add", []string{"m", "s"}, []string{"y"}),
				},
				inits:   []onnxpb.Tensor{f32("two", nil, 2)},
				inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 2)},
				outputs: []string{"y"}},
			inputs: []*Tensor{fT(sh(2), 0, -1000)},
			want:   []*Tensor{fT(sh(2), 0.5, -2000)},
			plan:   []string{"Mul", "Sigmoid", "Add"}},
		{name: "blocked constant is not a chain stage",
			g: graphSpec{
				nodes: []onnxpb.Node{
					node("Mul", []string{"x", "c"}, []string{"m"}),
					node("Neg", []string{"m"}, []string{"y"}),
				},
				inits:   []onnxpb.Tensor{f32("c", dims(2, 1), 10, 100)},
				inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 2)},
				outputs: []string{"y"}},
			inputs: []*Tensor{fT(sh(2, 2), 1, 2, 3, 4)},
			want:   []*Tensor{fT(sh(2, 2), -10, -20, -300, -400)},
			plan:   []string{"Mul", "Neg"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := loadSpec(t, tc.g)
			if got := opNames(m.plan.ops); !slices.Equal(got, tc.plan) {
				t.Errorf("plan %v, want %v", got, tc.plan)
			}
			got := runSpec(t, tc.g, tc.inputs...)
			wantTensor(t, got[0], tc.want[0], 1e-6)
		})
	}
}

// TestChainMatchesUnfused runs a long chain over a large tensor (several
// chunks, a partial last one, parallel) and compares it bit for bit with the
// same operations run one by one.
func TestChainMatchesUnfused(t *testing.T) {
	g := graphSpec{
		nodes: []onnxpb.Node{
			node("Cast", []string{"x"}, []string{"f"}, onnxpb.IntAttr("to", 1)),
			node("Sub", []string{"f", "mean"}, []string{"s"}),
			node("Mul", []string{"s", "scale"}, []string{"m"}),
			node("Sub", []string{"m", "one"}, []string{"y"}),
			node("Sigmoid", []string{"y"}, []string{"z"}),
		},
		inits:   []onnxpb.Tensor{f32("mean", dims(1, 1, 1, 3), 127, 128, 129), f32("scale", dims(1, 1, 1, 3), 0.0078430176, 0.0078430176, 0.0078430176), f32("one", dims(1), 1)},
		inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Int32, 1, 97, 101, 3)},
		outputs: []string{"z"},
	}
	x := NewInt32([]int{1, 97, 101, 3}, nil)
	for i := range x.I32 {
		x.I32[i] = int32(i*7919) % 256
	}
	got := runSpec(t, g, x)
	mean, scale := []float32{127, 128, 129}, float32(0.0078430176)
	for i, v := range x.I32 {
		f := float32(v)
		f -= mean[i%3]
		f *= scale
		f -= 1
		if w := sigmoid(f); got[0].F32[i] != w {
			t.Fatalf("element %d = %v, want %v", i, got[0].F32[i], w)
		}
	}
}

// TestChainWithTranspose checks chains that absorb the Transpose reading
// them, bit for bit against the operations done one by one: constants
// whose phase is fixed along a destination row (MoveNet's per-channel
// normalisation into NCHW, rows longer than one work segment) and
// constants whose phase advances along it.
func TestChainWithTranspose(t *testing.T) {
	cases := []struct {
		name  string
		shape []int   // source shape
		perm  []int64 // transpose
		cdims []int64 // constant shape (a trailing part of shape)
	}{
		{"NHWC to NCHW, channel constants", []int{1, 50, 90, 3}, []int64{0, 3, 1, 2}, []int64{1, 1, 1, 3}},
		{"constant phase advances", []int{2, 3, 4}, []int64{2, 0, 1}, []int64{3, 4}},
		{"reverse all", []int{3, 5, 7}, nil, []int64{5, 7}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cn := numElems(intsOf(tc.cdims))
			c1, c2 := seq(cn, 0.5, -3), seq(cn, -0.25, 2)
			var attrs []onnxpb.Attribute
			if tc.perm != nil {
				attrs = append(attrs, onnxpb.IntsAttr("perm", tc.perm...))
			}
			g := graphSpec{
				nodes: []onnxpb.Node{
					node("Cast", []string{"x"}, []string{"f"}, onnxpb.IntAttr("to", 1)),
					node("Sub", []string{"c1", "f"}, []string{"s"}),
					node("Mul", []string{"s", "c2"}, []string{"m"}),
					node("Sigmoid", []string{"m"}, []string{"g"}),
					node("Transpose", []string{"g"}, []string{"y"}, attrs...),
				},
				inits:   []onnxpb.Tensor{f32("c1", tc.cdims, c1...), f32("c2", tc.cdims, c2...)},
				inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Int32, int64s(tc.shape)...)},
				outputs: []string{"y"},
			}
			m := loadSpec(t, g, WithThreads(2))
			if got := opNames(m.plan.ops); !slices.Equal(got, []string{"Chain"}) {
				t.Errorf("plan %v, want one Chain", got)
			}
			x := NewInt32(tc.shape, nil)
			for i := range x.I32 {
				x.I32[i] = int32(i*7919)%256 - 100
			}
			got := runSpec(t, g, x)[0]
			// The same operations one by one, then the transpose.
			src := make([]float32, len(x.I32))
			for i, v := range x.I32 {
				f := c1[i%cn] - float32(v)
				f *= c2[i%cn]
				src[i] = sigmoid(f)
			}
			perm := make([]int, len(tc.shape))
			for i := range perm {
				perm[i] = len(perm) - 1 - i
				if tc.perm != nil {
					perm[i] = int(tc.perm[i])
				}
			}
			ss := stridesOf(tc.shape)
			out := make([]int, len(perm))
			for i, p := range perm {
				out[i] = tc.shape[p]
			}
			idx := make([]int, len(out))
			for o := 0; o < len(src); o++ {
				rem, off := o, 0
				for d := len(out) - 1; d >= 0; d-- {
					idx[d] = rem % out[d]
					rem /= out[d]
					off += idx[d] * ss[perm[d]]
				}
				if got.F32[o] != src[off] {
					t.Fatalf("element %d = %v, want %v", o, got.F32[o], src[off])
				}
			}
		})
	}
}
