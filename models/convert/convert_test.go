package convert

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/models/engine"
	"github.com/kneescreen/kneescreen/models/onnxpb"
	"github.com/kneescreen/kneescreen/models/tfjs"
	tt "github.com/kneescreen/kneescreen/models/tfjs/tfjstest"
)

type attrs = map[string]tt.Attr

// build writes b as a TF.js model in a temporary directory, reads it back
// and converts it.
func build(t *testing.T, b *tt.Builder) (*onnxpb.Model, error) {
	t.Helper()
	path, err := b.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m, err := tfjs.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return Convert(m)
}

func mustBuild(t *testing.T, b *tt.Builder) *onnxpb.Model {
	t.Helper()
	om, err := build(t, b)
	if err != nil {
		t.Fatal(err)
	}
	return om
}

// run evaluates the converted graph twice: with the float64 test evaluator
// and with the project's engine (float32), from the encoded ONNX bytes as a
// user would. It checks the two agree and returns the engine's outputs by
// name, so the callers' hand-computed values check the engine's run of the
// converted graph.
func run(t *testing.T, om *onnxpb.Model, inputs map[string]*tv) map[string]*tv {
	t.Helper()
	env, err := evalONNX(om, inputs)
	if err != nil {
		t.Fatal(err)
	}
	m, err := engine.Load(om.Marshal(), engine.WithThreads(2))
	if errors.Is(err, engine.ErrUnsupportedOp) && !strings.Contains(moveNetOps, " "+unsupportedOp(err)+" ") {
		// Ops MoveNet's conversion does not produce (Mod for floor
		// division of possibly negative integers) may be missing from
		// the engine; the evaluator still checks the conversion.
		t.Logf("engine: %v; checked with the test evaluator only", err)
		return env
	}
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	var ins []*engine.Tensor
	for _, info := range m.Inputs() {
		x, ok := inputs[info.Name]
		if !ok {
			t.Fatalf("no value for input %q", info.Name)
		}
		switch info.DType {
		case engine.Float32:
			v := make([]float32, len(x.f))
			for i, f := range x.f {
				v[i] = float32(f)
			}
			ins = append(ins, engine.NewFloat32(x.shape, v))
		case engine.Int32:
			v := make([]int32, len(x.i))
			for i, n := range x.i {
				v[i] = int32(n)
			}
			ins = append(ins, engine.NewInt32(x.shape, v))
		default:
			t.Fatalf("input %q is %v", info.Name, info.DType)
		}
	}
	outs, err := m.Run(context.Background(), ins...)
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	res := map[string]*tv{}
	for k, info := range m.Outputs() {
		o := outs[k]
		got := &tv{shape: o.Shape}
		switch o.DType {
		case engine.Float32:
			for _, f := range o.F32 {
				got.f = append(got.f, float64(f))
			}
		case engine.Int32:
			got.isInt = true
			for _, n := range o.I32 {
				got.i = append(got.i, int64(n))
			}
		case engine.Int64:
			got.isInt = true
			got.i = o.I64
		}
		want := env[info.Name]
		if !slices.Equal(got.shape, want.shape) {
			t.Fatalf("output %s: engine shape %v, evaluator %v", info.Name, got.shape, want.shape)
		}
		for i := 0; i < want.n(); i++ {
			if d := math.Abs(got.at(i) - want.at(i)); d > 1e-5*(1+math.Abs(want.at(i))) {
				t.Fatalf("output %s[%d]: engine %v, evaluator %v", info.Name, i, got.at(i), want.at(i))
			}
		}
		res[info.Name] = got
	}
	return res
}

func floats(shape []int, v ...float64) *tv { return &tv{shape: shape, f: v} }
func ints(shape []int, v ...int64) *tv     { return &tv{shape: shape, i: v, isInt: true} }

func randFloats(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.Float64()*2 - 1)
	}
	return v
}

func fp16(v []float32) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = tfjs.Float16ToFloat32(tt.Float32ToFloat16(x))
	}
	return out
}

func nodesOf(om *onnxpb.Model, op string) []onnxpb.Node {
	var out []onnxpb.Node
	for _, n := range om.Graph.Nodes {
		if n.OpType == op {
			out = append(out, n)
		}
	}
	return out
}

func initializer(om *onnxpb.Model, name string) *onnxpb.Tensor {
	for i := range om.Graph.Initializers {
		if om.Graph.Initializers[i].Name == name {
			return &om.Graph.Initializers[i]
		}
	}
	return nil
}

