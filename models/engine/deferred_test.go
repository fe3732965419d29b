package engine

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

// TestDeferredCompile covers models whose compilation needs the value of a
// graph input (here a Conv's weights and a Reshape's shape): Load succeeds,
// the first Run compiles with those values, later runs must repeat them.
func TestDeferredCompile(t *testing.T) {
	g := graphSpec{
		nodes: []onnxpb.Node{
			node("Conv", []string{"x", "w"}, []string{"c"}),
			node("Reshape", []string{"c", "shape"}, []string{"y"}),
		},
		inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 1, 2, 2), in("w", onnxpb.Float, 1, 1, 1, 1), in("shape", onnxpb.Int64, 1)},
		outputs: []string{"y"},
	}
	m := loadSpec(t, g, WithThreads(2))
	if got := m.OutputShapes(); len(got) != 1 || got[0] != nil {
		t.Errorf("OutputShapes before the first run = %v, want one unknown shape", got)
	}
	s := m.NewSession() // made before the model is compiled
	defer s.Close()
	x := fT(sh(1, 1, 2, 2), 1, 2, 3, 4)
	w := fT(sh(1, 1, 1, 1), 3)
	shape := iT(sh(1), 4)
	for run := 0; run < 2; run++ {
		outs, err := s.Run(context.Background(), x, w, shape)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		wantTensor(t, outs[0], fT(sh(4), 3, 6, 9, 12), 0)
	}
	if got := m.OutputShapes(); len(got) != 1 || len(got[0]) != 1 || got[0][0] != 4 {
		t.Errorf("OutputShapes after the first run = %v, want [[4]]", got)
	}
	// A second session shares the compiled plan.
	outs, err := m.Run(context.Background(), fT(sh(1, 1, 2, 2), 0, 1, 0, 1), w, shape)
	if err != nil {
		t.Fatal(err)
	}
	wantTensor(t, outs[0], fT(sh(4), 0, 3, 0, 3), 0)
	if _, err := s.Run(context.Background(), x, fT(sh(1, 1, 1, 1), 2), shape); !errors.Is(err, ErrBadInput) {
		t.Errorf("other weights: error %v, want ErrBadInput", err)
	}
}

// TestDeferredCompileError: a model that cannot compile with the values of
// its first run reports the node at that run and at every later one.
func TestDeferredCompileError(t *testing.T) {
	g := single("Reshape", []string{"x", "shape"}, []string{"y"},
		[]onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 3), in("shape", onnxpb.Int64, 2)}, nil)
	m := loadSpec(t, g)
	defer m.Close()
	for run := 0; run < 2; run++ {
		_, err := m.Run(context.Background(), fT(sh(2, 3), 1, 2, 3, 4, 5, 6), iT(sh(2), 4, 2))
		var ne *NodeError
		if !errors.As(err, &ne) || ne.Op != "Reshape" {
			t.Fatalf("run %d: error %v, want a Reshape NodeError", run, err)
		}
	}
}

// TestLoadRejectsUnknownOpEarly: an operator the engine lacks is reported
// by Load even when compilation would otherwise wait for the first run.
func TestLoadRejectsUnknownOpEarly(t *testing.T) {
	g := graphSpec{
		nodes: []onnxpb.Node{
			node("Reshape", []string{"x", "shape"}, []string{"r"}),
			node("FancyOp", []string{"r"}, []string{"y"}),
		},
		inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 3), in("shape", onnxpb.Int64, 1)},
		outputs: []string{"y"},
	}
	if _, err := Load(g.marshal()); !errors.Is(err, ErrUnsupportedOp) {
		t.Errorf("Load error %v, want ErrUnsupportedOp", err)
	}
}

// TestWithOutputs keeps one of two outputs: the other's operations leave
// the plan, and an unknown name is an error naming the outputs there are.
func TestWithOutputs(t *testing.T) {
	g := graphSpec{
		nodes: []onnxpb.Node{
			node("Neg", []string{"x"}, []string{"a"}),
			node("Exp", []string{"x"}, []string{"b"}),
		},
		inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 2)},
		outputs: []string{"a", "b"},
	}
	m := loadSpec(t, g, WithOutputs("b"))
	if got := opNames(m.plan.ops); len(got) != 1 || got[0] != "Exp" {
		t.Errorf("plan %v, want only Exp", got)
	}
	outs := runModel(t, m, fT(sh(2), 0, 1))
	wantTensor(t, outs[0], fT(sh(2), 1, float32(math.E)), 1e-6)
	if _, err := Load(g.marshal(), WithOutputs("c")); err == nil || !strings.Contains(err.Error(), `"c"`) {
		t.Errorf("unknown output: error %v", err)
	}
}
