// Package convert turns a TensorFlow.js graph model (as read by package
// tfjs) into an ONNX model, opset 13, with float32 weights.
//
// The ONNX graph keeps the TF.js model's signature: the same input name,
// element type and NHWC shape (for MoveNet, "input", int32 [1,H,W,3]) and
// the same output names (for MoveNet, "Identity", float32 [1,1,17,3]), so a
// MoveNet ONNX file converted elsewhere with that signature is
// interchangeable with ours.
//
// Inside, convolutions and resizes run in ONNX's NCHW layout. Every TF
// tensor has a layout in the ONNX graph: NHWC (TF's own) or NCHW. Conv
// outputs are NCHW; element-wise ops whose 4-D inputs are all NCHW stay
// NCHW; every other op reads NHWC. A Transpose is inserted, once per tensor,
// where a tensor crosses from one layout to the other. So for MoveNet the
// normalised image is transposed once before the first convolution and the
// four heads once each before the graph's own keypoint decoding, which then
// runs exactly as in TF. ONNX tensors keep TF's names (a tensor held in NCHW
// keeps its TF name; its NHWC copy is named NAME/nhwc).
//
// Constants are kept exactly as the TF.js file stores them after
// dequantisation (float16 weights become the float32 of the same value): the
// converter never recomputes, folds or rounds a weight, only reorders
// convolution filters into ONNX's layout.
//
// The graphs have fixed shapes: an unknown batch dimension (the -1 Keras
// exports) becomes 1, any other unknown dimension is an error, and the shape
// arithmetic built on them (Shape, StridedSlice and Pack of constants)
// becomes constants.
//
// The ONNX ops produced are: Add, ArgMax, AveragePool, Cast, Clip, Concat,
// Conv, DepthToSpace, Div, Floor, GatherND, Identity, MaxPool, Mod, Mul,
// Pad, Relu, Reshape, Resize, Sigmoid, SpaceToDepth, Split, Sqrt, Squeeze,
// Sub, Transpose, Unsqueeze. Axes of Squeeze and
// Unsqueeze are int64 inputs (opset 13); Clip's min and max are rank-0
// tensors as ONNX requires; Resize gets a (ignored) roi and explicit scales
// rather than sizes, so that no optional input is left empty. A node never
// names the same input twice (an Identity copy is inserted), because
// onnx-go's decoder keeps one edge per pair of nodes.
package convert

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kneescreen/kneescreen/models/onnxpb"
	"github.com/kneescreen/kneescreen/models/tfjs"
)

// Opset is the ONNX operator set version of the converted models.
const Opset = 13

// maxElements bounds the element count of a graph input, and maxOutputs the
// outputs of one node (Unpack), so that a hostile file cannot make the
// converter loop or allocate without limit.
const (
	maxElements = 1 << 31
	maxOutputs  = 1 << 12
)

// ErrUnsupported is wrapped by errors about a TF op, attribute or data type
// the converter cannot express.
var ErrUnsupported = errors.New("not supported")

// NodeError reports a TF node that could not be converted.
type NodeError struct {
	Node string // TF node name
	Op   string // TF op
	Err  error
}

// Error names the node, its op and the cause.
func (e *NodeError) Error() string {
	return fmt.Sprintf("convert: node %q (op %s): %v", e.Node, e.Op, e.Err)
}

// Unwrap returns the cause.
func (e *NodeError) Unwrap() error { return e.Err }

// dtype is an element type of a tensor in the converted graph.
type dtype int

const (
	dFloat dtype = iota + 1
	dInt32
	dInt64
)

func (d dtype) onnx() onnxpb.DataType {
	switch d {
	case dInt32:
		return onnxpb.Int32
	case dInt64:
		return onnxpb.Int64
	}
	return onnxpb.Float
}

func (d dtype) String() string {
	switch d {
	case dFloat:
		return "float32"
	case dInt32:
		return "int32"
	case dInt64:
		return "int64"
	}
	return "unknown"
}

func tfDType(s string) (dtype, error) {
	switch s {
	case "DT_FLOAT":
		return dFloat, nil
	case "DT_INT32":
		return dInt32, nil
	case "DT_INT64":
		return dInt64, nil
	}
	return 0, fmt.Errorf("data type %q: %w", s, ErrUnsupported)
}

type layout int

const (
	nhwc layout = iota // TF's own layout (and the only one for rank != 4)
	nchw
)

// value is a TF tensor as it exists in the ONNX graph being built.
type value struct {
	name   string // ONNX tensor holding it ("" for a constant not yet emitted)
	dtype  dtype
	shape  []int // TF (NHWC) shape
	layout layout
	// konst is the value of a TF Const; it becomes an initializer only
	// when an op needs it as a tensor.
	konst *tfjs.Tensor
	// nonneg records that the integer tensor cannot be negative (it comes
	// from ArgMax), so truncating division equals floor division.
	nonneg bool
	other  string // the same tensor in the other layout, once made
}