func ints64Of(a *onnxpb.Attribute) []int64 {
	if a == nil {
		return nil
	}
	return a.Ints
}

func closeTo(t *testing.T, what string, got *tv, want []float64, shape []int, tol float64) {
	t.Helper()
	if !slices.Equal(got.shape, shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.shape, shape)
	}
	for i, w := range want {
		// Outputs come from the float32 engine: allow float32 rounding.
		if g := got.at(i); math.Abs(g-w) > tol+2e-7*(1+math.Abs(w)) || math.IsNaN(g) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, g, w)
		}
	}
}

// tfConv is TF's NHWC convolution written from its definition: the
// oracle for converted convolutions. pad is (top, left); depthwise filters
// are [kh, kw, C, mult].
func tfConv(x []float32, xs []int, f []float32, fs []int, bias []float32, stride, pad [2]int, depthwise bool, act string) ([]float64, []int) {
	h, w, c := xs[1], xs[2], xs[3]
	kh, kw := fs[0], fs[1]
	var cout int
	if depthwise {
		cout = c * fs[3]
	} else {
		cout = fs[3]
	}
	oh, ow := (h+stride[0]-1)/stride[0], (w+stride[1]-1)/stride[1]
	out := make([]float64, oh*ow*cout)
	for y := 0; y < oh; y++ {
		for xo := 0; xo < ow; xo++ {
			for co := 0; co < cout; co++ {
				s := 0.0
				if bias != nil {
					s = float64(bias[co])
				}
				for i := 0; i < kh; i++ {
					for j := 0; j < kw; j++ {
						yy, xx := y*stride[0]-pad[0]+i, xo*stride[1]-pad[1]+j
						if yy < 0 || yy >= h || xx < 0 || xx >= w {
							continue
						}
						if depthwise {
							mult := fs[3]
							ci, m := co/mult, co%mult
							s += float64(x[(yy*w+xx)*c+ci]) * float64(f[((i*kw+j)*c+ci)*mult+m])
						} else {
							for ci := 0; ci < c; ci++ {
								s += float64(x[(yy*w+xx)*c+ci]) * float64(f[((i*kw+j)*c+ci)*cout+co])
							}
						}
					}
				}
				switch act {
				case "Relu":
					s = math.Max(s, 0)
				case "Relu6":
					s = math.Min(math.Max(s, 0), 6)
				}
				out[(y*ow+xo)*cout+co] = s
			}
		}
	}
	return out, []int{1, oh, ow, cout}
}

