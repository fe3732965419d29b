package engine

import (
	"fmt"
	"sort"

	onnx "github.com/owulveryck/onnx-go"
	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/iterator"
	"gonum.org/v1/gonum/graph/simple"
	"gorgonia.org/tensor"
)

// Backend receives the graph that onnx-go's decoder builds: one node per
// named tensor, an edge from each operation output to each of its inputs
// weighted by the input's position, and the operation applied to its output
// nodes. It implements onnx.Backend; the engine then compiles what it holds
// into an execution plan.
//
// Unlike gonum's simple graphs it keeps every edge, including repeated ones,
// so that an operation using the same tensor twice (Mul(x, x)) keeps both
// inputs.
type Backend struct {
	nodes []*Node
	byID  map[int64]*Node
	// ops lists the applied operations in decoding order.
	ops []*opRecord
}

// opRecord is one ONNX node as the decoder applied it.
type opRecord struct {
	op      onnx.Operation
	outputs []*Node
}

// Node is a graph node of the Backend: a named tensor that is a graph input,
// an initialiser or an operation output.
type Node struct {
	id     int64
	name   string
	t      tensor.Tensor
	tset   bool
	desc   string
	op     *opRecord
	inputs []edge // edges to the operation's inputs, in input order once sorted
	to     []*Node
}

type edge struct {
	to     *Node
	weight float64
}

var (
	_ onnx.Backend     = (*Backend)(nil)
	_ onnx.Namer       = (*Node)(nil)
	_ onnx.DataCarrier = (*Node)(nil)
	_ onnx.Documenter  = (*Node)(nil)
)

// NewBackend returns an empty backend for onnx.NewModel.
func NewBackend() *Backend { return &Backend{byID: map[int64]*Node{}} }

// ID implements graph.Node.
func (n *Node) ID() int64 { return n.id }

// SetName implements onnx.Namer.
func (n *Node) SetName(s string) { n.name = s }

// GetName implements onnx.Namer.
func (n *Node) GetName() string { return n.name }

// SetDescription implements onnx.Documenter.
func (n *Node) SetDescription(s string) { n.desc = s }

// GetDescription implements onnx.Documenter.
func (n *Node) GetDescription() string { return n.desc }

// SetTensor implements onnx.DataCarrier.
func (n *Node) SetTensor(t tensor.Tensor) error { n.t, n.tset = t, true; return nil }

// GetTensor implements onnx.DataCarrier.
func (n *Node) GetTensor() tensor.Tensor { return n.t }

// NewNode implements graph.NodeAdder.
func (b *Backend) NewNode() graph.Node { return &Node{id: int64(len(b.nodes))} }

// AddNode implements graph.NodeAdder. Nodes of another type are ignored.
func (b *Backend) AddNode(gn graph.Node) {
	n, ok := gn.(*Node)
	if !ok {
		return
	}
	if _, dup := b.byID[n.id]; dup {
		return
	}
	for int64(len(b.nodes)) <= n.id {
		b.nodes = append(b.nodes, nil)
	}
	b.nodes[n.id] = n
	b.byID[n.id] = n
}

// NewWeightedEdge implements graph.WeightedEdgeAdder.
func (b *Backend) NewWeightedEdge(from, to graph.Node, w float64) graph.WeightedEdge {
	return simple.WeightedEdge{F: from, T: to, W: w}
}

// SetWeightedEdge implements graph.WeightedEdgeAdder. The edge goes from an
// operation output to one of its inputs.
func (b *Backend) SetWeightedEdge(e graph.WeightedEdge) {
	from, ok1 := e.From().(*Node)
	to, ok2 := e.To().(*Node)
	if !ok1 || !ok2 {
		return
	}
	b.AddNode(from)
	b.AddNode(to)
	from.inputs = append(from.inputs, edge{to: to, weight: e.Weight()})
	to.to = append(to.to, from)
}

// ApplyOperation implements onnx.OperationCarrier.
func (b *Backend) ApplyOperation(op onnx.Operation, outs ...graph.Node) error {
	rec := &opRecord{op: op}
	for _, gn := range outs {
		n, ok := gn.(*Node)
		if !ok {
			return fmt.Errorf("engine: operation %s applied to a foreign node %T", op.Name, gn)
		}
		if n.op != nil {
			return fmt.Errorf("engine: tensor %q is produced by two operations (%s and %s)", n.name, n.op.op.Name, op.Name)
		}
		n.op = rec
		rec.outputs = append(rec.outputs, n)
	}
	b.ops = append(b.ops, rec)
	return nil
}

// Node implements graph.Graph.
func (b *Backend) Node(id int64) graph.Node {
	if n, ok := b.byID[id]; ok {
		return n
	}
	return nil
}

// Nodes implements graph.Graph.
func (b *Backend) Nodes() graph.Nodes {
	ns := make([]graph.Node, 0, len(b.byID))
	for _, n := range b.nodes {
		if n != nil {
			ns = append(ns, n)
		}
	}
	return iterator.NewOrderedNodes(ns)
}

// From implements graph.Graph: the inputs of the operation producing id.
func (b *Backend) From(id int64) graph.Nodes {
	n, ok := b.byID[id]
	if !ok || len(n.inputs) == 0 {
		return graph.Empty
	}
	ns := make([]graph.Node, len(n.inputs))
	for i, e := range n.inputs {
		ns[i] = e.to
	}
	return iterator.NewOrderedNodes(ns)
}

// To implements graph.Directed: the operation outputs that read id.
func (b *Backend) To(id int64) graph.Nodes {
	n, ok := b.byID[id]
	if !ok || len(n.to) == 0 {
		return graph.Empty
	}
	ns := make([]graph.Node, len(n.to))
	for i, m := range n.to {
		ns[i] = m
	}
	return iterator.NewOrderedNodes(ns)
}

// HasEdgeBetween implements graph.Graph.
func (b *Backend) HasEdgeBetween(x, y int64) bool {
	return b.HasEdgeFromTo(x, y) || b.HasEdgeFromTo(y, x)
}

// HasEdgeFromTo implements graph.Directed.
func (b *Backend) HasEdgeFromTo(u, v int64) bool { return b.Edge(u, v) != nil }

// Edge implements graph.Graph.
func (b *Backend) Edge(u, v int64) graph.Edge {
	n, ok := b.byID[u]
	if !ok {
		return nil
	}
	for _, e := range n.inputs {
		if e.to.id == v {
			return simple.WeightedEdge{F: n, T: e.to, W: e.weight}
		}
	}
	return nil
}

// operationInputs returns the inputs of rec in input order. The decoder adds
// the same edges from every output node, so the first output's edges are
// authoritative.
func (rec *opRecord) operationInputs() []*Node {
	if len(rec.outputs) == 0 {
		return nil
	}
	es := append([]edge(nil), rec.outputs[0].inputs...)
	sort.SliceStable(es, func(i, j int) bool { return es[i].weight < es[j].weight })
	ins := make([]*Node, len(es))
	for i, e := range es {
		ins[i] = e.to
	}
	return ins
}
