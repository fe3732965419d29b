package engine

import (
	"math"
	"testing"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

type opCase struct {
	name   string
	g      graphSpec
	inputs []*Tensor
	want   []*Tensor
	tol    float64
}

// single builds a one-node graph reading the given inputs and initialisers.
func single(op string, ins []string, outs []string, inputs []onnxpb.ValueInfo, inits []onnxpb.Tensor, attrs ...onnxpb.Attribute) graphSpec {
	return graphSpec{nodes: []onnxpb.Node{node(op, ins, outs, attrs...)}, inputs: inputs, inits: inits, outputs: outs}
}

func fT(shape []int, v ...float32) *Tensor { return NewFloat32(shape, v) }
func iT(shape []int, v ...int64) *Tensor   { return NewInt64(shape, v) }
func i32T(shape []int, v ...int32) *Tensor { return NewInt32(shape, v) }
func sh(d ...int) []int                    { return d }

func runCases(t *testing.T, cases []opCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := runSpec(t, tc.g, tc.inputs...)
			if len(got) != len(tc.want) {
				t.Fatalf("%d outputs, want %d", len(got), len(tc.want))
			}
			for i := range got {
				wantTensor(t, got[i], tc.want[i], tc.tol)
			}
		})
	}
}

func TestElementwise(t *testing.T) { runCases(t, elementwiseCases()) }

