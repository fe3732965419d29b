package onnxpb

import (
	"testing"

	onnx "github.com/owulveryck/onnx-go"
	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/simple"
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
