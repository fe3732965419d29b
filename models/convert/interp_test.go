package convert

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

// This file is a deliberately slow, obviously-correct float64 evaluator of
// the ONNX ops the converter emits, straight from the onnxpb structures. It
// is a test oracle for the converter (the real engine is models/engine), so
// conversions can be checked numerically against hand-computed values and
// against TF.js's own MoveNet outputs.

type tv struct {
	shape []int
	f     []float64 // float tensors
	i     []int64   // integer tensors
	isInt bool
}

func (t *tv) n() int { return numElements(t.shape) }

func (t *tv) at(k int) float64 {
	if t.isInt {
		return float64(t.i[k])
	}
	return t.f[k]
}

func newLike(shape []int, isInt bool) *tv {
	t := &tv{shape: shape, isInt: isInt}
	if isInt {
		t.i = make([]int64, numElements(shape))
	} else {
		t.f = make([]float64, numElements(shape))
	}
	return t
}

func strides(s []int) []int {
	st := make([]int, len(s))
	k := 1
	for i := len(s) - 1; i >= 0; i-- {
		st[i] = k
		k *= s[i]
	}
	return st
}

func fromInit(t onnxpb.Tensor) *tv {
	shape := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		shape[i] = int(d)
	}
	out := &tv{shape: shape}
	n := numElements(shape)
	switch t.DataType {
	case onnxpb.Float:
		out.f = make([]float64, n)
		for k := range out.f {
			out.f[k] = float64(math.Float32frombits(binary.LittleEndian.Uint32(t.RawData[4*k:])))
		}
	case onnxpb.Int32:
		out.isInt, out.i = true, make([]int64, n)
		for k := range out.i {
			out.i[k] = int64(int32(binary.LittleEndian.Uint32(t.RawData[4*k:])))
		}
	case onnxpb.Int64:
		out.isInt, out.i = true, make([]int64, n)
		for k := range out.i {
			out.i[k] = int64(binary.LittleEndian.Uint64(t.RawData[8*k:]))
		}
	default:
		panic(fmt.Sprintf("initializer %s: type %d", t.Name, t.DataType))
	}
	return out
}

func attrOf(n *onnxpb.Node, name string) *onnxpb.Attribute {
	for i := range n.Attributes {
		if n.Attributes[i].Name == name {
			return &n.Attributes[i]
		}
	}
	return nil
}

func attrI(n *onnxpb.Node, name string, def int64) int64 {
	if a := attrOf(n, name); a != nil {
		return a.I
	}
	return def
}

func attrIs(n *onnxpb.Node, name string) []int {
	a := attrOf(n, name)
	if a == nil {
		return nil
	}
	out := make([]int, len(a.Ints))
	for i, v := range a.Ints {
		out[i] = int(v)
	}
	return out
}

// evalONNX runs model m on the given inputs and returns every tensor by
// name (inputs, initializers and node outputs).
func evalONNX(m *onnxpb.Model, inputs map[string]*tv) (map[string]*tv, error) {
	env := map[string]*tv{}
	for _, t := range m.Graph.Initializers {
		env[t.Name] = fromInit(t)
	}
	for k, v := range inputs {
		env[k] = v
	}
	for i := range m.Graph.Nodes {
		n := &m.Graph.Nodes[i]
		ins := make([]*tv, len(n.Inputs))
		for k, name := range n.Inputs {
			v, ok := env[name]
			if !ok {
				return nil, fmt.Errorf("node %s (%s): input %q not computed yet", n.Name, n.OpType, name)
			}
			ins[k] = v
		}
		outs, err := evalNode(n, ins)
		if err != nil {
			return nil, fmt.Errorf("node %s (%s): %w", n.Name, n.OpType, err)
		}
		if len(outs) != len(n.Outputs) {
			return nil, fmt.Errorf("node %s (%s): %d outputs, want %d", n.Name, n.OpType, len(outs), len(n.Outputs))
		}
		for k, name := range n.Outputs {
			env[name] = outs[k]
		}
	}
	return env, nil
}