func elementwiseCases() []opCase {
	x23 := []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 3)}
	xv := fT(sh(2, 3), 1, 2, 3, 4, 5, 6)
	ln3 := float32(math.Log(3))
	return []opCase{
		{name: "add row broadcast", g: single("Add", []string{"x", "b"}, []string{"y"}, x23, []onnxpb.Tensor{f32("b", dims(3), 10, 20, 30)}),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(2, 3), 11, 22, 33, 14, 25, 36)}},
		{name: "add outer broadcast", g: single("Add", []string{"x", "b"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 1)}, []onnxpb.Tensor{f32("b", dims(1, 3), 10, 20, 30)}),
			inputs: []*Tensor{fT(sh(2, 1), 1, 2)}, want: []*Tensor{fT(sh(2, 3), 11, 21, 31, 12, 22, 32)}},
		{name: "sub scalar", g: single("Sub", []string{"x", "b"}, []string{"y"}, x23, []onnxpb.Tensor{f32("b", nil, 1)}),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(2, 3), 0, 1, 2, 3, 4, 5)}},
		{name: "scalar minus tensor", g: single("Sub", []string{"b", "x"}, []string{"y"}, x23, []onnxpb.Tensor{f32("b", nil, 1)}),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(2, 3), 0, -1, -2, -3, -4, -5)}},
		{name: "mul middle broadcast", g: single("Mul", []string{"x", "b"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 3, 2)}, []onnxpb.Tensor{f32("b", dims(3, 1), 1, 10, 100)}),
			inputs: []*Tensor{fT(sh(2, 3, 2), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)},
			want:   []*Tensor{fT(sh(2, 3, 2), 1, 2, 30, 40, 500, 600, 7, 8, 90, 100, 1100, 1200)}},
		{name: "mul same input twice", g: single("Mul", []string{"x", "x"}, []string{"y"}, x23, nil),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(2, 3), 1, 4, 9, 16, 25, 36)}},
		{name: "div float", g: single("Div", []string{"x", "b"}, []string{"y"}, x23, []onnxpb.Tensor{f32("b", dims(2, 1), 2, 4)}),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(2, 3), 0.5, 1, 1.5, 1, 1.25, 1.5)}},
		{name: "div int64 truncates", g: single("Div", []string{"x", "b"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Int64, 3)}, []onnxpb.Tensor{i64("b", dims(1), 2)}),
			inputs: []*Tensor{iT(sh(3), 7, 9, 10)}, want: []*Tensor{iT(sh(3), 3, 4, 5)}},
		{name: "div int32 by zero is zero", g: single("Div", []string{"x", "b"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Int32, 2)}, []onnxpb.Tensor{onnxpb.Int32Tensor("b", dims(2), []int32{0, 3})}),
			inputs: []*Tensor{i32T(sh(2), 5, 7)}, want: []*Tensor{i32T(sh(2), 0, 2)}},
		{name: "int32 add sub mul", g: graphSpec{
			nodes: []onnxpb.Node{
				node("Add", []string{"x", "x"}, []string{"a"}),
				node("Mul", []string{"a", "x"}, []string{"m"}),
				node("Sub", []string{"m", "x"}, []string{"y"}),
			},
			inputs: []onnxpb.ValueInfo{in("x", onnxpb.Int32, 3)}, outputs: []string{"y"}},
			inputs: []*Tensor{i32T(sh(3), 1, 2, -3)}, want: []*Tensor{i32T(sh(3), 1, 6, 21)}},
		{name: "pow", g: graphSpec{
			nodes: []onnxpb.Node{
				node("Pow", []string{"x", "two"}, []string{"sq"}),
				node("Pow", []string{"x", "half"}, []string{"rt"}),
				node("Pow", []string{"x", "three"}, []string{"cu"}),
			},
			inits:  []onnxpb.Tensor{f32("two", nil, 2), f32("half", nil, 0.5), f32("three", nil, 3)},
			inputs: []onnxpb.ValueInfo{in("x", onnxpb.Float, 2)}, outputs: []string{"sq", "rt", "cu"}},
			inputs: []*Tensor{fT(sh(2), 4, 9)}, want: []*Tensor{fT(sh(2), 16, 81), fT(sh(2), 2, 3), fT(sh(2), 64, 729)}, tol: 1e-6},
		{name: "unary", g: graphSpec{
			nodes: []onnxpb.Node{
				node("Relu", []string{"x"}, []string{"relu"}),
				node("Sigmoid", []string{"x"}, []string{"sig"}),
				node("Floor", []string{"x"}, []string{"floor"}),
				node("Sqrt", []string{"relu"}, []string{"sqrt"}),
			},
			inputs: []onnxpb.ValueInfo{in("x", onnxpb.Float, 4)}, outputs: []string{"relu", "sig", "floor", "sqrt"}},
			inputs: []*Tensor{fT(sh(4), -1.5, 0, ln3, 4)},
			want: []*Tensor{fT(sh(4), 0, 0, ln3, 4), fT(sh(4), 1/(1+float32(math.Exp(1.5))), 0.5, 0.75, 1/(1+float32(math.Exp(-4)))),
				fT(sh(4), -2, 0, 1, 4), fT(sh(4), 0, 0, float32(math.Sqrt(float64(ln3))), 2)}, tol: 1e-6},
		{name: "cast", g: graphSpec{
			nodes: []onnxpb.Node{
				node("Cast", []string{"x"}, []string{"i"}, onnxpb.IntAttr("to", 6)),
				node("Cast", []string{"i"}, []string{"f"}, onnxpb.IntAttr("to", 1)),
				node("Cast", []string{"x"}, []string{"l"}, onnxpb.IntAttr("to", 7)),
			},
			inputs: []onnxpb.ValueInfo{in("x", onnxpb.Float, 3)}, outputs: []string{"i", "f", "l"}},
			inputs: []*Tensor{fT(sh(3), -1.7, 2.9, 255)},
			want:   []*Tensor{i32T(sh(3), -1, 2, 255), fT(sh(3), -1, 2, 255), iT(sh(3), -1, 2, 255)}},
		{name: "clip attributes (opset 6)", g: graphSpec{opset: 6,
			nodes:  []onnxpb.Node{node("Clip", []string{"x"}, []string{"y"}, onnxpb.FloatAttr("min", 0), onnxpb.FloatAttr("max", 6))},
			inputs: []onnxpb.ValueInfo{in("x", onnxpb.Float, 3)}, outputs: []string{"y"}},
			inputs: []*Tensor{fT(sh(3), -1, 3, 7)}, want: []*Tensor{fT(sh(3), 0, 3, 6)}},
		{name: "clip inputs (opset 13)", g: single("Clip", []string{"x", "lo", "hi"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 3)},
			[]onnxpb.Tensor{f32("lo", nil, -0.5), f32("hi", nil, 6)}),
			inputs: []*Tensor{fT(sh(3), -1, 3, 7)}, want: []*Tensor{fT(sh(3), -0.5, 3, 6)}},
		{name: "clip max only", g: single("Clip", []string{"x", "", "hi"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 3)},
			[]onnxpb.Tensor{f32("hi", nil, 2)}),
			inputs: []*Tensor{fT(sh(3), -1, 3, 7)}, want: []*Tensor{fT(sh(3), -1, 2, 2)}},
		{name: "clip run-time bound", g: single("Clip", []string{"x", "lo"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 3), in("lo", onnxpb.Float)}, nil),
			inputs: []*Tensor{fT(sh(3), -1, 3, 7), fT(nil, 4)}, want: []*Tensor{fT(sh(3), 4, 4, 7)}},
	}
}