func TestConvolutions(t *testing.T) {
	cases := []struct {
		name      string
		op        string
		in        []int // NHWC
		filter    []int
		fused     []string
		stride    int
		pad       [2]int // TF SAME padding before (top, left), worked out by hand
		wantPads  []int64
		wantGroup int64
	}{
		// 4 -> 2 with a 3x3 stride-2 filter: 1 row of padding, all after.
		{"conv stride 2 even", "_FusedConv2D", []int{1, 4, 4, 2}, []int{3, 3, 2, 3}, []string{"BiasAdd", "Relu6"}, 2, [2]int{0, 0}, []int64{0, 0, 1, 1}, 1},
		// 5 -> 3: 2 rows of padding, split evenly.
		{"conv stride 2 odd", "_FusedConv2D", []int{1, 5, 5, 2}, []int{3, 3, 2, 4}, []string{"BiasAdd", "Relu"}, 2, [2]int{1, 1}, []int64{1, 1, 1, 1}, 1},
		{"conv 1x1", "_FusedConv2D", []int{1, 3, 3, 4}, []int{1, 1, 4, 5}, []string{"BiasAdd"}, 1, [2]int{0, 0}, []int64{0, 0, 0, 0}, 1},
		{"conv unfused", "Conv2D", []int{1, 3, 4, 2}, []int{3, 3, 2, 2}, nil, 1, [2]int{1, 1}, []int64{1, 1, 1, 1}, 1},
		{"depthwise fused", "FusedDepthwiseConv2dNative", []int{1, 6, 6, 3}, []int{3, 3, 3, 1}, []string{"BiasAdd", "Relu6"}, 2, [2]int{0, 0}, []int64{0, 0, 1, 1}, 3},
		{"depthwise multiplier", "DepthwiseConv2dNative", []int{1, 4, 4, 2}, []int{3, 3, 2, 2}, nil, 1, [2]int{1, 1}, []int64{1, 1, 1, 1}, 2},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			depthwise := strings.Contains(c.op, "Depthwise")
			cout := c.filter[3]
			if depthwise {
				cout = c.filter[2] * c.filter[3]
			}
			b := &tt.Builder{}
			b.Placeholder("x", "DT_FLOAT", c.in...)
			f := randFloats(r, numElements(c.filter))
			b.ConstF("f", c.filter, f, true)
			inputs := []string{"x", "f"}
			var bias []float32
			if len(c.fused) > 0 {
				bias = randFloats(r, cout)
				b.ConstF("bias", []int{cout}, bias, false)
				inputs = append(inputs, "bias")
			}
			a := attrs{"strides": tt.Ints(1, c.stride, c.stride, 1), "padding": tt.S("SAME"), "data_format": tt.S("NHWC"),
				"dilations": tt.Ints(1, 1, 1, 1)}
			if len(c.fused) > 0 {
				a["fused_ops"] = tt.Strings(c.fused...)
				a["num_args"] = tt.I(1)
			}
			b.Node("y", c.op, inputs, a)
			b.Output("y:0")
			om := mustBuild(t, b)

			convs := nodesOf(om, "Conv")
			if len(convs) != 1 {
				t.Fatalf("%d Conv nodes", len(convs))
			}
			cv := &convs[0]
			if got := ints64Of(attrOf(cv, "pads")); !slices.Equal(got, c.wantPads) {
				t.Errorf("pads = %v, want %v", got, c.wantPads)
			}
			if got := attrI(cv, "group", 0); got != c.wantGroup {
				t.Errorf("group = %d, want %d", got, c.wantGroup)
			}
			if got := ints64Of(attrOf(cv, "strides")); !slices.Equal(got, []int64{int64(c.stride), int64(c.stride)}) {
				t.Errorf("strides = %v", got)
			}
			w := initializer(om, cv.Inputs[1])
			wantW := []int64{int64(cout), int64(c.in[3]) / c.wantGroup, int64(c.filter[0]), int64(c.filter[1])}
			if w == nil || !slices.Equal(w.Dims, wantW) || w.DataType != onnxpb.Float {
				t.Fatalf("weights %+v, want float dims %v", w, wantW)
			}
			act := ""
			if len(c.fused) == 2 {
				act = c.fused[1]
			}
			switch act {
			case "Relu6":
				clip := nodesOf(om, "Clip")
				if len(clip) != 1 || len(clip[0].Inputs) != 3 {
					t.Fatalf("Clip nodes %+v", clip)
				}
				for k, want := range []float32{0, 6} {
					b := initializer(om, clip[0].Inputs[k+1])
					if b == nil || len(b.Dims) != 0 || fromInit(*b).f[0] != float64(want) {
						t.Errorf("Clip bound %d = %+v, want rank-0 %v", k, b, want)
					}
				}
			case "Relu":
				if len(nodesOf(om, "Relu")) != 1 {
					t.Error("no Relu")
				}
			}
			if n := len(nodesOf(om, "Transpose")); n != 2 {
				t.Errorf("%d Transpose nodes, want 2 (in and out)", n)
			}

			x := randFloats(r, numElements(c.in))
			xt := floats(c.in)
			for _, v := range x {
				xt.f = append(xt.f, float64(v))
			}
			env := run(t, om, map[string]*tv{"x": xt})
			want, shape := tfConv(x, c.in, fp16(f), c.filter, bias, [2]int{c.stride, c.stride}, c.pad, depthwise, act)
			closeTo(t, "y", env["y"], want, shape, 1e-9)
		})
	}
}

