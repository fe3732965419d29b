package convert

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/kneescreen/kneescreen/models/onnxpb"
	"github.com/kneescreen/kneescreen/models/tfjs"
)

// opFunc converts one TF node whose data inputs are ins.
type opFunc func(c *converter, n *tfjs.Node, ins []*value) error

// ops maps each supported TF op to its conversion.
var ops map[string]opFunc

func init() {
	ops = map[string]opFunc{
		"Const":                      opConst,
		"Identity":                   opIdentity,
		"Cast":                       opCast,
		"Unpack":                     opUnpack,
		"ExpandDims":                 opExpandDims,
		"Squeeze":                    opSqueeze,
		"Reshape":                    opReshape,
		"Pack":                       opPack,
		"ConcatV2":                   opConcat,
		"GatherNd":                   opGatherND,
		"ArgMax":                     opArgMax,
		"Add":                        binaryOp("Add"),
		"AddV2":                      binaryOp("Add"),
		"Sub":                        binaryOp("Sub"),
		"Mul":                        binaryOp("Mul"),
		"RealDiv":                    binaryOp("Div"),
		"FloorDiv":                   opFloorDiv,
		"SquaredDifference":          opSquaredDifference,
		"Sigmoid":                    unary("Sigmoid"),
		"Sqrt":                       unary("Sqrt"),
		"Relu":                       unary("Relu"),
		"Relu6":                      opRelu6,
		"Conv2D":                     convOp(false),
		"_FusedConv2D":               convOp(false),
		"DepthwiseConv2dNative":      convOp(true),
		"FusedDepthwiseConv2dNative": convOp(true),
		"ResizeBilinear":             opResizeBilinear,
		"Pad":                        opPad,
		"PadV2":                      opPad,
		"MaxPool":                    poolOp("MaxPool"),
		"AvgPool":                    poolOp("AveragePool"),
		"DepthToSpace":               spaceDepthOp("DepthToSpace"),
		"SpaceToDepth":               spaceDepthOp("SpaceToDepth"),
		"Shape":                      opShape,
		"StridedSlice":               opStridedSlice,
	}
}

