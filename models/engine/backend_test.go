package engine

import (
	"testing"

	onnx "github.com/owulveryck/onnx-go"
	"gonum.org/v1/gonum/graph"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

// TestBackendGraph decodes a model with onnx-go into a Backend and checks
// the graph it holds: named nodes, tensors on initialisers, edges from each
// operation output to its inputs weighted by position (repeated inputs
// kept), and the operations in file order.
func TestBackendGraph(t *testing.T) {
	g := graphSpec{
		nodes: []onnxpb.Node{
			node("Mul", []string{"x", "x"}, []string{"sq"}),
			node("Sub", []string{"sq", "b"}, []string{"y"}),
		},
		inits:   []onnxpb.Tensor{f32("b", dims(2), 1, 2)},
		inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 2)},
		outputs: []string{"y"},
	}
	b := NewBackend()
	m := onnx.NewModel(b)
	if err := m.UnmarshalBinary(g.marshal()); err != nil {
		t.Fatal(err)
	}
	byName := func(name string) *Node {
		n, ok := m.GetNodeByName(name)
		if !ok {
			t.Fatalf("no node %q", name)
		}
		return n.(*Node)
	}
	x, sq, bn, y := byName("x"), byName("sq"), byName("b"), byName("y")
	if len(b.ops) != 2 || b.ops[0].op.Name != "Mul" || b.ops[1].op.Name != "Sub" {
		t.Fatalf("operations %v", b.ops)
	}
	if ins := b.ops[0].operationInputs(); len(ins) != 2 || ins[0] != x || ins[1] != x {
		t.Errorf("Mul inputs %v, want x twice", names(ins))
	}
	if ins := b.ops[1].operationInputs(); len(ins) != 2 || ins[0] != sq || ins[1] != bn {
		t.Errorf("Sub inputs %v, want sq, b", names(ins))
	}
	if got := names(graph.NodesOf(b.From(y.ID()))); len(got) != 2 || got[0] != "sq" || got[1] != "b" {
		t.Errorf("From(y) = %v", got)
	}
	if got := names(graph.NodesOf(b.To(sq.ID()))); len(got) != 1 || got[0] != "y" {
		t.Errorf("To(sq) = %v", got)
	}
	if !b.HasEdgeFromTo(y.ID(), bn.ID()) || b.HasEdgeFromTo(bn.ID(), y.ID()) || !b.HasEdgeBetween(bn.ID(), y.ID()) {
		t.Error("edge y -> b wrong")
	}
	if e, ok := b.Edge(y.ID(), bn.ID()).(graph.WeightedEdge); !ok || e.Weight() != 1 {
		t.Errorf("edge y -> b = %v, want weight 1", e)
	}
	if b.Node(bn.ID()) != bn || b.Node(-5) != nil {
		t.Error("Node lookup wrong")
	}
	if n := len(graph.NodesOf(b.Nodes())); n < 4 {
		t.Errorf("Nodes() has %d nodes", n)
	}
	if bn.GetTensor() == nil || bn.GetName() != "b" {
		t.Error("initialiser tensor or name missing")
	}
}

func names[N graph.Node](ns []N) []string {
	var s []string
	for _, n := range ns {
		s = append(s, any(n).(*Node).name)
	}
	return s
}
