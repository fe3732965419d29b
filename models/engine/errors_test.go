package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

func TestLoadErrors(t *testing.T) {
	x := []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 3)}
	cases := []struct {
		name     string
		g        graphSpec
		node, op string // the NodeError expected, if any
		is       error
		msg      string
	}{
		{name: "unknown op", g: single("FancyOp", []string{"x"}, []string{"y"}, x, nil),
			node: "n_y", op: "FancyOp", is: ErrUnsupportedOp},
		{name: "broadcast mismatch", g: single("Add", []string{"x", "b"}, []string{"y"}, x, []onnxpb.Tensor{f32("b", dims(4), 1, 2, 3, 4)}),
			node: "n_y", op: "Add", msg: "do not broadcast"},
		{name: "type mismatch", g: single("Add", []string{"x", "b"}, []string{"y"}, x, []onnxpb.Tensor{i64("b", dims(1), 1)}),
			node: "n_y", op: "Add", msg: "int64"},
		// Weights that are a graph input compile at the first run
		// (TestDeferredCompile); weights computed inside the graph cannot.
		{name: "conv weights computed", g: graphSpec{nodes: []onnxpb.Node{
			node("Neg", []string{"w"}, []string{"nw"}),
			node("Conv", []string{"x", "nw"}, []string{"y"}),
		}, inputs: []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 1, 3, 3), in("w", onnxpb.Float, 1, 1, 1, 1)}, outputs: []string{"y"}},
			node: "n_y", op: "Conv", msg: "must be a constant"},
		{name: "conv channel mismatch", g: single("Conv", []string{"x", "w"}, []string{"y"},
			[]onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 2, 3, 3)}, []onnxpb.Tensor{f32("w", dims(1, 3, 1, 1), 1, 1, 1)}),
			node: "n_y", op: "Conv", msg: "group"},
		{name: "conv kernel larger than input", g: single("Conv", []string{"x", "w"}, []string{"y"},
			[]onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 1, 1, 1)}, []onnxpb.Tensor{f32("w", dims(1, 1, 2, 2), 1, 1, 1, 1)}),
			node: "n_y", op: "Conv", msg: "does not fit"},
		{name: "reshape size mismatch", g: single("Reshape", []string{"x", "s"}, []string{"y"}, x, []onnxpb.Tensor{i64("s", dims(2), 4, 2)}),
			node: "n_y", op: "Reshape", msg: "cannot reshape"},
		{name: "squeeze non-unit axis", g: single("Squeeze", []string{"x", "a"}, []string{"y"}, x, []onnxpb.Tensor{i64("a", dims(1), 1)}),
			node: "n_y", op: "Squeeze", msg: "cannot squeeze"},
		{name: "transpose bad perm", g: single("Transpose", []string{"x"}, []string{"y"}, x, nil, onnxpb.IntsAttr("perm", 0, 0)),
			node: "n_y", op: "Transpose", msg: "permutation"},
		{name: "resize cubic", g: single("Resize", []string{"x", "", "s"}, []string{"y"}, x, []onnxpb.Tensor{f32("s", dims(2), 2, 2)}, onnxpb.StringAttr("mode", "cubic")),
			node: "n_y", op: "Resize", msg: "cubic"},
		{name: "constant index out of range", g: single("Gather", []string{"x", "i"}, []string{"y"}, nil,
			[]onnxpb.Tensor{f32("x", dims(2), 1, 2), i64("i", dims(1), 5)}),
			node: "n_y", op: "Gather", msg: "out of range"},
		{name: "undefined tensor", g: single("Relu", []string{"nowhere"}, []string{"y"}, x, nil),
			node: "n_y", op: "Relu", msg: `"nowhere"`},
		{name: "symbolic input dimension", g: single("Relu", []string{"x"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, -1, 3)}, nil),
			msg: "WithInputShape"},
		{name: "bool input", g: single("Relu", []string{"x"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Bool, 3)}, nil),
			msg: "unsupported element type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.g.marshal())
			if err == nil {
				t.Fatal("Load succeeded")
			}
			t.Log(err)
			if !strings.HasPrefix(err.Error(), "engine: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if tc.op != "" {
				var ne *NodeError
				if !errors.As(err, &ne) {
					t.Fatalf("error %v is not a *NodeError", err)
				}
				if ne.Node != tc.node || ne.Op != tc.op {
					t.Errorf("NodeError names %q (%s), want %q (%s)", ne.Node, ne.Op, tc.node, tc.op)
				}
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v does not wrap %v", err, tc.is)
			}
			if tc.msg != "" && !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not mention %q", err, tc.msg)
			}
		})
	}
}