// TestInputChain converts MoveNet's input handling: int32 image, Cast,
// the no-op Unpack/ExpandDims/Squeeze/ExpandDims chain and normalisation
// by float16-stored constants.
func TestInputChain(t *testing.T) {
	b := &tt.Builder{}
	b.Placeholder("input", "DT_INT32", 1, 2, 2, 3)
	b.ConstI("dim0", []int{}, 0)
	b.ConstF("mean", []int{1, 1, 1, 3}, []float32{0, 0, 0}, true)
	b.ConstF("scale", []int{1, 1, 1, 3}, []float32{1 / 127.5, 1 / 127.5, 1 / 127.5}, true)
	b.ConstF("one", []int{}, []float32{1}, true)
	b.Node("cast", "Cast", []string{"input"}, attrs{"SrcT": tt.Type("DT_INT32"), "DstT": tt.Type("DT_FLOAT")})
	b.Node("unstack", "Unpack", []string{"cast"}, attrs{"axis": tt.I(0), "num": tt.I(1)})
	b.Node("expand", "ExpandDims", []string{"unstack", "dim0"}, nil)
	b.Node("squeeze", "Squeeze", []string{"expand"}, attrs{"squeeze_dims": tt.Ints(0)})
	b.Node("stack", "ExpandDims", []string{"squeeze", "dim0"}, nil)
	b.Node("sub", "Sub", []string{"stack", "mean"}, nil)
	b.Node("mul", "Mul", []string{"sub", "scale"}, nil)
	b.Node("out", "Sub", []string{"mul", "one"}, nil)
	b.Node("Identity", "Identity", []string{"out"}, nil)
	b.Output("Identity:0")
	om := mustBuild(t, b)
	if in := om.Graph.Inputs; len(in) != 1 || in[0].Name != "input" || in[0].ElemType != onnxpb.Int32 || !slices.Equal(in[0].Shape, []int64{1, 2, 2, 3}) {
		t.Fatalf("inputs = %+v", in)
	}
	if out := om.Graph.Outputs; len(out) != 1 || out[0].Name != "Identity" || !slices.Equal(out[0].Shape, []int64{1, 2, 2, 3}) {
		t.Fatalf("outputs = %+v", out)
	}
	// The scalar 1 is stored with shape [1] (it broadcasts the same).
	for _, n := range nodesOf(om, "Sub") {
		for _, in := range n.Inputs {
			if it := initializer(om, in); it != nil && len(it.Dims) == 0 {
				t.Errorf("rank-0 initializer %s feeds %s", in, n.Name)
			}
		}
	}
	// The float16-stored constant is kept exactly as stored.
	if sc := initializer(om, "scale"); sc == nil || fromInit(*sc).f[2] != 0.007843017578125 {
		t.Errorf("scale initializer = %+v, want the float16 value 0.007843017578125", sc)
	}
	px := []int64{0, 1, 2, 127, 128, 255, 10, 20, 30, 200, 100, 50}
	env := run(t, om, map[string]*tv{"input": ints([]int{1, 2, 2, 3}, px...)})
	want := make([]float64, len(px))
	for i, p := range px {
		want[i] = float64(p)*0.007843017578125 - 1 // the float16-stored 1/127.5
	}
	closeTo(t, "Identity", env["Identity"], want, []int{1, 2, 2, 3}, 1e-7)
}

// TestResizeBilinear checks half-pixel-centre upsampling against values
// worked out by hand, and that it runs in NCHW after a convolution.
func TestResizeBilinear(t *testing.T) {
	b := &tt.Builder{}
	b.Placeholder("x", "DT_FLOAT", 1, 2, 2, 1)
	b.ConstF("one", []int{1, 1, 1, 1}, []float32{1}, false)
	b.ConstF("zero", []int{1}, []float32{0}, false)
	b.ConstI("size", []int{2}, 4, 4)
	// A 1x1 identity convolution puts the tensor into NCHW first.
	b.Node("conv", "_FusedConv2D", []string{"x", "one", "zero"}, attrs{"strides": tt.Ints(1, 1, 1, 1), "padding": tt.S("VALID"),
		"fused_ops": tt.Strings("BiasAdd"), "num_args": tt.I(1)})
	b.Node("y", "ResizeBilinear", []string{"conv", "size"}, attrs{"half_pixel_centers": tt.B(true), "align_corners": tt.B(false)})
	b.Output("y:0")
	om := mustBuild(t, b)
	rs := nodesOf(om, "Resize")
	if len(rs) != 1 {
		t.Fatalf("%d Resize nodes", len(rs))
	}
	if a := attrOf(&rs[0], "coordinate_transformation_mode"); a == nil || a.S != "half_pixel" {
		t.Errorf("coordinate_transformation_mode = %+v", a)
	}
	if a := attrOf(&rs[0], "mode"); a == nil || a.S != "linear" {
		t.Errorf("mode = %+v", a)
	}
	if s := initializer(om, rs[0].Inputs[2]); s == nil || !slices.Equal(fromInit(*s).f, []float64{1, 1, 2, 2}) {
		t.Errorf("scales = %+v, want NCHW [1 1 2 2]", s)
	}
	env := run(t, om, map[string]*tv{"x": floats([]int{1, 2, 2, 1}, 0, 4, 8, 12)})
	// Source coordinates of the 4 outputs per axis: -0.25 (clamped to 0),
	// 0.25, 0.75, 1.25 (clamped to 1).
	want := []float64{
		0, 1, 3, 4,
		2, 3, 5, 6,
		6, 7, 9, 10,
		8, 9, 11, 12,
	}
	closeTo(t, "y", env["y"], want, []int{1, 4, 4, 1}, 1e-12)
}