func TestShapeOps(t *testing.T) { runCases(t, shapeCases()) }

func shapeCases() []opCase {
	x23 := []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 3)}
	xv := fT(sh(2, 3), 0, 1, 2, 3, 4, 5)
	x34 := []onnxpb.ValueInfo{in("x", onnxpb.Float, 3, 4)}
	xv34 := fT(sh(3, 4), seq(12, 1, 0)...)
	return []opCase{
		{name: "transpose default", g: single("Transpose", []string{"x"}, []string{"y"}, x23, nil),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(3, 2), 0, 3, 1, 4, 2, 5)}},
		{name: "transpose NHWC to NCHW", g: single("Transpose", []string{"x"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 2, 2, 3)}, nil, onnxpb.IntsAttr("perm", 0, 3, 1, 2)),
			inputs: []*Tensor{fT(sh(1, 2, 2, 3), seq(12, 1, 0)...)}, want: []*Tensor{fT(sh(1, 3, 2, 2), 0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11)}},
		{name: "reshape 0 and -1", g: single("Reshape", []string{"x", "s"}, []string{"y"}, x23, []onnxpb.Tensor{i64("s", dims(3), 0, -1, 1)}),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(2, 3, 1), 0, 1, 2, 3, 4, 5)}},
		{name: "reshape of computed value is a view", g: graphSpec{
			nodes: []onnxpb.Node{
				node("Relu", []string{"x"}, []string{"r"}),
				node("Reshape", []string{"r", "s"}, []string{"v"}),
				node("Add", []string{"v", "b"}, []string{"y"}),
			},
			inits:  []onnxpb.Tensor{i64("s", dims(2), 3, -1), f32("b", dims(2), 100, 200)},
			inputs: []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 3)}, outputs: []string{"y", "v"}},
			inputs: []*Tensor{fT(sh(2, 3), -1, 1, 2, -3, 4, 5)},
			want:   []*Tensor{fT(sh(3, 2), 100, 201, 102, 200, 104, 205), fT(sh(3, 2), 0, 1, 2, 0, 4, 5)}},
		{name: "flatten", g: single("Flatten", []string{"x"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 2, 3)}, nil, onnxpb.IntAttr("axis", 2)),
			inputs: []*Tensor{fT(sh(1, 2, 3), 0, 1, 2, 3, 4, 5)}, want: []*Tensor{fT(sh(2, 3), 0, 1, 2, 3, 4, 5)}},
		{name: "squeeze axes input (opset 13)", g: single("Squeeze", []string{"x", "a"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 3, 1)}, []onnxpb.Tensor{i64("a", dims(1), 0)}),
			inputs: []*Tensor{fT(sh(1, 3, 1), 1, 2, 3)}, want: []*Tensor{fT(sh(3, 1), 1, 2, 3)}},
		{name: "squeeze all", g: single("Squeeze", []string{"x"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 3, 1)}, nil),
			inputs: []*Tensor{fT(sh(1, 3, 1), 1, 2, 3)}, want: []*Tensor{fT(sh(3), 1, 2, 3)}},
		{name: "squeeze axes attribute (opset 11)", g: graphSpec{opset: 11,
			nodes:  []onnxpb.Node{node("Squeeze", []string{"x"}, []string{"y"}, onnxpb.IntsAttr("axes", -1))},
			inputs: []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 3, 1)}, outputs: []string{"y"}},
			inputs: []*Tensor{fT(sh(1, 3, 1), 1, 2, 3)}, want: []*Tensor{fT(sh(1, 3), 1, 2, 3)}},
		{name: "unsqueeze axes input", g: single("Unsqueeze", []string{"x", "a"}, []string{"y"}, x23, []onnxpb.Tensor{i64("a", dims(2), 0, 3)}),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(1, 2, 3, 1), 0, 1, 2, 3, 4, 5)}},
		{name: "unsqueeze axes attribute", g: graphSpec{opset: 11,
			nodes:  []onnxpb.Node{node("Unsqueeze", []string{"x"}, []string{"y"}, onnxpb.IntsAttr("axes", 1))},
			inputs: x23, outputs: []string{"y"}},
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(2, 1, 3), 0, 1, 2, 3, 4, 5)}},
		{name: "declared intermediate (value_info)", g: graphSpec{
			nodes:  []onnxpb.Node{node("Neg", []string{"x"}, []string{"n"}), node("Neg", []string{"n"}, []string{"y"})},
			infos:  []onnxpb.ValueInfo{in("n", onnxpb.Float, 2, 3)},
			inputs: x23, outputs: []string{"y"}},
			inputs: []*Tensor{xv}, want: []*Tensor{xv}},
		{name: "graph input and initialiser as outputs", g: graphSpec{
			nodes:  []onnxpb.Node{node("Neg", []string{"x"}, []string{"n"})},
			inits:  []onnxpb.Tensor{f32("k", dims(2), 7, 8)},
			inputs: x23, outputs: []string{"x", "n", "k"}},
			inputs: []*Tensor{xv}, want: []*Tensor{xv, fT(sh(2, 3), 0, -1, -2, -3, -4, -5), fT(sh(2), 7, 8)}},
		{name: "identity of input", g: single("Identity", []string{"x"}, []string{"y"}, x23, nil),
			inputs: []*Tensor{xv}, want: []*Tensor{xv}},
		{name: "concat axis 1", g: single("Concat", []string{"a", "b"}, []string{"y"}, []onnxpb.ValueInfo{in("a", onnxpb.Float, 2, 1), in("b", onnxpb.Float, 2, 2)}, nil, onnxpb.IntAttr("axis", 1)),
			inputs: []*Tensor{fT(sh(2, 1), 1, 2), fT(sh(2, 2), 3, 4, 5, 6)}, want: []*Tensor{fT(sh(2, 3), 1, 3, 4, 2, 5, 6)}},
		{name: "concat int64 axis -1 with constant", g: single("Concat", []string{"a", "c"}, []string{"y"}, []onnxpb.ValueInfo{in("a", onnxpb.Int64, 2)}, []onnxpb.Tensor{i64("c", dims(1), 9)}, onnxpb.IntAttr("axis", -1)),
			inputs: []*Tensor{iT(sh(2), 1, 2)}, want: []*Tensor{iT(sh(3), 1, 2, 9)}},
		{name: "split input sizes", g: single("Split", []string{"x", "s"}, []string{"p", "q"}, x23, []onnxpb.Tensor{i64("s", dims(2), 1, 2)}, onnxpb.IntAttr("axis", 1)),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(2, 1), 0, 3), fT(sh(2, 2), 1, 2, 4, 5)}},
		{name: "split even", g: single("Split", []string{"x"}, []string{"p", "q"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 4)}, nil),
			inputs: []*Tensor{fT(sh(4), 0, 1, 2, 3)}, want: []*Tensor{fT(sh(2), 0, 1), fT(sh(2), 2, 3)}},
		{name: "split attribute (opset 11)", g: graphSpec{opset: 11,
			nodes:  []onnxpb.Node{node("Split", []string{"x"}, []string{"p", "q"}, onnxpb.IntsAttr("split", 2, 1), onnxpb.IntAttr("axis", -1))},
			inputs: x23, outputs: []string{"p", "q"}},
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(2, 2), 0, 1, 3, 4), fT(sh(2, 1), 2, 5)}},
		{name: "slice steps", g: single("Slice", []string{"x", "st", "en", "ax", "sp"}, []string{"y"}, x34,
			[]onnxpb.Tensor{i64("st", dims(2), 1, 0), i64("en", dims(2), 3, 4), i64("ax", dims(2), 0, 1), i64("sp", dims(2), 1, 2)}),
			inputs: []*Tensor{xv34}, want: []*Tensor{fT(sh(2, 2), 4, 6, 8, 10)}},
		{name: "slice reverse", g: single("Slice", []string{"x", "st", "en", "ax", "sp"}, []string{"y"}, x34,
			[]onnxpb.Tensor{i64("st", dims(1), -1), i64("en", dims(1), math.MinInt64), i64("ax", dims(1), 1), i64("sp", dims(1), -1)}),
			inputs: []*Tensor{xv34}, want: []*Tensor{fT(sh(3, 4), 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8)}},
		{name: "slice clamps ends", g: single("Slice", []string{"x", "st", "en"}, []string{"y"}, x34,
			[]onnxpb.Tensor{i64("st", dims(2), 2, -2), i64("en", dims(2), 100, math.MaxInt64)}),
			inputs: []*Tensor{xv34}, want: []*Tensor{fT(sh(1, 2), 10, 11)}},
		{name: "slice attributes (opset 1)", g: graphSpec{opset: 1,
			nodes:  []onnxpb.Node{node("Slice", []string{"x"}, []string{"y"}, onnxpb.IntsAttr("starts", 0), onnxpb.IntsAttr("ends", 2), onnxpb.IntsAttr("axes", 1))},
			inputs: x34, outputs: []string{"y"}},
			inputs: []*Tensor{xv34}, want: []*Tensor{fT(sh(3, 2), 0, 1, 4, 5, 8, 9)}},
		{name: "shape", g: single("Shape", []string{"x"}, []string{"y"}, x23, nil),
			inputs: []*Tensor{xv}, want: []*Tensor{iT(sh(2), 2, 3)}},
		{name: "shape feeds reshape", g: graphSpec{
			nodes: []onnxpb.Node{
				node("Shape", []string{"x"}, []string{"s"}),
				node("Slice", []string{"s", "st", "en"}, []string{"s1"}),
				node("Concat", []string{"s1", "m1"}, []string{"s2"}, onnxpb.IntAttr("axis", 0)),
				node("Reshape", []string{"x", "s2"}, []string{"y"}),
			},
			inits:  []onnxpb.Tensor{i64("st", dims(1), 0), i64("en", dims(1), 1), i64("m1", dims(1), -1)},
			inputs: []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 1, 3)}, outputs: []string{"y"}},
			inputs: []*Tensor{fT(sh(2, 1, 3), 0, 1, 2, 3, 4, 5)}, want: []*Tensor{fT(sh(2, 3), 0, 1, 2, 3, 4, 5)}},
		{name: "constant", g: graphSpec{
			nodes: []onnxpb.Node{
				{Name: "c", OpType: "Constant", Outputs: []string{"c"}, Attributes: []onnxpb.Attribute{{Name: "value", Type: onnxpb.AttrTensor, T: ptr(f32("v", dims(3), 1, 2, 3))}}},
				{Name: "k", OpType: "Constant", Outputs: []string{"k"}, Attributes: []onnxpb.Attribute{onnxpb.FloatAttr("value_float", 10)}},
				node("Add", []string{"x", "c"}, []string{"s"}),
				node("Mul", []string{"s", "k"}, []string{"y"}),
			},
			inputs: []onnxpb.ValueInfo{in("x", onnxpb.Float, 3)}, outputs: []string{"y"}},
			inputs: []*Tensor{fT(sh(3), 1, 1, 1)}, want: []*Tensor{fT(sh(3), 20, 30, 40)}},
	}
}