func toInts(t *tv) []int {
	out := make([]int, len(t.i))
	for k, v := range t.i {
		out[k] = int(v)
	}
	return out
}

func evalNode(n *onnxpb.Node, in []*tv) ([]*tv, error) {
	switch n.OpType {
	case "Identity":
		return []*tv{in[0]}, nil
	case "Relu", "Sigmoid", "Sqrt", "Floor", "Clip":
		x := in[0]
		out := newLike(x.shape, false)
		for k, v := range x.f {
			switch n.OpType {
			case "Relu":
				v = math.Max(v, 0)
			case "Sigmoid":
				v = 1 / (1 + math.Exp(-v))
			case "Sqrt":
				v = math.Sqrt(v)
			case "Floor":
				v = math.Floor(v)
			case "Clip":
				if len(in[1].shape) != 0 || len(in[2].shape) != 0 {
					return nil, fmt.Errorf("clip bounds must be scalars")
				}
				v = math.Min(math.Max(v, in[1].f[0]), in[2].f[0])
			}
			out.f[k] = v
		}
		return []*tv{out}, nil
	case "Add", "Sub", "Mul", "Div", "Mod":
		return binaryEval(n, in[0], in[1])
	case "Cast":
		x := in[0]
		to := onnxpb.DataType(attrI(n, "to", 0))
		out := newLike(x.shape, to != onnxpb.Float)
		for k := 0; k < x.n(); k++ {
			if out.isInt {
				out.i[k] = int64(math.Trunc(x.at(k)))
			} else {
				out.f[k] = float64(float32(x.at(k)))
			}
		}
		return []*tv{out}, nil
	case "Transpose":
		return []*tv{transpose(in[0], attrIs(n, "perm"))}, nil
	case "Reshape":
		shape := toInts(in[1])
		if numElements(shape) != in[0].n() {
			return nil, fmt.Errorf("reshape %v to %v", in[0].shape, shape)
		}
		return []*tv{{shape: shape, f: in[0].f, i: in[0].i, isInt: in[0].isInt}}, nil
	case "Squeeze", "Unsqueeze":
		shape := append([]int{}, in[0].shape...)
		axes := toInts(in[1])
		if n.OpType == "Squeeze" {
			for k := len(axes) - 1; k >= 0; k-- {
				if shape[axes[k]] != 1 {
					return nil, fmt.Errorf("squeeze axis %d of %v", axes[k], shape)
				}
				shape = removeAxis(shape, axes[k])
			}
		} else {
			for _, a := range axes {
				shape = insertAxis(shape, a, 1)
			}
		}
		return []*tv{{shape: shape, f: in[0].f, i: in[0].i, isInt: in[0].isInt}}, nil
	case "Concat":
		return []*tv{concat(in, int(attrI(n, "axis", 0)))}, nil
	case "Split":
		x, axis := in[0], int(attrI(n, "axis", 0))
		parts := len(n.Outputs)
		size := x.shape[axis] / parts
		var outs []*tv
		for p := 0; p < parts; p++ {
			outs = append(outs, slice(x, axis, p*size, size))
		}
		return outs, nil
	case "ArgMax":
		return []*tv{argmax(in[0], int(attrI(n, "axis", 0)), attrI(n, "keepdims", 1))}, nil
	case "GatherND":
		return []*tv{gatherND(in[0], in[1])}, nil
	case "Conv":
		return []*tv{conv2d(n, in)}, nil
	case "Resize":
		return resize(n, in)
	case "Pad":
		return []*tv{pad(n, in)}, nil
	case "MaxPool", "AveragePool":
		return []*tv{pool2d(n, in[0])}, nil
	case "DepthToSpace":
		return []*tv{depthToSpace(in[0], int(attrI(n, "blocksize", 0)))}, nil
	}
	return nil, fmt.Errorf("op %s not in the test evaluator", n.OpType)
}