// TestDecoding converts a miniature of MoveNet's head decoding (2x2 grid,
// 2 keypoints) and checks it against values worked out by hand.
func TestDecoding(t *testing.T) {
	b := &tt.Builder{}
	// heat: [1,2,2,2] logits; off: [1,2,2,4] offsets (dy,dx per keypoint).
	b.Placeholder("heat", "DT_FLOAT", 1, 2, 2, 2)
	b.Placeholder("off", "DT_FLOAT", 1, 2, 2, 4)
	b.ConstI("flat_shape", []int{3}, 1, -1, 2)
	b.ConstI("axis1", []int{}, 1)
	b.ConstI("grid", []int{}, 2)
	b.ConstF("ys", []int{2, 2, 1}, []float32{0, 0, 1, 1}, false)
	b.ConstF("cy", []int{}, []float32{0.5}, true)
	b.ConstF("eps", []int{}, []float32{1.8}, true)
	b.ConstI("batch", []int{2}, 0, 0)
	b.ConstI("kp", []int{2, 1}, 0, 1)
	b.ConstI("rows", []int{1}, -1)
	b.ConstI("axis_last", []int{}, -1)
	b.ConstI("pairs", []int{2, 2}, 0, 0, 1, 2)
	b.Node("sig", "Sigmoid", []string{"heat"}, nil)
	// Distance weighting along y only: sig / (sqrt((ys - cy)^2) + 1.8).
	b.Node("sq", "SquaredDifference", []string{"ys", "cy"}, nil)
	b.Node("dist", "Sqrt", []string{"sq"}, nil)
	b.Node("den", "AddV2", []string{"dist", "eps"}, nil)
	b.Node("score", "RealDiv", []string{"sig", "den"}, nil)
	b.Node("flat", "Reshape", []string{"score", "flat_shape"}, nil)
	b.Node("best", "ArgMax", []string{"flat", "axis1"}, attrs{"output_type": tt.Type("DT_INT32")})
	b.Node("row", "FloorDiv", []string{"best", "grid"}, nil)
	b.Node("rowg", "Mul", []string{"row", "grid"}, nil)
	b.Node("col", "Sub", []string{"best", "rowg"}, nil)
	b.Node("row1", "Reshape", []string{"row", "rows"}, nil)
	b.Node("col1", "Reshape", []string{"col", "rows"}, nil)
	b.Node("idx", "Pack", []string{"batch", "row1", "col1"}, attrs{"axis": tt.I(1), "N": tt.I(3)})
	b.Node("idxk", "ConcatV2", []string{"idx", "kp", "axis_last"}, nil)
	b.Node("peak", "GatherNd", []string{"sig", "idxk"}, nil)
	b.Node("offs", "GatherNd", []string{"off", "idx"}, nil) // [2,4]
	b.Node("offs2", "GatherNd", []string{"offs", "pairs"}, nil)
	b.Node("rowf", "Cast", []string{"row"}, attrs{"DstT": tt.Type("DT_FLOAT")})
	b.Node("y", "AddV2", []string{"rowf", "offs2"}, nil)
	b.Node("Identity", "Identity", []string{"y"}, nil)
	b.Node("peaks", "Identity", []string{"peak"}, nil)
	b.Output("Identity:0")
	b.Output("peaks:0")
	om := mustBuild(t, b)

	// Keypoint 0 peaks at cell (1,0); keypoint 1 at cell (0,1).
	heat := []float64{
		0, -1, 0, 2, // row 0: (0,0) (0,1)
		3, 0, -2, 0, // row 1: (1,0) (1,1)
	}
	off := make([]float64, 16)
	for i := range off {
		off[i] = float64(i) / 10
	}
	env := run(t, om, map[string]*tv{"heat": floats([]int{1, 2, 2, 2}, heat...), "off": floats([]int{1, 2, 2, 4}, off...)})
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	// best: flat index of (1,0) for kp 0 = 2, of (0,1) for kp 1 = 1.
	// row = [1, 0]; idx = [[0,1,0],[0,0,1]]; idxk = [[0,1,0,0],[0,0,1,1]].
	closeTo(t, "peaks", env["peaks"], []float64{sig(3), sig(2)}, []int{2}, 1e-12)
	// offs rows: cell (1,0) -> off[8:12], cell (0,1) -> off[4:8];
	// pairs pick offs[0][0] = 0.8 and offs[1][2] = 0.6; y = row + that.
	closeTo(t, "Identity", env["Identity"], []float64{1 + 0.8, 0 + 0.6}, []int{1, 2}, 1e-6)
	if len(nodesOf(om, "Mod")) != 0 {
		t.Error("ArgMax indices are non-negative: FloorDiv should be a plain Div")
	}
	// ONNX GatherND wants int64 indices: a constant converted at
	// conversion time or a Cast.
	casts := map[string]int64{}
	for _, n := range nodesOf(om, "Cast") {
		casts[n.Outputs[0]] = attrI(&n, "to", 0)
	}
	for _, n := range nodesOf(om, "GatherND") {
		idx := n.Inputs[1]
		if it := initializer(om, idx); it != nil && it.DataType == onnxpb.Int64 {
			continue
		}
		if casts[idx] != int64(onnxpb.Int64) {
			t.Errorf("GatherND %s: indices %s are not int64", n.Name, idx)
		}
	}
	for _, n := range om.Graph.Nodes {
		seen := map[string]bool{}
		for _, in := range n.Inputs {
			if seen[in] {
				t.Errorf("node %s reads %s twice", n.Name, in)
			}
			seen[in] = true
		}
	}
}