func ptr[T any](v T) *T { return &v }

func TestIndexOps(t *testing.T) { runCases(t, indexCases()) }

func indexCases() []opCase {
	return []opCase{
		{name: "gather axis 0", g: single("Gather", []string{"x", "i"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 3, 2)}, []onnxpb.Tensor{i64("i", dims(2), 2, 0)}),
			inputs: []*Tensor{fT(sh(3, 2), 1, 2, 3, 4, 5, 6)}, want: []*Tensor{fT(sh(2, 2), 5, 6, 1, 2)}},
		{name: "gather scalar negative index axis 1", g: single("Gather", []string{"x", "i"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 3, 2)}, []onnxpb.Tensor{i64("i", nil, -1)}, onnxpb.IntAttr("axis", 1)),
			inputs: []*Tensor{fT(sh(3, 2), 1, 2, 3, 4, 5, 6)}, want: []*Tensor{fT(sh(3), 2, 4, 6)}},
		{name: "gather run-time int32 indices", g: single("Gather", []string{"x", "i"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 3, 2), in("i", onnxpb.Int32, 1)}, nil),
			inputs: []*Tensor{fT(sh(3, 2), 1, 2, 3, 4, 5, 6), i32T(sh(1), 1)}, want: []*Tensor{fT(sh(1, 2), 3, 4)}},
		{name: "gathernd elements", g: single("GatherND", []string{"x", "i"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 2)}, []onnxpb.Tensor{i64("i", dims(2, 2), 0, 0, 1, 1)}),
			inputs: []*Tensor{fT(sh(2, 2), 0, 1, 2, 3)}, want: []*Tensor{fT(sh(2), 0, 3)}},
		{name: "gathernd rows", g: single("GatherND", []string{"x", "i"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 2)}, []onnxpb.Tensor{i64("i", dims(2, 1), 1, 0)}),
			inputs: []*Tensor{fT(sh(2, 2), 0, 1, 2, 3)}, want: []*Tensor{fT(sh(2, 2), 2, 3, 0, 1)}},
		{name: "gathernd batch_dims 1", g: single("GatherND", []string{"x", "i"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 2, 2)}, []onnxpb.Tensor{i64("i", dims(2, 1), 1, 0)}, onnxpb.IntAttr("batch_dims", 1)),
			inputs: []*Tensor{fT(sh(2, 2, 2), 0, 1, 2, 3, 4, 5, 6, 7)}, want: []*Tensor{fT(sh(2, 2), 2, 3, 4, 5)}},
		{name: "gathernd run-time indices", g: single("GatherND", []string{"x", "i"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 3), in("i", onnxpb.Int64, 1, 2)}, nil),
			inputs: []*Tensor{fT(sh(2, 3), 0, 1, 2, 3, 4, 5), iT(sh(1, 2), 1, 2)}, want: []*Tensor{fT(sh(1), 5)}},
		{name: "argmax keepdims", g: single("ArgMax", []string{"x"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 3)}, nil, onnxpb.IntAttr("axis", 1)),
			inputs: []*Tensor{fT(sh(2, 3), 1, 5, 5, 7, 0, 7)}, want: []*Tensor{iT(sh(2, 1), 1, 0)}},
		{name: "argmax last index", g: single("ArgMax", []string{"x"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 3)}, nil, onnxpb.IntAttr("axis", -1), onnxpb.IntAttr("select_last_index", 1)),
			inputs: []*Tensor{fT(sh(2, 3), 1, 5, 5, 7, 0, 7)}, want: []*Tensor{iT(sh(2, 1), 2, 2)}},
		{name: "argmax axis 0 no keepdims", g: single("ArgMax", []string{"x"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 3)}, nil, onnxpb.IntAttr("keepdims", 0)),
			inputs: []*Tensor{fT(sh(2, 3), 1, 5, 5, 7, 0, 7)}, want: []*Tensor{iT(sh(3), 1, 0, 1)}},
	}
}