// pad is ONNX Pad in constant mode: out[i] = x[i - before], or the value
// (0 without a third input) outside x.
func pad(n *onnxpb.Node, in []*tv) *tv {
	x, p := in[0], toInts(in[1])
	r := len(x.shape)
	shape := make([]int, r)
	for a := range shape {
		shape[a] = x.shape[a] + p[a] + p[r+a]
	}
	val := 0.0
	if len(in) > 2 {
		val = in[2].at(0)
	}
	out := newLike(shape, x.isInt)
	xs, os := strides(x.shape), strides(shape)
	for k := 0; k < out.n(); k++ {
		off, inside := 0, true
		for a := 0; a < r; a++ {
			i := (k/os[a])%shape[a] - p[a]
			if i < 0 || i >= x.shape[a] {
				inside = false
			}
			off += i * xs[a]
		}
		v := val
		if inside {
			v = x.at(off)
		}
		if out.isInt {
			out.i[k] = int64(v)
		} else {
			out.f[k] = v
		}
	}
	return out
}

// pool2d is ONNX MaxPool or AveragePool (count_include_pad 0) on NCHW.
func pool2d(n *onnxpb.Node, x *tv) *tv {
	k, s, p := attrIs(n, "kernel_shape"), attrIs(n, "strides"), attrIs(n, "pads")
	N, C, H, W := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	oh, ow := (H+p[0]+p[2]-k[0])/s[0]+1, (W+p[1]+p[3]-k[1])/s[1]+1
	out := newLike([]int{N, C, oh, ow}, false)
	for b := 0; b < N*C; b++ {
		for y := 0; y < oh; y++ {
			for xo := 0; xo < ow; xo++ {
				best, sum, cnt := math.Inf(-1), 0.0, 0
				for i := 0; i < k[0]; i++ {
					for j := 0; j < k[1]; j++ {
						yy, xx := y*s[0]-p[0]+i, xo*s[1]-p[1]+j
						if yy < 0 || yy >= H || xx < 0 || xx >= W {
							continue
						}
						v := x.f[(b*H+yy)*W+xx]
						best = math.Max(best, v)
						sum += v
						cnt++
					}
				}
				if n.OpType == "MaxPool" {
					out.f[(b*oh+y)*ow+xo] = best
				} else {
					out.f[(b*oh+y)*ow+xo] = sum / float64(cnt)
				}
			}
		}
	}
	return out
}

// depthToSpace is ONNX DepthToSpace in DCR mode on NCHW.
func depthToSpace(x *tv, b int) *tv {
	N, C, H, W := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	oc := C / (b * b)
	out := newLike([]int{N, oc, H * b, W * b}, false)
	for nb := 0; nb < N; nb++ {
		for c := 0; c < oc; c++ {
			for y := 0; y < H*b; y++ {
				for xo := 0; xo < W*b; xo++ {
					src := ((y%b)*b+xo%b)*oc + c
					out.f[((nb*oc+c)*H*b+y)*W*b+xo] = x.f[((nb*C+src)*H+y/b)*W+xo/b]
				}
			}
		}
	}
	return out
}