// SupportedOps lists the TF ops the converter handles.
func SupportedOps() []string {
	out := make([]string, 0, len(ops)+1)
	for k := range ops {
		out = append(out, k)
	}
	out = append(out, "Placeholder")
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (c *converter) node(n *tfjs.Node) error {
	f, ok := ops[n.Op]
	if !ok {
		return fmt.Errorf("TF op %s is %w by the converter", n.Op, ErrUnsupported)
	}
	var ins []*value
	for _, r := range n.Inputs {
		if strings.HasPrefix(r, "^") {
			continue
		}
		v, ok := c.vals[normRef(r)]
		if !ok {
			return fmt.Errorf("%w: input %q does not exist", tfjs.ErrMalformed, r)
		}
		ins = append(ins, v)
	}
	return f(c, n, ins)
}

func wantInputs(ins []*value, n int) error {
	if len(ins) != n {
		return fmt.Errorf("%w: %d inputs, want %d", tfjs.ErrMalformed, len(ins), n)
	}
	return nil
}

// set records the value of TF output k of node n.
func (c *converter) set(n *tfjs.Node, k int, v *value) { c.vals[outRef(n.Name, k)] = v }

// constInts returns the integer values of a constant input.
func constInts(v *value, what string) ([]int, error) {
	if v.konst == nil || v.konst.DType != tfjs.Int32 {
		return nil, fmt.Errorf("%s must be an int32 constant: %w", what, ErrUnsupported)
	}
	out := make([]int, len(v.konst.I))
	for i, x := range v.konst.I {
		out[i] = int(x)
	}
	return out, nil
}

// constInt returns the single integer of a constant input.
func constInt(v *value, what string) (int, error) {
	xs, err := constInts(v, what)
	if err != nil {
		return 0, err
	}
	if len(xs) != 1 {
		return 0, fmt.Errorf("%w: %s has %d values, want 1", tfjs.ErrMalformed, what, len(xs))
	}
	return xs[0], nil
}

// normAxis checks axis against rank (negative counts from the end).
func normAxis(axis, rank int) (int, error) {
	if axis < -rank || axis >= rank {
		return 0, fmt.Errorf("%w: axis %d out of range for rank %d", tfjs.ErrMalformed, axis, rank)
	}
	if axis < 0 {
		axis += rank
	}
	return axis, nil
}

func attrInt(n *tfjs.Node, key string, def int64) int64 {
	if a, ok := n.Attr[key]; ok && a.Kind == tfjs.AttrInt {
		return a.I
	}
	return def
}

func attrString(n *tfjs.Node, key, def string) string {
	if a, ok := n.Attr[key]; ok && a.Kind == tfjs.AttrString {
		return a.S
	}
	return def
}

func attrBool(n *tfjs.Node, key string) bool {
	a, ok := n.Attr[key]
	return ok && a.Kind == tfjs.AttrBool && a.B
}

func attrInts(n *tfjs.Node, key string) []int64 {
	if a, ok := n.Attr[key]; ok && a.Kind == tfjs.AttrList {
		return a.Is
	}
	return nil
}

func opConst(c *converter, n *tfjs.Node, _ []*value) error {
	t, ok := c.m.Weights[n.Name]
	if !ok {
		return fmt.Errorf("%w: constant has no weight in the weights manifest", tfjs.ErrMalformed)
	}
	dt := dFloat
	if t.DType == tfjs.Int32 {
		dt = dInt32
	}
	c.set(n, 0, &value{dtype: dt, shape: t.Shape, konst: t, nonneg: nonnegInts(t)})
	return nil
}

func nonnegInts(t *tfjs.Tensor) bool {
	if t.DType != tfjs.Int32 {
		return false
	}
	for _, x := range t.I {
		if x < 0 {
			return false
		}
	}
	return true
}

// simple emits a one-output ONNX node on NHWC inputs, for ops that are not
// layout-aware.
func (c *converter) simple(n *tfjs.Node, op string, inputs []string, attrs []onnxpb.Attribute, out *value) {
	out.name = c.outName(n.Name, nhwc)
	c.emit(onnxpb.Node{Name: out.name, OpType: op, Inputs: inputs, Outputs: []string{out.name}, Attributes: attrs})
	c.set(n, 0, out)
}

func opIdentity(c *converter, n *tfjs.Node, ins []*value) error {
	if err := wantInputs(ins, 1); err != nil {
		return err
	}
	x := ins[0]
	c.simple(n, "Identity", []string{c.in(x, nhwc, false)}, nil, &value{dtype: x.dtype, shape: x.shape, nonneg: x.nonneg})
	return nil
}

func opCast(c *converter, n *tfjs.Node, ins []*value) error {
	if err := wantInputs(ins, 1); err != nil {
		return err
	}
	to, err := tfDType(n.Attr["DstT"].Type)
	if err != nil {
		return err
	}
	x := ins[0]
	// Cast is element-wise: keep the input's layout.
	l := x.layout
	if x.konst != nil {
		l = nhwc
	}
	out := &value{dtype: to, shape: x.shape, layout: l, nonneg: x.nonneg}
	out.name = c.outName(n.Name, l)
	op, attrs := "Cast", []onnxpb.Attribute{onnxpb.IntAttr("to", int64(to.onnx()))}
	if to == x.dtype {
		op, attrs = "Identity", nil
	}
	c.emit(onnxpb.Node{Name: out.name, OpType: op, Inputs: []string{c.in(x, l, false)}, Outputs: []string{out.name}, Attributes: attrs})
	c.set(n, 0, out)
	return nil
}

func removeAxis(s []int, axis int) []int {
	out := append([]int{}, s[:axis]...)
	return append(out, s[axis+1:]...)
}

func insertAxis(s []int, axis, d int) []int {
	out := append([]int{}, s[:axis]...)
	out = append(out, d)
	return append(out, s[axis:]...)
}

func opUnpack(c *converter, n *tfjs.Node, ins []*value) error {
	if err := wantInputs(ins, 1); err != nil {
		return err
	}
	x := ins[0]
	axis, err := normAxis(int(attrInt(n, "axis", 0)), len(x.shape))
	if err != nil {
		return err
	}
	num := x.shape[axis]
	if a, ok := n.Attr["num"]; ok && a.Kind == tfjs.AttrInt && int(a.I) != num {
		return fmt.Errorf("%w: num = %d but axis %d has size %d", tfjs.ErrMalformed, a.I, axis, num)
	}
	if num < 1 || num > maxOutputs {
		return fmt.Errorf("%w: cannot unpack an axis of size %d", tfjs.ErrMalformed, num)
	}
	src := c.in(x, nhwc, false)
	shape := removeAxis(x.shape, axis)
	parts := []string{src}
	if num > 1 {
		parts = make([]string, num)
		split := c.name(n.Name + "/split")
		for k := range parts {
			parts[k] = c.name(split + ":" + strconv.Itoa(k))
		}
		c.emit(onnxpb.Node{Name: split, OpType: "Split", Inputs: []string{src}, Outputs: parts,
			Attributes: []onnxpb.Attribute{onnxpb.IntAttr("axis", int64(axis))}})
	}
	axes := c.axesConst(axis)
	for k, p := range parts {
		out := &value{dtype: x.dtype, shape: shape, nonneg: x.nonneg}
		out.name = c.outName(outRef(n.Name, k), nhwc)
		c.emit(onnxpb.Node{Name: out.name, OpType: "Squeeze", Inputs: []string{p, axes}, Outputs: []string{out.name}})
		c.set(n, k, out)
	}
	return nil
}

func opExpandDims(c *converter, n *tfjs.Node, ins []*value) error {
	if err := wantInputs(ins, 2); err != nil {
		return err
	}
	x := ins[0]
	d, err := constInt(ins[1], "the dimension")
	if err != nil {
		return err
	}
	axis, err := normAxis(d, len(x.shape)+1)
	if err != nil {
		return err
	}
	c.simple(n, "Unsqueeze", []string{c.in(x, nhwc, false), c.axesConst(axis)}, nil,
		&value{dtype: x.dtype, shape: insertAxis(x.shape, axis, 1), nonneg: x.nonneg})
	return nil
}

func opSqueeze(c *converter, n *tfjs.Node, ins []*value) error {
	if err := wantInputs(ins, 1); err != nil {
		return err
	}
	x := ins[0]
	dims := attrInts(n, "squeeze_dims")
	if dims == nil {
		dims = attrInts(n, "axis")
	}
	drop := make([]bool, len(x.shape))
	if len(dims) == 0 {
		for i, s := range x.shape {
			drop[i] = s == 1
		}
	}
	for _, d := range dims {
		a, err := normAxis(int(d), len(x.shape))
		if err != nil {
			return err
		}
		if x.shape[a] != 1 {
			return fmt.Errorf("%w: cannot squeeze axis %d of size %d", tfjs.ErrMalformed, a, x.shape[a])
		}
		drop[a] = true
	}
	var axes, shape []int
	for i, s := range x.shape {
		if drop[i] {
			axes = append(axes, i)
		} else {
			shape = append(shape, s)
		}
	}
	if len(axes) == 0 {
		c.simple(n, "Identity", []string{c.in(x, nhwc, false)}, nil, &value{dtype: x.dtype, shape: shape, nonneg: x.nonneg})
		return nil
	}
	c.simple(n, "Squeeze", []string{c.in(x, nhwc, false), c.axesConst(axes...)}, nil,
		&value{dtype: x.dtype, shape: shape, nonneg: x.nonneg})
	return nil
}

func opReshape(c *converter, n *tfjs.Node, ins []*value) error {
	if err := wantInputs(ins, 2); err != nil {
		return err
	}
	x := ins[0]
	want, err := constInts(ins[1], "the shape")
	if err != nil {
		return err
	}
	total := numElements(x.shape)
	shape := make([]int, len(want))
	known, unknown := 1, -1
	for i, d := range want {
		switch {
		case d == -1 && unknown < 0:
			unknown = i
		case d < 0:
			return fmt.Errorf("%w: bad shape %v", tfjs.ErrMalformed, want)
		default:
			shape[i] = d
			known *= d
		}
	}
	if unknown >= 0 {
		if known == 0 || total%known != 0 {
			return fmt.Errorf("%w: cannot reshape %v to %v", tfjs.ErrMalformed, x.shape, want)
		}
		shape[unknown] = total / known
	} else if known != total {
		return fmt.Errorf("%w: cannot reshape %v to %v", tfjs.ErrMalformed, x.shape, want)
	}
	// The resolved shape (no -1) goes into the graph: it is what TF
	// computes, and engines need not infer it.
	sh := c.int64Const(n.Name+"/shape", []int{len(shape)}, ints64(shape))
	c.simple(n, "Reshape", []string{c.in(x, nhwc, false), sh}, nil, &value{dtype: x.dtype, shape: shape, nonneg: x.nonneg})
	return nil
}

func numElements(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

func opPack(c *converter, n *tfjs.Node, ins []*value) error {
	if len(ins) == 0 {
		return fmt.Errorf("%w: no inputs", tfjs.ErrMalformed)
	}
	if packed, ok, err := packConsts(n, ins); ok || err != nil {
		if err != nil {
			return err
		}
		c.set(n, 0, packed)
		return nil
	}
	first := ins[0]
	axis, err := normAxis(int(attrInt(n, "axis", 0)), len(first.shape)+1)
	if err != nil {
		return err
	}
	axes := c.axesConst(axis)
	var parts []string
	nonneg := true
	for k, x := range ins {
		if !slices.Equal(x.shape, first.shape) || x.dtype != first.dtype {
			return fmt.Errorf("%w: input %d is %v %v, input 0 is %v %v", tfjs.ErrMalformed, k, x.dtype, x.shape, first.dtype, first.shape)
		}
		nonneg = nonneg && x.nonneg
		p := c.name(fmt.Sprintf("%s/unsqueeze_%d", n.Name, k))
		c.emit(onnxpb.Node{Name: p, OpType: "Unsqueeze", Inputs: []string{c.in(x, nhwc, false), axes}, Outputs: []string{p}})
		parts = append(parts, p)
	}
	out := &value{dtype: first.dtype, shape: insertAxis(first.shape, axis, len(ins)), nonneg: nonneg}
	if len(parts) == 1 {
		c.simple(n, "Identity", parts, nil, out)
		return nil
	}
	c.simple(n, "Concat", parts, []onnxpb.Attribute{onnxpb.IntAttr("axis", int64(axis))}, out)
	return nil
}

func opConcat(c *converter, n *tfjs.Node, ins []*value) error {
	if len(ins) < 2 {
		return fmt.Errorf("%w: %d inputs, want values and an axis", tfjs.ErrMalformed, len(ins))
	}
	xs := ins[:len(ins)-1]
	a, err := constInt(ins[len(ins)-1], "the axis")
	if err != nil {
		return err
	}
	first := xs[0]
	axis, err := normAxis(a, len(first.shape))
	if err != nil {
		return err
	}
	shape := append([]int{}, first.shape...)
	shape[axis] = 0
	var names []string
	nonneg := true
	for k, x := range xs {
		if len(x.shape) != len(first.shape) || x.dtype != first.dtype {
			return fmt.Errorf("%w: input %d is %v %v, input 0 is %v %v", tfjs.ErrMalformed, k, x.dtype, x.shape, first.dtype, first.shape)
		}
		for i := range x.shape {
			if i != axis && x.shape[i] != first.shape[i] {
				return fmt.Errorf("%w: input %d has shape %v, input 0 has %v", tfjs.ErrMalformed, k, x.shape, first.shape)
			}
		}
		shape[axis] += x.shape[axis]
		nonneg = nonneg && x.nonneg
		names = append(names, c.in(x, nhwc, false))
	}
	out := &value{dtype: first.dtype, shape: shape, nonneg: nonneg}
	if len(names) == 1 {
		c.simple(n, "Identity", names, nil, out)
		return nil
	}
	c.simple(n, "Concat", names, []onnxpb.Attribute{onnxpb.IntAttr("axis", int64(axis))}, out)
	return nil
}

func opGatherND(c *converter, n *tfjs.Node, ins []*value) error {
	if err := wantInputs(ins, 2); err != nil {
		return err
	}
	params, idx := ins[0], ins[1]
	if len(idx.shape) == 0 {
		return fmt.Errorf("%w: indices must have rank >= 1", tfjs.ErrMalformed)
	}
	depth := idx.shape[len(idx.shape)-1]
	if depth < 1 || depth > len(params.shape) {
		return fmt.Errorf("%w: index depth %d for params of rank %d", tfjs.ErrMalformed, depth, len(params.shape))
	}
	var iname string
	switch {
	case idx.konst != nil:
		for k, x := range idx.konst.I {
			if d := params.shape[k%depth]; x < 0 || int(x) >= d {
				return fmt.Errorf("%w: constant index %d out of range [0,%d)", tfjs.ErrMalformed, x, d)
			}
		}
		v := make([]int64, len(idx.konst.I))
		for i, x := range idx.konst.I {
			v[i] = int64(x)
		}
		iname = c.int64Const(idx.konst.Name+"/int64", idx.shape, v)
	case idx.dtype == dInt64:
		iname = c.in(idx, nhwc, false)
	case idx.dtype == dInt32:
		iname = c.name(n.Name + "/indices")
		c.emit(onnxpb.Node{Name: iname, OpType: "Cast", Inputs: []string{c.in(idx, nhwc, false)}, Outputs: []string{iname},
			Attributes: []onnxpb.Attribute{onnxpb.IntAttr("to", int64(onnxpb.Int64))}})
	default:
		return fmt.Errorf("%w: indices are %v", tfjs.ErrMalformed, idx.dtype)
	}
	shape := append(append([]int{}, idx.shape[:len(idx.shape)-1]...), params.shape[depth:]...)
	c.simple(n, "GatherND", []string{c.in(params, nhwc, false), iname}, nil, &value{dtype: params.dtype, shape: shape, nonneg: params.nonneg})
	return nil
}

func opArgMax(c *converter, n *tfjs.Node, ins []*value) error {
	if err := wantInputs(ins, 2); err != nil {
		return err
	}
	x := ins[0]
	d, err := constInt(ins[1], "the dimension")
	if err != nil {
		return err
	}
	axis, err := normAxis(d, len(x.shape))
	if err != nil {
		return err
	}
	to := dInt64
	if a, ok := n.Attr["output_type"]; ok {
		if to, err = tfDType(a.Type); err != nil {
			return err
		}
	}
	shape := removeAxis(x.shape, axis)
	attrs := []onnxpb.Attribute{onnxpb.IntAttr("axis", int64(axis)), onnxpb.IntAttr("keepdims", 0)}
	xin := c.in(x, nhwc, false)
	if to == dInt64 {
		c.simple(n, "ArgMax", []string{xin}, attrs, &value{dtype: dInt64, shape: shape, nonneg: true})
		return nil
	}
	// ONNX ArgMax yields int64 (first index among ties, as TF); cast to the
	// graph's type.
	idx := c.name(n.Name + "/int64")
	c.emit(onnxpb.Node{Name: idx, OpType: "ArgMax", Inputs: []string{xin}, Outputs: []string{idx}, Attributes: attrs})
	c.simple(n, "Cast", []string{idx}, []onnxpb.Attribute{onnxpb.IntAttr("to", int64(to.onnx()))}, &value{dtype: to, shape: shape, nonneg: true})
	return nil
}

// broadcast returns the NumPy-style broadcast of two shapes.
func broadcast(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := i - (n - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (n - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("%w: shapes %v and %v do not broadcast", tfjs.ErrMalformed, a, b)
		}
	}
	return out, nil
}

// elementwiseLayout picks the layout for an element-wise op: NCHW when at
// least one computed input is NCHW and every other input can be read in
// NCHW at no cost (4-D constants are stored permuted; size-1 constants
// broadcast the same either way).
func elementwiseLayout(ins []*value) layout {
	any := false
	for _, v := range ins {
		switch {
		case v.konst != nil:
			if len(v.shape) != 4 && numElements(v.shape) != 1 {
				return nhwc
			}
		case len(v.shape) == 4 && v.layout == nchw:
			any = true
		default:
			return nhwc
		}
	}
	if any {
		return nchw
	}
	return nhwc
}

// emitBinary emits an element-wise binary ONNX op and returns its value.
func (c *converter) emitBinary(name, op string, a, b *value) (*value, error) {
	if a.dtype != b.dtype {
		return nil, fmt.Errorf("%w: operands are %v and %v", tfjs.ErrMalformed, a.dtype, b.dtype)
	}
	shape, err := broadcast(a.shape, b.shape)
	if err != nil {
		return nil, err
	}
	l := elementwiseLayout([]*value{a, b})
	if len(shape) != 4 {
		l = nhwc
	}
	ia := c.in(a, l, len(b.shape) > 0)
	ib := c.in(b, l, len(a.shape) > 0)
	out := &value{dtype: a.dtype, shape: shape, layout: l}
	out.name = c.outName(name, l)
	c.emit(onnxpb.Node{Name: out.name, OpType: op, Inputs: []string{ia, ib}, Outputs: []string{out.name}})
	return out, nil
}

func binaryOp(op string) opFunc {
	return func(c *converter, n *tfjs.Node, ins []*value) error {
		if err := wantInputs(ins, 2); err != nil {
			return err
		}
		out, err := c.emitBinary(n.Name, op, ins[0], ins[1])
		if err != nil {
			return err
		}
		if op == "Div" && out.dtype != dFloat {
			return fmt.Errorf("integer RealDiv: %w", ErrUnsupported)
		}
		c.set(n, 0, out)
		return nil
	}
}

func opFloorDiv(c *converter, n *tfjs.Node, ins []*value) error {
	if err := wantInputs(ins, 2); err != nil {
		return err
	}
	a, b := ins[0], ins[1]
	positive := b.konst != nil && b.konst.DType == tfjs.Int32 && len(b.konst.I) > 0
	if positive {
		for _, x := range b.konst.I {
			positive = positive && x > 0
		}
	}
	switch {
	case a.dtype == dFloat:
		// floor(a / b), in float as TF.
		q, err := c.emitBinary(n.Name+"/div", "Div", a, b)
		if err != nil {
			return err
		}
		out := &value{dtype: dFloat, shape: q.shape, layout: q.layout}
		out.name = c.outName(n.Name, q.layout)
		c.emit(onnxpb.Node{Name: out.name, OpType: "Floor", Inputs: []string{q.name}, Outputs: []string{out.name}})
		c.set(n, 0, out)
	case a.nonneg && positive:
		// ONNX integer Div truncates; for a >= 0 and b > 0 that is
		// floor division (MoveNet divides ArgMax indices by the grid).
		out, err := c.emitBinary(n.Name, "Div", a, b)
		if err != nil {
			return err
		}
		out.nonneg = true
		c.set(n, 0, out)
	default:
		// Exact floor division for any signs: (a - mod(a, b)) / b,
		// where ONNX Mod (fmod = 0) takes the divisor's sign, so the
		// difference is an exact multiple of b.
		shape, err := broadcast(a.shape, b.shape)
		if err != nil {
			return err
		}
		if a.dtype != b.dtype {
			return fmt.Errorf("%w: operands are %v and %v", tfjs.ErrMalformed, a.dtype, b.dtype)
		}
		ia, ib := c.in(a, nhwc, len(b.shape) > 0), c.in(b, nhwc, len(a.shape) > 0)
		mod := c.name(n.Name + "/mod")
		c.emit(onnxpb.Node{Name: mod, OpType: "Mod", Inputs: []string{ia, ib}, Outputs: []string{mod},
			Attributes: []onnxpb.Attribute{onnxpb.IntAttr("fmod", 0)}})
		diff := c.name(n.Name + "/sub")
		c.emit(onnxpb.Node{Name: diff, OpType: "Sub", Inputs: []string{ia, mod}, Outputs: []string{diff}})
		c.simple(n, "Div", []string{diff, ib}, nil, &value{dtype: a.dtype, shape: shape})
	}
	return nil
}

func opSquaredDifference(c *converter, n *tfjs.Node, ins []*value) error {
	if err := wantInputs(ins, 2); err != nil {
		return err
	}
	d, err := c.emitBinary(n.Name+"/diff", "Sub", ins[0], ins[1])
	if err != nil {
		return err
	}
	// d * d: emit copies the repeated input through an Identity.
	out := &value{dtype: d.dtype, shape: d.shape, layout: d.layout}
	out.name = c.outName(n.Name, d.layout)
	c.emit(onnxpb.Node{Name: out.name, OpType: "Mul", Inputs: []string{d.name, d.name}, Outputs: []string{out.name}})
	c.set(n, 0, out)
	return nil
}

func unary(op string) opFunc {
	return func(c *converter, n *tfjs.Node, ins []*value) error {
		if err := wantInputs(ins, 1); err != nil {
			return err
		}
		x := ins[0]
		if x.dtype != dFloat {
			return fmt.Errorf("%s of %v: %w", op, x.dtype, ErrUnsupported)
		}
		l := elementwiseLayout(ins)
		out := &value{dtype: x.dtype, shape: x.shape, layout: l}
		out.name = c.outName(n.Name, l)
		c.emit(onnxpb.Node{Name: out.name, OpType: op, Inputs: []string{c.in(x, l, false)}, Outputs: []string{out.name}})
		c.set(n, 0, out)
		return nil
	}
}

func opRelu6(c *converter, n *tfjs.Node, ins []*value) error {
	if err := wantInputs(ins, 1); err != nil {
		return err
	}
	x := ins[0]
	l := elementwiseLayout(ins)
	out := &value{dtype: x.dtype, shape: x.shape, layout: l}
	out.name = c.outName(n.Name, l)
	c.emit(onnxpb.Node{Name: out.name, OpType: "Clip", Inputs: []string{c.in(x, l, false), c.scalarConst(0), c.scalarConst(6)}, Outputs: []string{out.name}})
	c.set(n, 0, out)
	return nil
}

// samePads returns TF's SAME padding along one axis: the output covers
// ceil(in/stride) positions and any odd padding goes after.
func samePads(in, k, stride, dil int) (before, after, out int) {
	out = (in + stride - 1) / stride
	eff := (k-1)*dil + 1
	total := max((out-1)*stride+eff-in, 0)
	return total / 2, total - total/2, out
}

func convOp(depthwise bool) opFunc {
	return func(c *converter, n *tfjs.Node, ins []*value) error {
		return c.conv(n, ins, depthwise)
	}
}

func (c *converter) conv(n *tfjs.Node, ins []*value, depthwise bool) error {
	if len(ins) < 2 {
		return fmt.Errorf("%w: %d inputs, want at least input and filter", tfjs.ErrMalformed, len(ins))
	}
	x, f := ins[0], ins[1]
	if df := attrString(n, "data_format", "NHWC"); df != "NHWC" {
		return fmt.Errorf("data_format %q: %w (only NHWC)", df, ErrUnsupported)
	}
	if len(x.shape) != 4 || x.dtype != dFloat {
		return fmt.Errorf("%w: input is %v %v, want 4-D float32", tfjs.ErrMalformed, x.dtype, x.shape)
	}
	if f.konst == nil || f.konst.DType != tfjs.Float32 || len(f.shape) != 4 {
		return fmt.Errorf("the filter must be a 4-D float32 constant: %w", ErrUnsupported)
	}
	// Fused ops: BiasAdd, then at most one activation.
	fused := []string{}
	if a, ok := n.Attr["fused_ops"]; ok {
		fused = a.Ss
	}
	bias, act := -1, ""
	for i, op := range fused {
		switch {
		case i == 0 && op == "BiasAdd":
			bias = 2
		case i == len(fused)-1 && i > 0 && (op == "Relu" || op == "Relu6"):
			act = op
		default:
			return fmt.Errorf("fused op %q in %v: %w", op, fused, ErrUnsupported)
		}
	}
	if len(fused) > 0 && bias < 0 {
		return fmt.Errorf("fused ops %v without BiasAdd: %w", fused, ErrUnsupported)
	}
	if want := 2 + len(fused[:min(len(fused), 1)]); len(ins) != want {
		return fmt.Errorf("%w: %d inputs, want %d for fused ops %v", tfjs.ErrMalformed, len(ins), want, fused)
	}
	strides, err := hw(attrInts(n, "strides"), "strides")
	if err != nil {
		return err
	}
	dil, err := hw(attrInts(n, "dilations"), "dilations")
	if err != nil {
		return err
	}
	kh, kw := f.shape[0], f.shape[1]
	h, w, cin := x.shape[1], x.shape[2], x.shape[3]
	var cout, group int
	var weights []float32
	if depthwise {
		if f.shape[2] != cin {
			return fmt.Errorf("%w: depthwise filter %v for %d input channels", tfjs.ErrMalformed, f.shape, cin)
		}
		mult := f.shape[3]
		cout, group = cin*mult, cin
		// TF [kh, kw, C, mult] -> ONNX [C*mult, 1, kh, kw].
		weights = make([]float32, len(f.konst.F))
		for i := 0; i < kh; i++ {
			for j := 0; j < kw; j++ {
				for ch := 0; ch < cin; ch++ {
					for m := 0; m < mult; m++ {
						weights[((ch*mult+m)*kh+i)*kw+j] = f.konst.F[((i*kw+j)*cin+ch)*mult+m]
					}
				}
			}
		}
	} else {
		fin := f.shape[2]
		cout = f.shape[3]
		if fin == 0 || cin%fin != 0 || cout%(cin/fin) != 0 {
			return fmt.Errorf("%w: filter %v for %d input channels", tfjs.ErrMalformed, f.shape, cin)
		}
		group = cin / fin
		// TF [kh, kw, Cin/g, Cout] -> ONNX [Cout, Cin/g, kh, kw].
		weights = make([]float32, len(f.konst.F))
		for i := 0; i < kh; i++ {
			for j := 0; j < kw; j++ {
				for ci := 0; ci < fin; ci++ {
					for co := 0; co < cout; co++ {
						weights[((co*fin+ci)*kh+i)*kw+j] = f.konst.F[((i*kw+j)*fin+ci)*cout+co]
					}
				}
			}
		}
	}
	var pads [4]int // top, left, bottom, right
	var oh, ow int
	switch pad := attrString(n, "padding", ""); pad {
	case "SAME":
		pads[0], pads[2], oh = samePads(h, kh, strides[0], dil[0])
		pads[1], pads[3], ow = samePads(w, kw, strides[1], dil[1])
	case "VALID":
		oh = (h-((kh-1)*dil[0]+1))/strides[0] + 1
		ow = (w-((kw-1)*dil[1]+1))/strides[1] + 1
	case "EXPLICIT":
		e := attrInts(n, "explicit_paddings")
		if len(e) != 8 {
			return fmt.Errorf("%w: explicit_paddings %v, want 8 values", tfjs.ErrMalformed, e)
		}
		pads = [4]int{int(e[2]), int(e[4]), int(e[3]), int(e[5])}
		oh = (h+pads[0]+pads[2]-((kh-1)*dil[0]+1))/strides[0] + 1
		ow = (w+pads[1]+pads[3]-((kw-1)*dil[1]+1))/strides[1] + 1
	default:
		return fmt.Errorf("padding %q: %w", pad, ErrUnsupported)
	}
	if oh < 1 || ow < 1 {
		return fmt.Errorf("%w: a %dx%d filter does not fit a %dx%d input", tfjs.ErrMalformed, kh, kw, h, w)
	}
	wname := c.initializer(f.konst.Name+"\x00oihw", f.konst.Name, func(name string) onnxpb.Tensor {
		return onnxpb.FloatTensor(name, []int64{int64(cout), int64(cin / group), int64(kh), int64(kw)}, weights)
	})
	inputs := []string{c.in(x, nchw, false), wname}
	if bias >= 0 {
		b := ins[bias]
		if len(b.shape) != 1 || b.shape[0] != cout || b.dtype != dFloat {
			return fmt.Errorf("%w: bias is %v %v, want float32 [%d]", tfjs.ErrMalformed, b.dtype, b.shape, cout)
		}
		inputs = append(inputs, c.in(b, nhwc, false))
	}
	out := &value{dtype: dFloat, shape: []int{x.shape[0], oh, ow, cout}, layout: nchw}
	var convOut string
	if act != "" {
		convOut = c.name(n.Name + "/conv")
	} else {
		convOut = c.outName(n.Name, nchw)
	}
	c.emit(onnxpb.Node{Name: convOut, OpType: "Conv", Inputs: inputs, Outputs: []string{convOut}, Attributes: []onnxpb.Attribute{
		onnxpb.IntsAttr("dilations", int64(dil[0]), int64(dil[1])),
		onnxpb.IntAttr("group", int64(group)),
		onnxpb.IntsAttr("kernel_shape", int64(kh), int64(kw)),
		onnxpb.IntsAttr("pads", int64(pads[0]), int64(pads[1]), int64(pads[2]), int64(pads[3])),
		onnxpb.IntsAttr("strides", int64(strides[0]), int64(strides[1])),
	}})
	out.name = convOut
	switch act {
	case "Relu":
		out.name = c.outName(n.Name, nchw)
		c.emit(onnxpb.Node{Name: out.name, OpType: "Relu", Inputs: []string{convOut}, Outputs: []string{out.name}})
	case "Relu6":
		out.name = c.outName(n.Name, nchw)
		c.emit(onnxpb.Node{Name: out.name, OpType: "Clip", Inputs: []string{convOut, c.scalarConst(0), c.scalarConst(6)}, Outputs: []string{out.name}})
	}
	c.set(n, 0, out)
	return nil
}

// hw reads the H and W entries of an NHWC strides or dilations list
// (default 1).
func hw(v []int64, what string) ([2]int, error) {
	switch len(v) {
	case 0:
		return [2]int{1, 1}, nil
	case 4:
		if v[0] != 1 || v[3] != 1 || v[1] < 1 || v[2] < 1 {
			return [2]int{}, fmt.Errorf("%s %v: %w (batch and channel must be 1)", what, v, ErrUnsupported)
		}
		return [2]int{int(v[1]), int(v[2])}, nil
	}
	return [2]int{}, fmt.Errorf("%w: %s %v, want 4 values", tfjs.ErrMalformed, what, v)
}

func opResizeBilinear(c *converter, n *tfjs.Node, ins []*value) error {
	if err := wantInputs(ins, 2); err != nil {
		return err
	}
	x := ins[0]
	if len(x.shape) != 4 || x.dtype != dFloat {
		return fmt.Errorf("%w: input is %v %v, want 4-D float32", tfjs.ErrMalformed, x.dtype, x.shape)
	}
	size, err := constInts(ins[1], "the size")
	if err != nil {
		return err
	}
	if len(size) != 2 || size[0] < 1 || size[1] < 1 {
		return fmt.Errorf("%w: size %v", tfjs.ErrMalformed, size)
	}
	mode := "asymmetric"
	switch hp, ac := attrBool(n, "half_pixel_centers"), attrBool(n, "align_corners"); {
	case hp && ac:
		return fmt.Errorf("%w: half_pixel_centers and align_corners both set", tfjs.ErrMalformed)
	case hp:
		mode = "half_pixel"
	case ac:
		mode = "align_corners"
	}
	// Scales rather than sizes, so that Resize needs no empty optional
	// input; the scale must give back the exact size.
	var sc [2]float32
	for i, in := range []int{x.shape[1], x.shape[2]} {
		s := float32(size[i]) / float32(in)
		if int(math.Floor(float64(in)*float64(s))) != size[i] || int(float32(in)*s) != size[i] {
			return fmt.Errorf("resize from %d to %d has no exact float32 scale: %w", in, size[i], ErrUnsupported)
		}
		sc[i] = s
	}
	l := x.layout
	scales := []float32{1, sc[0], sc[1], 1}
	if l == nchw {
		scales = []float32{1, 1, sc[0], sc[1]}
	}
	sname := c.name(n.Name + "/scales")
	c.inits = append(c.inits, onnxpb.FloatTensor(sname, []int64{4}, scales))
	roi := c.initializer("kneescreen/roi", "kneescreen/roi", func(name string) onnxpb.Tensor {
		return onnxpb.FloatTensor(name, []int64{8}, []float32{0, 0, 0, 0, 1, 1, 1, 1})
	})
	out := &value{dtype: dFloat, shape: []int{x.shape[0], size[0], size[1], x.shape[3]}, layout: l}
	out.name = c.outName(n.Name, l)
	c.emit(onnxpb.Node{Name: out.name, OpType: "Resize", Inputs: []string{c.in(x, l, false), roi, sname}, Outputs: []string{out.name},
		Attributes: []onnxpb.Attribute{
			onnxpb.StringAttr("coordinate_transformation_mode", mode),
			onnxpb.StringAttr("mode", "linear"),
		}})
	c.set(n, 0, out)
	return nil
}
