package engine

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

// graphSpec describes a small test model: nodes, constant initialisers,
// typed inputs and outputs (output shapes are informational only).
type graphSpec struct {
	nodes   []onnxpb.Node
	inits   []onnxpb.Tensor
	inputs  []onnxpb.ValueInfo
	outputs []string
	opset   int64
	// infos declares intermediate tensors (ONNX value_info).
	infos []onnxpb.ValueInfo
}

// marshal encodes the spec as an ONNX file.
func (g graphSpec) marshal() []byte {
	opset := g.opset
	if opset == 0 {
		opset = 13
	}
	m := &onnxpb.Model{IRVersion: 7, ProducerName: "engine-test", Opset: opset, Graph: onnxpb.Graph{
		Name: "test", Nodes: g.nodes, Initializers: g.inits, Inputs: g.inputs, ValueInfos: g.infos,
	}}
	for _, o := range g.outputs {
		m.Graph.Outputs = append(m.Graph.Outputs, onnxpb.ValueInfo{Name: o, ElemType: onnxpb.Float})
	}
	return m.Marshal()
}

// node is shorthand for an onnxpb.Node named after its first output.
func node(op string, inputs, outputs []string, attrs ...onnxpb.Attribute) onnxpb.Node {
	return onnxpb.Node{Name: "n_" + outputs[0], OpType: op, Inputs: inputs, Outputs: outputs, Attributes: attrs}
}

func in(name string, dt onnxpb.DataType, shape ...int64) onnxpb.ValueInfo {
	return onnxpb.ValueInfo{Name: name, ElemType: dt, Shape: shape}
}

func f32(name string, shape []int64, v ...float32) onnxpb.Tensor {
	return onnxpb.FloatTensor(name, shape, v)
}

func i64(name string, shape []int64, v ...int64) onnxpb.Tensor {
	return onnxpb.Int64Tensor(name, shape, v)
}

func dims(d ...int64) []int64 { return d }

// loadSpec loads the spec, failing the test when Load does.
func loadSpec(t testing.TB, g graphSpec, opts ...Option) *Model {
	t.Helper()
	m, err := Load(g.marshal(), opts...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return m
}

// runSpec loads the spec with two threads and runs it once on a fresh
// session.
func runSpec(t *testing.T, g graphSpec, inputs ...*Tensor) []*Tensor {
	t.Helper()
	return runModel(t, loadSpec(t, g, WithThreads(2)), inputs...)
}

// runModel runs m once on a fresh session and returns copies of the
// outputs, which stay valid after the session is closed.
func runModel(t *testing.T, m *Model, inputs ...*Tensor) []*Tensor {
	t.Helper()
	s := m.NewSession()
	defer s.Close()
	out, err := s.Run(context.Background(), inputs...)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	res := make([]*Tensor, len(out))
	for i, o := range out {
		res[i] = o.clone()
	}
	return res
}

// wantTensor compares a result with an expected type, shape and values.
func wantTensor(t *testing.T, got *Tensor, want *Tensor, tol float64) {
	t.Helper()
	if got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) {
		t.Fatalf("got %v, want %v", got, want)
	}
	switch want.DType {
	case Float32:
		for i := range want.F32 {
			g, w := float64(got.F32[i]), float64(want.F32[i])
			if math.IsNaN(w) != math.IsNaN(g) || math.Abs(g-w) > tol*math.Max(1, math.Abs(w)) {
				t.Fatalf("element %d = %v, want %v\n got %v\nwant %v", i, g, w, got.F32, want.F32)
			}
		}
	case Int32:
		for i := range want.I32 {
			if got.I32[i] != want.I32[i] {
				t.Fatalf("element %d = %v, want %v\n got %v\nwant %v", i, got.I32[i], want.I32[i], got.I32, want.I32)
			}
		}
	case Int64:
		for i := range want.I64 {
			if got.I64[i] != want.I64[i] {
				t.Fatalf("element %d = %v, want %v\n got %v\nwant %v", i, got.I64[i], want.I64[i], got.I64, want.I64)
			}
		}
	}
}

// seq returns 0, 1, ..., n-1 as float32s times scale plus offset.
func seq(n int, scale, offset float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i)*scale + offset
	}
	return v
}