type converter struct {
	m       *tfjs.Model
	vals    map[string]*value
	nodes   []onnxpb.Node
	inits   []onnxpb.Tensor
	used    map[string]bool   // ONNX names taken
	konsts  map[string]string // constant form key -> initializer name
	outputs map[string]bool   // TF tensor refs that are graph outputs
}

// Convert converts a TF.js graph model to ONNX.
func Convert(m *tfjs.Model) (*onnxpb.Model, error) {
	c := &converter{
		m:       m,
		vals:    map[string]*value{},
		used:    map[string]bool{},
		konsts:  map[string]string{},
		outputs: map[string]bool{},
	}
	byName := make(map[string]*tfjs.Node, len(m.Nodes))
	for i := range m.Nodes {
		byName[m.Nodes[i].Name] = &m.Nodes[i]
	}
	outRefs, err := graphOutputs(m, byName)
	if err != nil {
		return nil, err
	}
	for _, r := range outRefs {
		c.outputs[r] = true
	}
	order, err := topoOrder(m, byName, outRefs)
	if err != nil {
		return nil, err
	}
	var inputs []onnxpb.ValueInfo
	for _, n := range order {
		if n.Op == "Placeholder" {
			vi, err := c.placeholder(n)
			if err != nil {
				return nil, &NodeError{Node: n.Name, Op: n.Op, Err: err}
			}
			inputs = append(inputs, vi)
			continue
		}
		if err := c.node(n); err != nil {
			return nil, &NodeError{Node: n.Name, Op: n.Op, Err: err}
		}
	}
	var outs []onnxpb.ValueInfo
	for _, r := range outRefs {
		v := c.vals[r]
		if v.konst != nil && v.name == "" {
			return nil, fmt.Errorf("convert: output %q is a constant; nothing to compute", r)
		}
		if v.layout == nchw && v.other != "" {
			// Already transposed for another consumer.
			c.emit(onnxpb.Node{Name: r + "/output", OpType: "Identity", Inputs: []string{v.other}, Outputs: []string{r}})
		} else if v.layout == nchw {
			// The NCHW tensor was named NAME/nchw (see outName); give
			// the graph output its TF name and layout.
			c.emit(onnxpb.Node{Name: r + "/to_nhwc", OpType: "Transpose", Inputs: []string{v.name},
				Outputs: []string{r}, Attributes: []onnxpb.Attribute{onnxpb.IntsAttr("perm", 0, 2, 3, 1)}})
		} else if v.name != r {
			c.emit(onnxpb.Node{Name: r + "/output", OpType: "Identity", Inputs: []string{v.name}, Outputs: []string{r}})
		}
		outs = append(outs, onnxpb.ValueInfo{Name: r, ElemType: v.dtype.onnx(), Shape: ints64(v.shape)})
	}
	doc := "Converted by kneescreen from a TensorFlow.js graph model"
	if m.GeneratedBy != "" {
		doc += " generated by " + m.GeneratedBy
	}
	return &onnxpb.Model{
		IRVersion:    7,
		ProducerName: "kneescreen-convert",
		DocString:    doc,
		Opset:        Opset,
		Graph: onnxpb.Graph{
			Name:         "tfjs",
			Nodes:        c.nodes,
			Initializers: c.inits,
			Inputs:       inputs,
			Outputs:      outs,
		},
	}, nil
}

// ConvertFile loads the TF.js model.json at path (with its weight shards
// beside it) and returns the encoded ONNX model.
func ConvertFile(path string) ([]byte, error) {
	m, err := tfjs.Load(path)
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	om, err := Convert(m)
	if err != nil {
		return nil, err
	}
	return om.Marshal(), nil
}

// graphOutputs returns the TF tensor refs the ONNX graph outputs: the
// signature's outputs, or else every tensor no node reads.
func graphOutputs(m *tfjs.Model, byName map[string]*tfjs.Node) ([]string, error) {
	var refs []string
	for _, o := range m.Outputs {
		r := normRef(o.Name)
		node, _ := splitRef(r)
		if _, ok := byName[node]; !ok {
			return nil, fmt.Errorf("convert: %w: signature output %q names no node", tfjs.ErrMalformed, o.Name)
		}
		refs = append(refs, r)
	}
	if len(refs) > 0 {
		return refs, nil
	}
	read := map[string]bool{}
	for _, n := range m.Nodes {
		for _, in := range n.Inputs {
			node, _ := splitRef(strings.TrimPrefix(in, "^"))
			read[node] = true
		}
	}
	for _, n := range m.Nodes {
		if !read[n.Name] && n.Op != "Const" && n.Op != "NoOp" {
			refs = append(refs, n.Name)
		}
	}
	if len(refs) == 0 {
		return nil, fmt.Errorf("convert: %w: the graph has no outputs", tfjs.ErrMalformed)
	}
	return refs, nil
}