func TestResize(t *testing.T) { runCases(t, resizeCases()) }

func resizeCases() []opCase {
	x := []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 1, 2, 2)}
	xv := fT(sh(1, 1, 2, 2), 1, 2, 3, 4)
	scales2 := f32("sc", dims(4), 1, 1, 2, 2)
	return []opCase{
		{name: "linear half_pixel scales", g: single("Resize", []string{"x", "", "sc"}, []string{"y"}, x, []onnxpb.Tensor{scales2},
			onnxpb.StringAttr("mode", "linear")),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(1, 1, 4, 4),
				1, 1.25, 1.75, 2,
				1.5, 1.75, 2.25, 2.5,
				2.5, 2.75, 3.25, 3.5,
				3, 3.25, 3.75, 4)}, tol: 1e-6},
		{name: "linear align_corners sizes", g: single("Resize", []string{"x", "", "", "sz"}, []string{"y"}, x, []onnxpb.Tensor{i64("sz", dims(4), 1, 1, 3, 3)},
			onnxpb.StringAttr("mode", "linear"), onnxpb.StringAttr("coordinate_transformation_mode", "align_corners")),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(1, 1, 3, 3), 1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4)}, tol: 1e-6},
		{name: "nearest asymmetric floor", g: single("Resize", []string{"x", "", "", "sz"}, []string{"y"}, x, []onnxpb.Tensor{i64("sz", dims(4), 1, 1, 4, 4)},
			onnxpb.StringAttr("coordinate_transformation_mode", "asymmetric"), onnxpb.StringAttr("nearest_mode", "floor")),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(1, 1, 4, 4), 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4)}},
		{name: "nearest default half_pixel", g: single("Resize", []string{"x", "", "sc"}, []string{"y"}, x, []onnxpb.Tensor{scales2}),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(1, 1, 4, 4), 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4)}},
		{name: "opset 10 two inputs", g: graphSpec{opset: 10,
			nodes:  []onnxpb.Node{node("Resize", []string{"x", "sc"}, []string{"y"}, onnxpb.StringAttr("mode", "linear"))},
			inits:  []onnxpb.Tensor{scales2},
			inputs: x, outputs: []string{"y"}},
			// asymmetric: x/2 = 0, .5, 1, 1.5 (clamped to the edge)
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(1, 1, 4, 4),
				1, 1.5, 2, 2,
				2, 2.5, 3, 3,
				3, 3.5, 4, 4,
				3, 3.5, 4, 4)}, tol: 1e-6},
	}
}