func binaryEval(n *onnxpb.Node, a, b *tv) ([]*tv, error) {
	if a.isInt != b.isInt {
		return nil, fmt.Errorf("mixed types")
	}
	shape, err := broadcast(a.shape, b.shape)
	if err != nil {
		return nil, err
	}
	out := newLike(shape, a.isInt)
	sa, sb := bstrides(a.shape, shape), bstrides(b.shape, shape)
	idx := make([]int, len(shape))
	for k := 0; k < out.n(); k++ {
		ia, ib := 0, 0
		for d := range shape {
			ia += idx[d] * sa[d]
			ib += idx[d] * sb[d]
		}
		if a.isInt {
			x, y := a.i[ia], b.i[ib]
			var r int64
			switch n.OpType {
			case "Add":
				r = x + y
			case "Sub":
				r = x - y
			case "Mul":
				r = x * y
			case "Div":
				r = x / y // truncates, as ONNX integer Div
			case "Mod":
				r = x % y
				if r != 0 && (r < 0) != (y < 0) {
					r += y
				}
			}
			out.i[k] = int64(int32(r))
		} else {
			x, y := a.f[ia], b.f[ib]
			var r float64
			switch n.OpType {
			case "Add":
				r = x + y
			case "Sub":
				r = x - y
			case "Mul":
				r = x * y
			case "Div":
				r = x / y
			default:
				return nil, fmt.Errorf("float %s", n.OpType)
			}
			out.f[k] = r
		}
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return []*tv{out}, nil
}

// bstrides returns strides of s broadcast to shape (0 on broadcast axes).
func bstrides(s, shape []int) []int {
	st := strides(s)
	out := make([]int, len(shape))
	off := len(shape) - len(s)
	for d := range s {
		if s[d] != 1 {
			out[off+d] = st[d]
		}
	}
	return out
}

func transpose(x *tv, perm []int) *tv {
	shape := make([]int, len(perm))
	for d, p := range perm {
		shape[d] = x.shape[p]
	}
	out := newLike(shape, x.isInt)
	st := strides(x.shape)
	idx := make([]int, len(shape))
	for k := 0; k < out.n(); k++ {
		src := 0
		for d, p := range perm {
			src += idx[d] * st[p]
		}
		if x.isInt {
			out.i[k] = x.i[src]
		} else {
			out.f[k] = x.f[src]
		}
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

// slice takes size entries from start along axis.
func slice(x *tv, axis, start, size int) *tv {
	shape := append([]int{}, x.shape...)
	shape[axis] = size
	out := newLike(shape, x.isInt)
	outer := numElements(x.shape[:axis])
	inner := numElements(x.shape[axis+1:])
	k := 0
	for o := 0; o < outer; o++ {
		for a := start; a < start+size; a++ {
			for i := 0; i < inner; i++ {
				src := (o*x.shape[axis]+a)*inner + i
				if x.isInt {
					out.i[k] = x.i[src]
				} else {
					out.f[k] = x.f[src]
				}
				k++
			}
		}
	}
	return out
}

func concat(xs []*tv, axis int) *tv {
	shape := append([]int{}, xs[0].shape...)
	shape[axis] = 0
	for _, x := range xs {
		shape[axis] += x.shape[axis]
	}
	out := newLike(shape, xs[0].isInt)
	outer := numElements(shape[:axis])
	k := 0
	for o := 0; o < outer; o++ {
		for _, x := range xs {
			chunk := numElements(x.shape[axis:])
			for i := 0; i < chunk; i++ {
				if x.isInt {
					out.i[k] = x.i[o*chunk+i]
				} else {
					out.f[k] = x.f[o*chunk+i]
				}
				k++
			}
		}
	}
	return out
}

func argmax(x *tv, axis int, keep int64) *tv {
	outer := numElements(x.shape[:axis])
	inner := numElements(x.shape[axis+1:])
	shape := removeAxis(x.shape, axis)
	if keep != 0 {
		shape = insertAxis(shape, axis, 1)
	}
	out := newLike(shape, true)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			best, bi := math.Inf(-1), 0
			for a := 0; a < x.shape[axis]; a++ {
				if v := x.at((o*x.shape[axis]+a)*inner + i); v > best {
					best, bi = v, a
				}
			}
			out.i[o*inner+i] = int64(bi)
		}
	}
	return out
}

func gatherND(p, idx *tv) *tv {
	depth := idx.shape[len(idx.shape)-1]
	nidx := idx.n() / depth
	shape := append(append([]int{}, idx.shape[:len(idx.shape)-1]...), p.shape[depth:]...)
	out := newLike(shape, p.isInt)
	st := strides(p.shape)
	chunk := numElements(p.shape[depth:])
	for k := 0; k < nidx; k++ {
		src := 0
		for d := 0; d < depth; d++ {
			src += int(idx.i[k*depth+d]) * st[d]
		}
		for c := 0; c < chunk; c++ {
			if p.isInt {
				out.i[k*chunk+c] = p.i[src+c]
			} else {
				out.f[k*chunk+c] = p.f[src+c]
			}
		}
	}
	return out
}

func conv2d(n *onnxpb.Node, in []*tv) *tv {
	x, w := in[0], in[1]
	N, C, H, W := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	M, cg, kh, kw := w.shape[0], w.shape[1], w.shape[2], w.shape[3]
	g := int(attrI(n, "group", 1))
	pads, st, dil := attrIs(n, "pads"), attrIs(n, "strides"), attrIs(n, "dilations")
	oh := (H+pads[0]+pads[2]-((kh-1)*dil[0]+1))/st[0] + 1
	ow := (W+pads[1]+pads[3]-((kw-1)*dil[1]+1))/st[1] + 1
	out := newLike([]int{N, M, oh, ow}, false)
	mg := M / g
	for b := 0; b < N; b++ {
		for m := 0; m < M; m++ {
			grp := m / mg
			bias := 0.0
			if len(in) > 2 {
				bias = in[2].f[m]
			}
			for y := 0; y < oh; y++ {
				for xo := 0; xo < ow; xo++ {
					s := bias
					for c := 0; c < cg; c++ {
						ci := grp*cg + c
						for i := 0; i < kh; i++ {
							yy := y*st[0] - pads[0] + i*dil[0]
							if yy < 0 || yy >= H {
								continue
							}
							for j := 0; j < kw; j++ {
								xx := xo*st[1] - pads[1] + j*dil[1]
								if xx < 0 || xx >= W {
									continue
								}
								s += x.f[((b*C+ci)*H+yy)*W+xx] * w.f[((m*cg+c)*kh+i)*kw+j]
							}
						}
					}
					out.f[((b*M+m)*oh+y)*ow+xo] = s
				}
			}
		}
	}
	return out
}

// resize is separable linear interpolation, one axis at a time.
func resize(n *onnxpb.Node, in []*tv) ([]*tv, error) {
	x, scales := in[0], in[2]
	mode := ""
	if a := attrOf(n, "coordinate_transformation_mode"); a != nil {
		mode = a.S
	}
	if a := attrOf(n, "mode"); a == nil || a.S != "linear" {
		return nil, fmt.Errorf("mode must be linear")
	}
	cur := x
	for axis, s := range scales.f {
		inN := cur.shape[axis]
		outN := int(math.Floor(float64(inN) * s))
		if outN == inN {
			continue
		}
		shape := append([]int{}, cur.shape...)
		shape[axis] = outN
		next := newLike(shape, false)
		outer := numElements(cur.shape[:axis])
		inner := numElements(cur.shape[axis+1:])
		for o := 0; o < outN; o++ {
			var c float64
			switch mode {
			case "half_pixel":
				c = (float64(o)+0.5)/s - 0.5
			case "align_corners":
				c = float64(o) * float64(inN-1) / float64(outN-1)
			default:
				c = float64(o) / s
			}
			c = math.Max(0, math.Min(c, float64(inN-1)))
			i0 := int(math.Floor(c))
			i1 := min(i0+1, inN-1)
			f := c - float64(i0)
			for a := 0; a < outer; a++ {
				for i := 0; i < inner; i++ {
					v0 := cur.f[(a*inN+i0)*inner+i]
					v1 := cur.f[(a*inN+i1)*inner+i]
					next.f[(a*outN+o)*inner+i] = v0 + (v1-v0)*f
				}
			}
		}
		cur = next
	}
	return []*tv{cur}, nil
}