// topoOrder returns the nodes the outputs depend on, each after its
// inputs; ties keep the file's order so that output is deterministic.
func topoOrder(m *tfjs.Model, byName map[string]*tfjs.Node, outRefs []string) ([]*tfjs.Node, error) {
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var order []*tfjs.Node
	var visit func(name, from string) error
	visit = func(name, from string) error {
		n, ok := byName[name]
		if !ok {
			return fmt.Errorf("convert: %w: node %q reads %q, which does not exist", tfjs.ErrMalformed, from, name)
		}
		switch state[name] {
		case done:
			return nil
		case active:
			return fmt.Errorf("convert: %w: the graph has a cycle through node %q", tfjs.ErrMalformed, name)
		}
		state[name] = active
		for _, in := range n.Inputs {
			if strings.HasPrefix(in, "^") {
				continue // control dependency: no data
			}
			dep, _ := splitRef(in)
			if err := visit(dep, name); err != nil {
				return err
			}
		}
		state[name] = done
		order = append(order, n)
		return nil
	}
	for _, r := range outRefs {
		node, _ := splitRef(r)
		if err := visit(node, "(output)"); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// splitRef splits "node:k" into node and k; "node" is output 0.
func splitRef(ref string) (string, int) {
	if i := strings.LastIndexByte(ref, ':'); i >= 0 {
		if k, err := strconv.Atoi(ref[i+1:]); err == nil && k >= 0 {
			return ref[:i], k
		}
	}
	return ref, 0
}

// normRef writes a tensor ref the way this package keys it: "node" for
// output 0, "node:k" otherwise.
func normRef(ref string) string {
	node, k := splitRef(ref)
	return outRef(node, k)
}

func outRef(node string, k int) string {
	if k == 0 {
		return node
	}
	return node + ":" + strconv.Itoa(k)
}

// name reserves an ONNX tensor or node name based on want.
func (c *converter) name(want string) string {
	n := want
	for i := 1; c.used[n]; i++ {
		n = want + "_" + strconv.Itoa(i)
	}
	c.used[n] = true
	return n
}

// outName names the ONNX tensor for TF output ref: its TF name, unless it
// is a graph output held in NCHW, whose TF name is kept for the NHWC
// transpose made at the end.
func (c *converter) outName(ref string, l layout) string {
	if l == nchw && c.outputs[ref] {
		return c.name(ref + "/nchw")
	}
	return c.name(ref)
}

// emit appends a node, copying any input named twice through an Identity
// (onnx-go's decoder keeps a single edge between two graph nodes).
func (c *converter) emit(n onnxpb.Node) {
	seen := map[string]bool{}
	for i, in := range n.Inputs {
		if in == "" {
			continue
		}
		if seen[in] {
			dup := c.name(in + "/copy")
			c.nodes = append(c.nodes, onnxpb.Node{Name: dup, OpType: "Identity", Inputs: []string{in}, Outputs: []string{dup}})
			n.Inputs[i] = dup
		}
		seen[in] = true
	}
	c.nodes = append(c.nodes, n)
}

// initializer adds a constant tensor once per key and returns its name.
func (c *converter) initializer(key, want string, make func(name string) onnxpb.Tensor) string {
	if name, ok := c.konsts[key]; ok {
		return name
	}
	name := c.name(want)
	c.konsts[key] = name
	c.inits = append(c.inits, make(name))
	return name
}

// axesConst returns an int64 [len(axes)] initializer holding axes.
func (c *converter) axesConst(axes ...int) string {
	key := "axes"
	for _, a := range axes {
		key += "_" + strconv.Itoa(a)
	}
	return c.initializer("kneescreen/"+key, "kneescreen/"+key, func(name string) onnxpb.Tensor {
		return onnxpb.Int64Tensor(name, []int64{int64(len(axes))}, ints64(axes))
	})
}

// scalarConst returns a rank-0 float initializer (Clip's bounds must be
// scalars).
func (c *converter) scalarConst(v float32) string {
	key := "kneescreen/scalar_" + strconv.FormatFloat(float64(v), 'g', -1, 32)
	return c.initializer(key, key, func(name string) onnxpb.Tensor {
		return onnxpb.FloatTensor(name, nil, []float32{v})
	})
}

// int64Const returns an int64 initializer.
func (c *converter) int64Const(want string, dims []int, v []int64) string {
	name := c.name(want)
	c.inits = append(c.inits, onnxpb.Int64Tensor(name, ints64(dims), v))
	return name
}

// in returns the ONNX name of v in layout l, emitting a Transpose or a
// constant's initializer on first need. A rank-0 constant is emitted with
// shape [1] when asVector is set (a binary op whose other operand has rank
// >= 1 broadcasts it identically, and rank-1 tensors travel more safely).
func (c *converter) in(v *value, l layout, asVector bool) string {
	if v.konst != nil {
		return c.constTensor(v.konst, l, asVector)
	}
	if v.layout == l || len(v.shape) != 4 {
		return v.name
	}
	if v.other == "" {
		var perm []int64
		var suffix string
		if l == nchw {
			perm, suffix = []int64{0, 3, 1, 2}, "/nchw"
		} else {
			perm, suffix = []int64{0, 2, 3, 1}, "/nhwc"
		}
		v.other = c.name(v.name + suffix)
		c.emit(onnxpb.Node{Name: v.other, OpType: "Transpose", Inputs: []string{v.name}, Outputs: []string{v.other},
			Attributes: []onnxpb.Attribute{onnxpb.IntsAttr("perm", perm...)}})
	}
	return v.other
}

// constTensor emits a TF constant as an initializer, as stored, with 4-D
// constants permuted to NCHW when l asks for it.
func (c *converter) constTensor(t *tfjs.Tensor, l layout, asVector bool) string {
	dims := append([]int{}, t.Shape...)
	key, want := t.Name, t.Name
	if len(dims) != 4 {
		l = nhwc
	}
	if l == nchw {
		key, want = key+"\x00nchw", want+"/nchw"
		dims = []int{dims[0], dims[3], dims[1], dims[2]}
	}
	if len(dims) == 0 && asVector {
		key, want = key+"\x00vec", want+"/vec"
		dims = []int{1}
	}
	return c.initializer(key, want, func(name string) onnxpb.Tensor {
		switch t.DType {
		case tfjs.Int32:
			v := t.I
			if l == nchw {
				v = permuteNHWC(v, t.Shape)
			}
			return onnxpb.Int32Tensor(name, ints64(dims), v)
		default:
			v := t.F
			if l == nchw {
				v = permuteNHWC(v, t.Shape)
			}
			return onnxpb.FloatTensor(name, ints64(dims), v)
		}
	})
}

// permuteNHWC reorders an NHWC array into NCHW.
func permuteNHWC[T any](v []T, s []int) []T {
	n, h, w, ch := s[0], s[1], s[2], s[3]
	out := make([]T, len(v))
	for b := 0; b < n; b++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for k := 0; k < ch; k++ {
					out[((b*ch+k)*h+y)*w+x] = v[((b*h+y)*w+x)*ch+k]
				}
			}
		}
	}
	return out
}