func TestMatMulGemm(t *testing.T) { runCases(t, matMulCases()) }

func TestExpandTileRangeReduce(t *testing.T) { runCases(t, moreCases()) }

func moreCases() []opCase {
	x23 := []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 3)}
	xv := fT(sh(2, 3), 1, 5, 2, 7, 0, 3)
	x22 := []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 2)}
	xv22 := fT(sh(2, 2), 1, 2, 3, 4)
	return []opCase{
		{name: "expand", g: single("Expand", []string{"x", "s"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 3, 1)}, []onnxpb.Tensor{i64("s", dims(3), 2, 1, 4)}),
			inputs: []*Tensor{fT(sh(3, 1), 1, 2, 3)},
			want:   []*Tensor{fT(sh(2, 3, 4), 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3)}},
		{name: "tile columns", g: single("Tile", []string{"x", "r"}, []string{"y"}, x22, []onnxpb.Tensor{i64("r", dims(2), 1, 2)}),
			inputs: []*Tensor{xv22}, want: []*Tensor{fT(sh(2, 4), 1, 2, 1, 2, 3, 4, 3, 4)}},
		{name: "tile rows", g: single("Tile", []string{"x", "r"}, []string{"y"}, x22, []onnxpb.Tensor{i64("r", dims(2), 2, 1)}),
			inputs: []*Tensor{xv22}, want: []*Tensor{fT(sh(4, 2), 1, 2, 3, 4, 1, 2, 3, 4)}},
		{name: "range int64", g: graphSpec{
			nodes:  []onnxpb.Node{node("Range", []string{"a", "b", "d"}, []string{"r"}), node("Add", []string{"r", "x"}, []string{"y"})},
			inits:  []onnxpb.Tensor{i64("a", nil, 1), i64("b", nil, 10), i64("d", nil, 3)},
			inputs: []onnxpb.ValueInfo{in("x", onnxpb.Int64, 3)}, outputs: []string{"y"}},
			inputs: []*Tensor{iT(sh(3), 0, 0, 100)}, want: []*Tensor{iT(sh(3), 1, 4, 107)}},
		{name: "range float", g: graphSpec{
			nodes:  []onnxpb.Node{node("Range", []string{"a", "b", "d"}, []string{"y"})},
			inits:  []onnxpb.Tensor{f32("a", nil, 0), f32("b", nil, 1), f32("d", nil, 0.25)},
			inputs: x23, outputs: []string{"y"}},
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(4), 0, 0.25, 0.5, 0.75)}},
		{name: "constant of shape", g: graphSpec{
			nodes: []onnxpb.Node{{Name: "c", OpType: "ConstantOfShape", Inputs: []string{"s"}, Outputs: []string{"y"},
				Attributes: []onnxpb.Attribute{{Name: "value", Type: onnxpb.AttrTensor, T: ptr(i64("v", dims(1), 7))}}}},
			inits:  []onnxpb.Tensor{i64("s", dims(2), 2, 3)},
			inputs: x23, outputs: []string{"y"}},
			inputs: []*Tensor{xv}, want: []*Tensor{iT(sh(2, 3), 7, 7, 7, 7, 7, 7)}},
		{name: "reduce max keepdims", g: single("ReduceMax", []string{"x"}, []string{"y"}, x23, nil, onnxpb.IntsAttr("axes", 1)),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(2, 1), 5, 7)}},
		{name: "reduce min last axis", g: single("ReduceMin", []string{"x"}, []string{"y"}, x23, nil, onnxpb.IntsAttr("axes", -1), onnxpb.IntAttr("keepdims", 0)),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(2), 1, 0)}},
		{name: "reduce sum axes input", g: single("ReduceSum", []string{"x", "a"}, []string{"y"}, x23, []onnxpb.Tensor{i64("a", dims(1), 0)}, onnxpb.IntAttr("keepdims", 0)),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(3), 8, 5, 5)}},
		{name: "reduce mean all", g: single("ReduceMean", []string{"x"}, []string{"y"}, x23, nil),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(1, 1), 3)}},
	}
}