// validModel is a small model with several operators, used to test
// truncation and as a fuzzing seed.
func validModel() graphSpec {
	return graphSpec{
		nodes: []onnxpb.Node{
			node("Sub", []string{"x", "mean"}, []string{"xm"}),
			node("Transpose", []string{"xm"}, []string{"t"}, onnxpb.IntsAttr("perm", 0, 3, 1, 2)),
			node("Conv", []string{"t", "w", "b"}, []string{"c"}, onnxpb.IntsAttr("pads", 1, 1, 1, 1)),
			node("Clip", []string{"c", "lo", "hi"}, []string{"r"}),
			node("Resize", []string{"r", "", "s"}, []string{"u"}, onnxpb.StringAttr("mode", "linear")),
			node("Div", []string{"u", "k"}, []string{"uk"}),
			node("Sigmoid", []string{"uk"}, []string{"us"}),
			node("Reshape", []string{"us", "shape"}, []string{"f"}),
			node("ArgMax", []string{"f"}, []string{"a"}, onnxpb.IntAttr("axis", 1)),
			node("Cast", []string{"a"}, []string{"y"}, onnxpb.IntAttr("to", 1)),
		},
		inits: []onnxpb.Tensor{
			f32("w", dims(2, 3, 3, 3), seq(54, 0.01, -0.2)...), f32("b", dims(2), 0.1, -0.1),
			f32("lo", nil, 0), f32("hi", nil, 6), f32("s", dims(4), 1, 1, 2, 2), i64("shape", dims(2), 2, -1),
			f32("mean", dims(3), 0.5, 0.25, -1), f32("k", dims(1, 2, 1, 1), 2, 4),
		},
		inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 4, 4, 3)},
		outputs: []string{"y"},
	}
}

