package onnxpb

import (
	"bytes"
	"math"
	"testing"

	onnx "github.com/owulveryck/onnx-go"
	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/simple"
	"google.golang.org/protobuf/encoding/protowire"
	"gorgonia.org/tensor"
)

// TestDecodesWithOnnxGo checks that what this package writes is read back by
// onnx-go's decoder with names, attributes and initialiser data intact.
func TestDecodesWithOnnxGo(t *testing.T) {
	m := &Model{
		IRVersion: 7, ProducerName: "test", Opset: 13,
		Graph: Graph{
			Name: "g",
			Nodes: []Node{{
				Name: "conv", OpType: "Conv", Inputs: []string{"x", "w", ""}, Outputs: []string{"y"},
				Attributes: []Attribute{IntsAttr("pads", 0, 0, 1, 1), IntAttr("group", 3), FloatAttr("alpha", 0.5), StringAttr("mode", "linear")},
			}},
			Initializers: []Tensor{FloatTensor("w", []int64{3, 1, 1, 1}, []float32{1, -2, 3.5})},
			Inputs:       []ValueInfo{{Name: "x", ElemType: Float, Shape: []int64{1, 3, 4, 4}}},
			Outputs:      []ValueInfo{{Name: "y", ElemType: Float, Shape: []int64{1, 3, 4, 4}}},
		},
	}
	g := &recorder{WeightedDirectedGraph: simple.NewWeightedDirectedGraph(0, 0)}
	model := onnx.NewModel(g)
	if err := model.UnmarshalBinary(m.Marshal()); err != nil {
		t.Fatal(err)
	}
	if g.op.Name != "Conv" {
		t.Fatalf("op = %q, want Conv", g.op.Name)
	}
	if got := g.op.Attributes["pads"].([]int64); len(got) != 4 || got[3] != 1 {
		t.Errorf("pads = %v", got)
	}
	if got := g.op.Attributes["group"].(int64); got != 3 {
		t.Errorf("group = %v", got)
	}
	if got := g.op.Attributes["alpha"].(float32); got != 0.5 {
		t.Errorf("alpha = %v", got)
	}
	if got := g.op.Attributes["mode"].(string); got != "linear" {
		t.Errorf("mode = %v", got)
	}
	n, ok := model.GetNodeByName("w")
	if !ok {
		t.Fatal("no node w")
	}
	w := n.(onnx.DataCarrier).GetTensor()
	if !w.Shape().Eq(tensor.Shape{3, 1, 1, 1}) || w.Data().([]float32)[2] != 3.5 {
		t.Errorf("w = %v %v", w.Shape(), w.Data())
	}
	in, _ := model.GetNodeByName("x")
	if s := in.(onnx.DataCarrier).GetTensor().Shape(); !s.Eq(tensor.Shape{1, 3, 4, 4}) {
		t.Errorf("input shape = %v", s)
	}
}

// recorder is the smallest onnx-go backend: it keeps tensors on nodes and
// records the last operation applied.
type recorder struct {
	*simple.WeightedDirectedGraph
	op onnx.Operation
}

type node struct {
	graph.Node
	t tensor.Tensor
}

func (n *node) SetTensor(t tensor.Tensor) error { n.t = t; return nil }
func (n *node) GetTensor() tensor.Tensor        { return n.t }

func (r *recorder) NewNode() graph.Node { return &node{Node: r.WeightedDirectedGraph.NewNode()} }

func (r *recorder) ApplyOperation(op onnx.Operation, _ ...graph.Node) error {
	r.op = op
	return nil
}

// TestTensorDataField checks where each tensor's values go: a float
// tensor's in float_data (field 4, packed: the same bytes as raw_data,
// which decoders take in one allocation), the other types' and an empty
// float tensor's in raw_data (field 9; an empty packed field would decode
// as no data at all). onnx-go must read all of them back.
func TestTensorDataField(t *testing.T) {
	for _, c := range []struct {
		t     Tensor
		field protowire.Number
	}{
		{FloatTensor("f", []int64{2, 2}, []float32{1, -2.5, float32(math.Inf(1)), 3e-39}), 4},
		{FloatTensor("empty", []int64{0}, nil), 9},
		{Int64Tensor("i", []int64{3}, []int64{-1, 0, 1 << 40}), 9},
		{Int32Tensor("j", []int64{2}, []int32{-7, 7}), 9},
	} {
		b := c.t.marshal()
		var fields []protowire.Number
		for len(b) > 0 {
			num, typ, n := protowire.ConsumeTag(b)
			if n < 0 {
				t.Fatalf("%s: bad tag", c.t.Name)
			}
			b = b[n:]
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				t.Fatalf("%s: bad field %d", c.t.Name, num)
			}
			if num == 4 || num == 9 {
				fields = append(fields, num)
				if got := b[:n]; !bytes.Equal(got[len(got)-len(c.t.RawData):], c.t.RawData) {
					t.Errorf("%s: field %d does not hold the tensor's bytes", c.t.Name, num)
				}
			}
			b = b[n:]
		}
		if len(fields) != 1 || fields[0] != c.field {
			t.Errorf("%s: data fields %v, want [%d]", c.t.Name, fields, c.field)
		}
	}
	// Read back through onnx-go: every value of the float tensor, as the
	// engine would see it.
	want := []float32{1, -2.5, float32(math.Inf(1)), 3e-39, float32(math.NaN())}
	m := &Model{IRVersion: 7, Opset: 13, Graph: Graph{
		Name:         "g",
		Nodes:        []Node{{Name: "id", OpType: "Identity", Inputs: []string{"w"}, Outputs: []string{"y"}}},
		Initializers: []Tensor{FloatTensor("w", []int64{5}, want)},
		Outputs:      []ValueInfo{{Name: "y", ElemType: Float, Shape: []int64{5}}},
	}}
	g := &recorder{WeightedDirectedGraph: simple.NewWeightedDirectedGraph(0, 0)}
	model := onnx.NewModel(g)
	if err := model.UnmarshalBinary(m.Marshal()); err != nil {
		t.Fatal(err)
	}
	n, ok := model.GetNodeByName("w")
	if !ok {
		t.Fatal("no node w")
	}
	got := n.(onnx.DataCarrier).GetTensor().Data().([]float32)
	if len(got) != len(want) {
		t.Fatalf("w has %d values, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Errorf("w[%d] = %v, want %v (bit for bit)", i, got[i], want[i])
		}
	}
}