// TestUnpackAndFloorDiv covers Unpack into several outputs and floor
// division of values of any sign, integer and float.
func TestUnpackAndFloorDiv(t *testing.T) {
	b := &tt.Builder{}
	b.Placeholder("a", "DT_INT32", 2, 3)
	b.Placeholder("f", "DT_FLOAT", 3)
	b.ConstI("three", []int{}, 3)
	b.ConstF("two", []int{}, []float32{2}, false)
	b.Node("parts", "Unpack", []string{"a"}, attrs{"axis": tt.I(0), "num": tt.I(2)})
	b.Node("q", "FloorDiv", []string{"parts:1", "three"}, nil)
	b.Node("p0", "Identity", []string{"parts"}, nil)
	b.Node("fq", "FloorDiv", []string{"f", "two"}, nil)
	b.Output("q:0")
	b.Output("p0:0")
	b.Output("fq:0")
	om := mustBuild(t, b)
	if len(nodesOf(om, "Split")) != 1 || len(nodesOf(om, "Mod")) != 1 || len(nodesOf(om, "Floor")) != 1 {
		t.Fatalf("ops: %v", opTypes(om))
	}
	env := run(t, om, map[string]*tv{
		"a": ints([]int{2, 3}, 1, 2, 3, -7, 7, -9),
		"f": floats([]int{3}, -7.5, 7.5, -8),
	})
	closeTo(t, "p0", env["p0"], []float64{1, 2, 3}, []int{3}, 0)
	closeTo(t, "q", env["q"], []float64{-3, 2, -3}, []int{3}, 0)
	closeTo(t, "fq", env["fq"], []float64{-4, 3, -4}, []int{3}, 0)
}

func opTypes(om *onnxpb.Model) []string {
	var s []string
	for _, n := range om.Graph.Nodes {
		s = append(s, n.OpType)
	}
	return s
}

// TestLayoutTransposes checks that NCHW tensors stay NCHW through
// element-wise ops and that a tensor is transposed back once however many
// NHWC consumers it has.
func TestLayoutTransposes(t *testing.T) {
	b := &tt.Builder{}
	b.Placeholder("x", "DT_FLOAT", 1, 2, 2, 2)
	b.ConstF("w", []int{1, 1, 2, 2}, []float32{1, 0, 0, 1}, false)
	b.ConstF("bias", []int{2}, []float32{0.5, -0.5}, false)
	b.ConstF("scale4", []int{1, 1, 1, 2}, []float32{2, 3}, false)
	b.ConstI("shape", []int{2}, 4, 2)
	b.ConstI("ax", []int{}, 3)
	b.Node("c1", "_FusedConv2D", []string{"x", "w", "bias"}, attrs{"padding": tt.S("VALID"), "fused_ops": tt.Strings("BiasAdd"), "num_args": tt.I(1)})
	b.Node("c2", "_FusedConv2D", []string{"c1", "w", "bias"}, attrs{"padding": tt.S("VALID"), "fused_ops": tt.Strings("BiasAdd"), "num_args": tt.I(1)})
	b.Node("sum", "AddV2", []string{"c1", "c2"}, nil)
	b.Node("scaled", "Mul", []string{"sum", "scale4"}, nil)
	b.Node("act", "Sigmoid", []string{"scaled"}, nil)
	b.Node("r", "Reshape", []string{"act", "shape"}, nil)
	b.Node("cat", "ConcatV2", []string{"act", "act", "ax"}, nil)
	b.Output("r:0")
	b.Output("cat:0")
	b.Output("act:0")
	om := mustBuild(t, b)
	// One transpose into NCHW for x, one back for act (shared by Reshape,
	// ConcatV2 and the graph output).
	if n := len(nodesOf(om, "Transpose")); n != 2 {
		t.Errorf("%d Transpose nodes, want 2: %v", n, opTypes(om))
	}
	// The 4-D constant is stored permuted to NCHW.
	for _, n := range nodesOf(om, "Mul") {
		if s := initializer(om, n.Inputs[1]); s == nil || !slices.Equal(s.Dims, []int64{1, 2, 1, 1}) {
			t.Errorf("Mul constant %+v, want dims [1 2 1 1]", s)
		}
	}
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	env := run(t, om, map[string]*tv{"x": floats([]int{1, 2, 2, 2}, x...)})
	want := make([]float64, 8)
	for i, v := range x {
		ch := i % 2
		c1 := v + []float64{0.5, -0.5}[ch]
		c2 := c1 + []float64{0.5, -0.5}[ch]
		want[i] = 1 / (1 + math.Exp(-(c1+c2)*[]float64{2, 3}[ch]))
	}
	closeTo(t, "act", env["act"], want, []int{1, 2, 2, 2}, 1e-12)
	closeTo(t, "r", env["r"], want, []int{4, 2}, 1e-12)
	var cat []float64
	for p := 0; p < 4; p++ {
		cat = append(cat, want[2*p], want[2*p+1], want[2*p], want[2*p+1])
	}
	closeTo(t, "cat", env["cat"], cat, []int{1, 2, 2, 4}, 1e-12)
}