func TestTruncatedModel(t *testing.T) {
	data := validModel().marshal()
	if _, err := Load(data); err != nil {
		t.Fatalf("the untruncated model does not load: %v", err)
	}
	// Every cut inside the graph message must fail cleanly; the last few
	// bytes hold the opset, whose loss the decoder tolerates.
	for _, n := range []int{0, 1, 2, 10, len(data) / 3, len(data) / 2, len(data) - 20} {
		_, err := Load(data[:n])
		if err == nil {
			t.Errorf("Load of %d of %d bytes succeeded", n, len(data))
			continue
		}
		if !strings.HasPrefix(err.Error(), "engine: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
	if m := filepath.Join("..", "lightning.onnx"); fileExists(m) {
		full, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Load(full[:len(full)/2])
		if err == nil {
			t.Fatal("half of lightning.onnx loaded")
		}
		t.Log(err)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func TestRunErrors(t *testing.T) {
	m, err := Load(validModel().marshal())
	if err != nil {
		t.Fatal(err)
	}
	s := m.NewSession()
	defer s.Close()
	good := NewFloat32([]int{1, 4, 4, 3}, nil)
	if _, err := s.Run(context.Background(), good); err != nil {
		t.Fatalf("good input: %v", err)
	}
	cases := []struct {
		name   string
		inputs []*Tensor
		msg    string
	}{
		{"no inputs", nil, "got 0 inputs"},
		{"two inputs", []*Tensor{good, good}, "got 2 inputs"},
		{"nil input", []*Tensor{nil}, "nil"},
		{"wrong shape", []*Tensor{NewFloat32([]int{1, 3, 4, 4}, nil)}, "float32[1,3,4,4], the model wants float32[1,4,4,3]"},
		{"wrong type", []*Tensor{NewInt32([]int{1, 4, 4, 3}, nil)}, "int32[1,4,4,3]"},
		{"short data", []*Tensor{{DType: Float32, Shape: []int{1, 4, 4, 3}, F32: make([]float32, 47)}}, "47 elements"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Run(context.Background(), tc.inputs...)
			if !errors.Is(err, ErrBadInput) {
				t.Fatalf("error %v, want ErrBadInput", err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not mention %q", err, tc.msg)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Run(ctx, good); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
	// A run-time index out of range is an error naming the node, not a
	// crash.
	g := single("Gather", []string{"x", "i"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 3), in("i", onnxpb.Int64, 1)}, nil)
	gm, err := Load(g.marshal())
	if err != nil {
		t.Fatal(err)
	}
	_, err = gm.Run(context.Background(), NewFloat32([]int{3}, nil), NewInt64([]int{1}, []int64{3}))
	var ne *NodeError
	if !errors.As(err, &ne) || ne.Op != "Gather" || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("out-of-range index: %v", err)
	}
}

// TestSteadyStateAllocs checks that a Session's Run allocates nothing once
// warm, across the parallel paths.
func TestSteadyStateAllocs(t *testing.T) {
	m, err := Load(validModel().marshal(), WithThreads(2))
	if err != nil {
		t.Fatal(err)
	}
	s := m.NewSession()
	defer s.Close()
	x := NewFloat32([]int{1, 4, 4, 3}, seq(48, 0.1, -1))
	ctx := context.Background()
	if _, err := s.Run(ctx, x); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(20, func() { _, _ = s.Run(ctx, x) }); n != 0 {
		t.Errorf("Run allocates %v times per call", n)
	}
}

// TestModelInfo checks the reported signature and that Model.Run returns
// results that outlive the next run.
func TestModelInfo(t *testing.T) {
	m, err := Load(validModel().marshal(), WithThreads(3))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.InputShapes(); len(got) != 1 || !slices.Equal(got[0], []int{1, 4, 4, 3}) {
		t.Errorf("InputShapes = %v", got)
	}
	if got := m.OutputShapes(); len(got) != 1 || !slices.Equal(got[0], []int{2, 1}) {
		t.Errorf("OutputShapes = %v", got)
	}
	if in := m.Inputs(); in[0].Name != "x" || in[0].DType != Float32 {
		t.Errorf("Inputs = %v", in)
	}
	if m.Threads() != 3 {
		t.Errorf("Threads = %d", m.Threads())
	}
	a, err := m.Run(context.Background(), NewFloat32([]int{1, 4, 4, 3}, seq(48, 1, 0)))
	if err != nil {
		t.Fatal(err)
	}
	before := a[0].clone()
	if _, err := m.Run(context.Background(), NewFloat32([]int{1, 4, 4, 3}, seq(48, -1, 0))); err != nil {
		t.Fatal(err)
	}
	wantTensor(t, a[0], before, 0)
}

func TestWithInputShape(t *testing.T) {
	g := single("Relu", []string{"x"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, -1, 3)}, nil)
	m, err := Load(g.marshal(), WithInputShape("x", 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Run(context.Background(), NewFloat32([]int{2, 3}, []float32{-1, 2, -3, 4, -5, 6}))
	if err != nil {
		t.Fatal(err)
	}
	wantTensor(t, out[0], NewFloat32([]int{2, 3}, []float32{0, 2, 0, 4, 0, 6}), 0)
}

// TestConcurrentSessions runs sessions of one model on several goroutines
// (and Model.Run on its shared session) and checks that each gets the
// results of its own inputs.
func TestConcurrentSessions(t *testing.T) {
	g := validModel()
	g.outputs = []string{"c"} // the convolution (before its clamp): differs per input
	m, err := Load(g.marshal(), WithThreads(2))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	inputs := make([]*Tensor, 4)
	wants := make([]*Tensor, 4)
	for i := range inputs {
		inputs[i] = NewFloat32([]int{1, 4, 4, 3}, seq(48, float32(i+1)*0.37, -float32(i)))
		out, err := m.Run(context.Background(), inputs[i])
		if err != nil {
			t.Fatal(err)
		}
		wants[i] = out[0]
		if i > 0 && slices.Equal(wants[i].F32, wants[i-1].F32) {
			t.Fatalf("inputs %d and %d give the same output", i-1, i)
		}
	}
	errs := make(chan error, len(inputs))
	for g := range inputs {
		go func() {
			s := m.NewSession()
			defer s.Close()
			for r := 0; r < 50; r++ {
				i := (g + r) % len(inputs)
				var out []*Tensor
				var err error
				if r%5 == 0 {
					out, err = m.Run(context.Background(), inputs[i])
				} else {
					out, err = s.Run(context.Background(), inputs[i])
				}
				if err != nil {
					errs <- err
					return
				}
				for k, v := range wants[i].F32 {
					if out[0].F32[k] != v {
						errs <- fmt.Errorf("goroutine %d run %d: element %d = %v, want %v", g, r, k, out[0].F32[k], v)
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range inputs {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