// ints64 widens ints (shapes, axes) to ONNX's int64.
func ints64(d []int) []int64 {
	out := make([]int64, len(d))
	for i, x := range d {
		out[i] = int64(x)
	}
	return out
}

func (c *converter) placeholder(n *tfjs.Node) (onnxpb.ValueInfo, error) {
	dt, err := tfDType(n.Attr["dtype"].Type)
	if err != nil {
		return onnxpb.ValueInfo{}, err
	}
	var shape []int
	if a, ok := n.Attr["shape"]; ok && a.Kind == tfjs.AttrShape {
		shape = a.Shape
	} else {
		// Fall back to the signature's shape.
		for _, in := range c.m.Inputs {
			if node, _ := splitRef(in.Name); node == n.Name {
				shape = in.Shape
			}
		}
	}
	if shape == nil {
		return onnxpb.ValueInfo{}, fmt.Errorf("input has no shape: %w (only fixed shapes)", ErrUnsupported)
	}
	shape = append([]int{}, shape...)
	if len(shape) > 1 && shape[0] == -1 {
		// An unknown batch dimension (Keras exports -1): the converted
		// graph runs one image at a time.
		shape[0] = 1
	}
	total := 1
	for _, s := range shape {
		if s < 0 {
			return onnxpb.ValueInfo{}, fmt.Errorf("input shape %v has an unknown dimension: %w (only fixed shapes)", shape, ErrUnsupported)
		}
		if s > 0 && total > maxElements/s {
			return onnxpb.ValueInfo{}, fmt.Errorf("%w: input shape %v is too large", tfjs.ErrMalformed, shape)
		}
		total *= s
	}
	name := c.name(n.Name)
	c.vals[n.Name] = &value{name: name, dtype: dt, shape: append([]int{}, shape...)}
	return onnxpb.ValueInfo{Name: name, ElemType: dt.onnx(), Shape: ints64(shape)}, nil
}