func TestErrors(t *testing.T) {
	base := func() *tt.Builder {
		b := &tt.Builder{}
		b.Placeholder("x", "DT_FLOAT", 1, 4, 4, 1)
		b.ConstF("w", []int{3, 3, 1, 1}, make([]float32, 9), false)
		b.ConstF("bias", []int{1}, []float32{0}, false)
		b.ConstI("size", []int{2}, 7, 7)
		return b
	}
	cases := []struct {
		name   string
		edit   func(b *tt.Builder)
		node   string // "" when the error is about the whole graph
		wantIs error
		want   string
	}{
		{"unsupported op", func(b *tt.Builder) {
			b.Node("mm", "MatMul", []string{"x", "x"}, nil)
			b.Output("mm:0")
		}, "mm", ErrUnsupported, "MatMul"},
		{"unsupported fused op", func(b *tt.Builder) {
			b.Node("c", "_FusedConv2D", []string{"x", "w", "bias"}, attrs{"padding": tt.S("SAME"), "fused_ops": tt.Strings("BiasAdd", "Elu")})
			b.Output("c:0")
		}, "c", ErrUnsupported, "Elu"},
		{"NCHW data format", func(b *tt.Builder) {
			b.Node("c", "Conv2D", []string{"x", "w"}, attrs{"padding": tt.S("SAME"), "data_format": tt.S("NCHW")})
			b.Output("c:0")
		}, "c", ErrUnsupported, "NCHW"},
		{"non-constant filter", func(b *tt.Builder) {
			b.Node("c", "Conv2D", []string{"x", "x"}, attrs{"padding": tt.S("SAME")})
			b.Output("c:0")
		}, "c", ErrUnsupported, "filter"},
		{"inexact resize", func(b *tt.Builder) {
			b.Placeholder("x5", "DT_FLOAT", 1, 5, 5, 1)
			b.Node("r", "ResizeBilinear", []string{"x5", "size"}, attrs{"half_pixel_centers": tt.B(true)})
			b.Output("r:0")
		}, "r", ErrUnsupported, "from 5 to 7"},
		{"missing input", func(b *tt.Builder) {
			b.Node("s", "Sigmoid", []string{"nope"}, nil)
			b.Output("s:0")
		}, "", tfjs.ErrMalformed, `"nope"`},
		{"cycle", func(b *tt.Builder) {
			b.Node("a", "Sigmoid", []string{"b"}, nil)
			b.Node("b", "Sigmoid", []string{"a"}, nil)
			b.Output("a:0")
		}, "", tfjs.ErrMalformed, "cycle"},
		{"bad reshape", func(b *tt.Builder) {
			b.ConstI("shape", []int{2}, 3, -1)
			b.Node("r", "Reshape", []string{"x", "shape"}, nil)
			b.Output("r:0")
		}, "r", tfjs.ErrMalformed, "cannot reshape"},
		{"squeeze non-1 axis", func(b *tt.Builder) {
			b.Node("s", "Squeeze", []string{"x"}, attrs{"squeeze_dims": tt.Ints(1)})
			b.Output("s:0")
		}, "s", tfjs.ErrMalformed, "size 4"},
		{"unknown output", func(b *tt.Builder) {
			b.Output("ghost:0")
		}, "", tfjs.ErrMalformed, "ghost"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := base()
			c.edit(b)
			_, err := build(t, b)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, c.wantIs) || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "convert: ") {
				t.Fatalf("err = %v, want %v containing %q", err, c.wantIs, c.want)
			}
			var ne *NodeError
			if c.node != "" && (!errors.As(err, &ne) || ne.Node != c.node) {
				t.Fatalf("err = %v, want a NodeError for node %q", err, c.node)
			}
		})
	}
}

