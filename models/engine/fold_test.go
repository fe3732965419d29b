package engine

import (
	"slices"
	"testing"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

// TestTransposeFolds checks the two ways a Transpose leaves the plan: as a
// reshape when it moves only unit dimensions, and folded into a GatherND
// that reads it.
func TestTransposeFolds(t *testing.T) {
	nchw := fT(sh(1, 3, 2, 2), 0, 1, 10, 11, 100, 101, 110, 111, 200, 201, 210, 211)
	cases := []struct {
		name      string
		g         graphSpec
		inputs    []*Tensor
		want      []*Tensor
		plan      []string
		copySteps int // steps that are not views
	}{
		{name: "gather through transpose",
			g: graphSpec{
				nodes: []onnxpb.Node{
					node("Transpose", []string{"x"}, []string{"t"}, onnxpb.IntsAttr("perm", 0, 2, 3, 1)),
					node("GatherND", []string{"t", "i"}, []string{"y"}),
				},
				inits:   []onnxpb.Tensor{i64("i", dims(2, 3), 0, 1, 0, 0, 0, 1)},
				inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 3, 2, 2)},
				outputs: []string{"y"}},
			inputs:    []*Tensor{nchw},
			want:      []*Tensor{fT(sh(2, 3), 10, 110, 210, 1, 101, 201)},
			plan:      []string{"GatherND"},
			copySteps: 1},
		{name: "gather through transpose, batch_dims 1, partial index",
			g: graphSpec{
				nodes: []onnxpb.Node{
					node("Transpose", []string{"x"}, []string{"t"}, onnxpb.IntsAttr("perm", 0, 2, 3, 1)),
					node("GatherND", []string{"t", "i"}, []string{"y"}, onnxpb.IntAttr("batch_dims", 1)),
				},
				inits:   []onnxpb.Tensor{i64("i", dims(1, 1, 1), 1)},
				inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 3, 2, 2)},
				outputs: []string{"y"}},
			inputs: []*Tensor{nchw},
			// t[0, 1, :, :] in NHWC: y=1, x=0..1, channels 0..2
			want:      []*Tensor{fT(sh(1, 1, 2, 3), 10, 110, 210, 11, 111, 211)},
			plan:      []string{"GatherND"},
			copySteps: 1},
		{name: "transposed tensor read twice stays",
			g: graphSpec{
				nodes: []onnxpb.Node{
					node("Transpose", []string{"x"}, []string{"t"}, onnxpb.IntsAttr("perm", 0, 2, 3, 1)),
					node("GatherND", []string{"t", "i"}, []string{"y"}),
				},
				inits:   []onnxpb.Tensor{i64("i", dims(1, 3), 0, 1, 1)},
				inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 3, 2, 2)},
				outputs: []string{"y", "t"}},
			inputs:    []*Tensor{nchw},
			want:      []*Tensor{fT(sh(1, 3), 11, 111, 211)},
			plan:      []string{"Transpose", "GatherND"},
			copySteps: 2},
		{name: "transpose of unit dimensions is a view",
			g: graphSpec{
				nodes: []onnxpb.Node{
					node("Neg", []string{"x"}, []string{"n"}),
					node("Transpose", []string{"n"}, []string{"t"}, onnxpb.IntsAttr("perm", 0, 2, 3, 1)),
					node("Neg", []string{"t"}, []string{"y"}),
				},
				inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 1, 2, 3)},
				outputs: []string{"y", "n"}}, // n read twice: no chain
			inputs:    []*Tensor{fT(sh(1, 1, 2, 3), 1, 2, 3, 4, 5, 6)},
			want:      []*Tensor{fT(sh(1, 2, 3, 1), 1, 2, 3, 4, 5, 6)},
			plan:      []string{"Neg", "Transpose", "Neg"},
			copySteps: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := loadSpec(t, tc.g)
			if got := opNames(m.plan.ops); !slices.Equal(got, tc.plan) {
				t.Errorf("plan %v, want %v", got, tc.plan)
			}
			s := m.NewSession()
			defer s.Close()
			if len(s.steps) != tc.copySteps {
				t.Errorf("%d steps run, want %d", len(s.steps), tc.copySteps)
			}
			got := runSpec(t, tc.g, tc.inputs...)
			wantTensor(t, got[0], tc.want[0], 0)
		})
	}
}