func matMulCases() []opCase {
	return []opCase{
		{name: "matmul", g: single("MatMul", []string{"a", "b"}, []string{"y"}, []onnxpb.ValueInfo{in("a", onnxpb.Float, 2, 3)}, []onnxpb.Tensor{f32("b", dims(3, 2), 1, 0, 0, 1, 1, 1)}),
			inputs: []*Tensor{fT(sh(2, 3), 1, 2, 3, 4, 5, 6)}, want: []*Tensor{fT(sh(2, 2), 4, 5, 10, 11)}},
		{name: "matmul batch broadcast", g: single("MatMul", []string{"a", "b"}, []string{"y"}, []onnxpb.ValueInfo{in("a", onnxpb.Float, 2, 1, 2)}, []onnxpb.Tensor{f32("b", dims(2, 1), 1, 1)}),
			inputs: []*Tensor{fT(sh(2, 1, 2), 1, 2, 3, 4)}, want: []*Tensor{fT(sh(2, 1, 1), 3, 7)}},
		{name: "matmul both batches broadcast", g: single("MatMul", []string{"a", "b"}, []string{"y"}, []onnxpb.ValueInfo{in("a", onnxpb.Float, 2, 1, 1, 2)}, []onnxpb.Tensor{f32("b", dims(3, 2, 1), 1, 1, 1, 0, 0, 1)}),
			inputs: []*Tensor{fT(sh(2, 1, 1, 2), 1, 2, 3, 4)}, want: []*Tensor{fT(sh(2, 3, 1, 1), 3, 1, 2, 7, 3, 4)}},
		{name: "matmul vector", g: single("MatMul", []string{"a", "b"}, []string{"y"}, []onnxpb.ValueInfo{in("a", onnxpb.Float, 3)}, []onnxpb.Tensor{f32("b", dims(3, 2), 1, 0, 0, 1, 1, 1)}),
			inputs: []*Tensor{fT(sh(3), 1, 2, 3)}, want: []*Tensor{fT(sh(2), 4, 5)}},
		{name: "gemm transB alpha beta", g: single("Gemm", []string{"a", "b", "c"}, []string{"y"}, []onnxpb.ValueInfo{in("a", onnxpb.Float, 1, 2)},
			[]onnxpb.Tensor{f32("b", dims(2, 2), 1, 1, 0, 1), f32("c", dims(2), 10, 20)},
			onnxpb.IntAttr("transB", 1), onnxpb.FloatAttr("alpha", 2)),
			inputs: []*Tensor{fT(sh(1, 2), 1, 2)}, want: []*Tensor{fT(sh(1, 2), 16, 24)}},
	}
}