// TestDynamicInputShape: an unknown batch dimension becomes 1 (see
// TestShapeArithmetic); any other unknown dimension is refused.
func TestDynamicInputShape(t *testing.T) {
	b := &tt.Builder{}
	b.Placeholder("x", "DT_FLOAT", 1, -1)
	b.Node("s", "Sigmoid", []string{"x"}, nil)
	b.Output("s:0")
	_, err := build(t, b)
	var ne *NodeError
	if !errors.As(err, &ne) || ne.Node != "x" || !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v", err)
	}
}

// TestDuplicateInputs checks that no node reads one tensor twice (onnx-go
// would merge the two edges).
func TestDuplicateInputs(t *testing.T) {
	b := &tt.Builder{}
	b.Placeholder("x", "DT_FLOAT", 3)
	b.Node("y", "AddV2", []string{"x", "x"}, nil)
	b.Output("y:0")
	om := mustBuild(t, b)
	add := nodesOf(om, "Add")
	if len(add) != 1 || add[0].Inputs[0] == add[0].Inputs[1] {
		t.Fatalf("Add = %+v", add)
	}
	env := run(t, om, map[string]*tv{"x": floats([]int{3}, 1, -2, 0.5)})
	closeTo(t, "y", env["y"], []float64{2, -4, 1}, []int{3}, 0)
}

// TestDeterministic converts the same model twice and expects identical
// bytes.
func TestDeterministic(t *testing.T) {
	mk := func() []byte {
		b := &tt.Builder{}
		b.Placeholder("x", "DT_FLOAT", 1, 4, 4, 2)
		r := rand.New(rand.NewPCG(3, 4))
		b.ConstF("w", []int{3, 3, 2, 1}, randFloats(r, 18), true)
		b.ConstF("bias", []int{2}, randFloats(r, 2), true)
		b.Node("dw", "FusedDepthwiseConv2dNative", []string{"x", "w", "bias"}, attrs{"strides": tt.Ints(1, 2, 2, 1), "padding": tt.S("SAME"),
			"fused_ops": tt.Strings("BiasAdd", "Relu6"), "num_args": tt.I(1)})
		b.Node("Identity", "Identity", []string{"dw"}, nil)
		b.Output("Identity:0")
		return mustBuild(t, b).Marshal()
	}
	a, b := mk(), mk()
	if !bytes.Equal(a, b) {
		t.Fatal("two conversions of the same model differ")
	}
}

func TestSupportedOps(t *testing.T) {
	got := strings.Join(SupportedOps(), " ")
	// The op set of the MoveNet graphs (issue 3).
	for _, op := range strings.Fields(`Const Placeholder Cast Unpack ExpandDims Squeeze Sub Mul _FusedConv2D
		FusedDepthwiseConv2dNative DepthwiseConv2dNative AddV2 ResizeBilinear Sigmoid Reshape ArgMax FloorDiv Pack
		GatherNd SquaredDifference Sqrt RealDiv ConcatV2 Identity` +
		// and of the BlazePose graphs (issue 10).
		` Pad MaxPool DepthToSpace Shape StridedSlice Relu Relu6 Conv2D`) {
		if !strings.Contains(" "+got+" ", " "+op+" ") {
			t.Errorf("%s not supported", op)
		}
	}
}

// moveNetOps lists the ONNX ops in the converted MoveNet graphs.
const moveNetOps = " Add ArgMax Cast Clip Concat Conv Div GatherND Identity Mul Relu Reshape Resize Sigmoid Split Sqrt Squeeze Sub Transpose Unsqueeze "

// unsupportedOp returns the op type of an engine error about a node.
func unsupportedOp(err error) string {
	var ne *engine.NodeError
	if errors.As(err, &ne) {
		return ne.Op
	}
	return ""
}
