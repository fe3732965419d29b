package convert

import (
	"fmt"

	"github.com/kneescreen/kneescreen/models/onnxpb"
	"github.com/kneescreen/kneescreen/models/tfjs"
)

// The spatial ops of the BlazePose graphs: explicit padding, pooling and
// depth-to-space. Each keeps its input's layout when that is NCHW (the
// output of a convolution), so that no transpose is needed around it.

// opPad converts Pad and PadV2 (zero or a constant value) to ONNX Pad in
// constant mode, with the paddings reordered to the tensor's layout. A 4-D
// float tensor is padded in NCHW, even when it arrives in NHWC (the
// image): explicit padding precedes a convolution, which then needs no
// layout change after it and can absorb the padding.
func opPad(c *converter, n *tfjs.Node, ins []*value) error {
	if len(ins) != 2 && len(ins) != 3 {
		return fmt.Errorf("%w: %d inputs, want 2 or 3", tfjs.ErrMalformed, len(ins))
	}
	x := ins[0]
	p, err := constInts(ins[1], "the paddings")
	if err != nil {
		return err
	}
	r := len(x.shape)
	if len(p) != 2*r {
		return fmt.Errorf("%w: paddings %v for rank %d", tfjs.ErrMalformed, p, r)
	}
	l := nhwc
	if x.konst == nil && r == 4 && x.dtype == dFloat {
		l = nchw
	}
	// TF pairs (before, after) per axis; ONNX lists all befores, then all
	// afters, in the tensor's own axis order.
	order := make([]int, r)
	for i := range order {
		order[i] = i
	}
	if l == nchw {
		order = []int{0, 3, 1, 2}
	}
	pads := make([]int64, 2*r)
	shape := make([]int, r)
	for i, a := range order {
		b, e := p[2*a], p[2*a+1]
		if b < 0 || e < 0 {
			return fmt.Errorf("%w: negative paddings %v", tfjs.ErrMalformed, p)
		}
		pads[i], pads[r+i] = int64(b), int64(e)
	}
	for a := range x.shape {
		shape[a] = x.shape[a] + p[2*a] + p[2*a+1]
	}
	inputs := []string{c.in(x, l, false), c.int64Const(n.Name+"/pads", []int{2 * r}, pads)}
	if len(ins) == 3 {
		v := ins[2]
		if v.konst == nil || len(v.shape) != 0 || v.dtype != x.dtype {
			return fmt.Errorf("the constant value must be a scalar constant of the input's type: %w", ErrUnsupported)
		}
		inputs = append(inputs, c.in(v, nhwc, false))
	}
	out := &value{dtype: x.dtype, shape: shape, layout: l, nonneg: x.nonneg}
	out.name = c.outName(n.Name, l)
	c.emit(onnxpb.Node{Name: out.name, OpType: "Pad", Inputs: inputs, Outputs: []string{out.name},
		Attributes: []onnxpb.Attribute{onnxpb.StringAttr("mode", "constant")}})
	c.set(n, 0, out)
	return nil
}

// poolOp converts MaxPool and AvgPool to ONNX pooling on NCHW. TF's SAME
// padding never counts in an average, as with count_include_pad = 0.
func poolOp(op string) opFunc {
	return func(c *converter, n *tfjs.Node, ins []*value) error {
		if err := wantInputs(ins, 1); err != nil {
			return err
		}
		x := ins[0]
		if df := attrString(n, "data_format", "NHWC"); df != "NHWC" {
			return fmt.Errorf("data_format %q: %w (only NHWC)", df, ErrUnsupported)
		}
		if len(x.shape) != 4 || x.dtype != dFloat {
			return fmt.Errorf("%w: input is %v %v, want 4-D float32", tfjs.ErrMalformed, x.dtype, x.shape)
		}
		k, err := hw(attrInts(n, "ksize"), "ksize")
		if err != nil {
			return err
		}
		s, err := hw(attrInts(n, "strides"), "strides")
		if err != nil {
			return err
		}
		h, w := x.shape[1], x.shape[2]
		var pads [4]int
		var oh, ow int
		switch pad := attrString(n, "padding", ""); pad {
		case "SAME":
			pads[0], pads[2], oh = samePads(h, k[0], s[0], 1)
			pads[1], pads[3], ow = samePads(w, k[1], s[1], 1)
		case "VALID":
			oh, ow = (h-k[0])/s[0]+1, (w-k[1])/s[1]+1
		default:
			return fmt.Errorf("padding %q: %w", pad, ErrUnsupported)
		}
		if oh < 1 || ow < 1 {
			return fmt.Errorf("%w: a %dx%d window does not fit a %dx%d input", tfjs.ErrMalformed, k[0], k[1], h, w)
		}
		attrs := []onnxpb.Attribute{
			onnxpb.IntsAttr("kernel_shape", int64(k[0]), int64(k[1])),
			onnxpb.IntsAttr("pads", int64(pads[0]), int64(pads[1]), int64(pads[2]), int64(pads[3])),
			onnxpb.IntsAttr("strides", int64(s[0]), int64(s[1])),
		}
		if op == "AveragePool" {
			attrs = append(attrs, onnxpb.IntAttr("count_include_pad", 0))
		}
		out := &value{dtype: dFloat, shape: []int{x.shape[0], oh, ow, x.shape[3]}, layout: nchw}
		out.name = c.outName(n.Name, nchw)
		c.emit(onnxpb.Node{Name: out.name, OpType: op, Inputs: []string{c.in(x, nchw, false)}, Outputs: []string{out.name}, Attributes: attrs})
		c.set(n, 0, out)
		return nil
	}
}

// spaceDepthOp converts DepthToSpace and SpaceToDepth. TF's NHWC order of
// a block's channels (row, column, then depth) is ONNX's DCR mode.
func spaceDepthOp(op string) opFunc {
	return func(c *converter, n *tfjs.Node, ins []*value) error {
		if err := wantInputs(ins, 1); err != nil {
			return err
		}
		x := ins[0]
		if df := attrString(n, "data_format", "NHWC"); df != "NHWC" {
			return fmt.Errorf("data_format %q: %w (only NHWC)", df, ErrUnsupported)
		}
		if len(x.shape) != 4 {
			return fmt.Errorf("%w: input is %v, want 4-D", tfjs.ErrMalformed, x.shape)
		}
		b := int(attrInt(n, "block_size", 0))
		nb, h, w, ch := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
		var shape []int
		switch {
		case b < 2:
			return fmt.Errorf("%w: block_size %d", tfjs.ErrMalformed, b)
		case op == "DepthToSpace" && ch%(b*b) == 0:
			shape = []int{nb, h * b, w * b, ch / (b * b)}
		case op == "SpaceToDepth" && h%b == 0 && w%b == 0:
			shape = []int{nb, h / b, w / b, ch * b * b}
		default:
			return fmt.Errorf("%w: block_size %d does not fit shape %v", tfjs.ErrMalformed, b, x.shape)
		}
		attrs := []onnxpb.Attribute{onnxpb.IntAttr("blocksize", int64(b))}
		if op == "DepthToSpace" {
			attrs = append(attrs, onnxpb.StringAttr("mode", "DCR"))
		}
		out := &value{dtype: x.dtype, shape: shape, layout: nchw}
		out.name = c.outName(n.Name, nchw)
		c.emit(onnxpb.Node{Name: out.name, OpType: op, Inputs: []string{c.in(x, nchw, false)}, Outputs: []string{out.name}, Attributes: attrs})
		c.set(n, 0, out)
		return nil
	}
}
