package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

// Differential tests of the pooling, padding, transposed convolution,
// softmax, depth-to-space, activation and variadic operators against
// oracles written for clarity: each output element computed on its own
// from the operator's definition, in float64.

// shapeIndex returns the multi-index of flat element i.
func shapeIndex(shape []int, i int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = i % shape[d]
		i /= shape[d]
	}
	return idx
}

// flatAt returns the flat offset of idx, or -1 when it is out of shape.
func flatAt(shape, idx []int) int {
	off := 0
	for d, v := range idx {
		if v < 0 || v >= shape[d] {
			return -1
		}
		off = off*shape[d] + v
	}
	return off
}

type poolCase struct {
	global              bool
	avg, countPad, ceil bool
	in, k, s, d, pads   []int // spatial; pads begin... end...
	n, c                int
}

// refPool pools by the definition: every output position's window, taps
// outside the input skipped (and, for averages with count_include_pad,
// counted when inside the padded extent).
func refPool(pc poolCase, x *Tensor, out []int) *Tensor {
	y := NewFloat32(out, nil)
	sp := len(pc.in)
	for i := range y.F32 {
		idx := shapeIndex(out, i)
		best, sum, cnt, padded := math.Inf(-1), 0.0, 0, 0
		taps := 1
		for _, k := range pc.k {
			taps *= k
		}
		for t := 0; t < taps; t++ {
			tap := shapeIndex(pc.k, t)
			src := append([]int{idx[0], idx[1]}, make([]int, sp)...)
			inPad := true
			for a := 0; a < sp; a++ {
				p := idx[2+a]*pc.s[a] - pc.pads[a] + tap[a]*pc.d[a]
				src[2+a] = p
				if p < -pc.pads[a] || p >= pc.in[a]+pc.pads[sp+a] {
					inPad = false
				}
			}
			if inPad {
				padded++
			}
			if off := flatAt(x.Shape, src); off >= 0 {
				v := float64(x.F32[off])
				best = math.Max(best, v)
				sum += v
				cnt++
			}
		}
		switch {
		case !pc.avg:
			y.F32[i] = float32(best)
		case pc.countPad:
			y.F32[i] = float32(sum / float64(padded))
		default:
			y.F32[i] = float32(sum / float64(cnt))
		}
	}
	return y
}

func TestPoolDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	cases := []poolCase{
		{in: []int{8, 8}, k: []int{2, 2}, s: []int{2, 2}, d: []int{1, 1}, pads: []int{0, 0, 0, 0}, n: 1, c: 3},
		{in: []int{9, 7}, k: []int{3, 3}, s: []int{2, 2}, d: []int{1, 1}, pads: []int{1, 1, 1, 1}, n: 2, c: 2},
		{avg: true, in: []int{9, 7}, k: []int{3, 2}, s: []int{2, 1}, d: []int{1, 1}, pads: []int{1, 0, 1, 1}, n: 1, c: 2},
		{avg: true, countPad: true, in: []int{6, 6}, k: []int{3, 3}, s: []int{1, 1}, d: []int{1, 1}, pads: []int{1, 1, 1, 1}, n: 1, c: 1},
		{ceil: true, in: []int{7, 8}, k: []int{3, 3}, s: []int{2, 3}, d: []int{1, 1}, pads: []int{0, 0, 0, 0}, n: 1, c: 2},
		{avg: true, ceil: true, in: []int{7}, k: []int{3}, s: []int{2}, d: []int{1}, pads: []int{1, 0}, n: 2, c: 3},
		{in: []int{10, 9}, k: []int{2, 3}, s: []int{1, 2}, d: []int{2, 2}, pads: []int{1, 2, 0, 1}, n: 1, c: 2},
		{avg: true, in: []int{4, 5, 6}, k: []int{2, 3, 2}, s: []int{2, 1, 2}, d: []int{1, 1, 1}, pads: []int{0, 1, 1, 1, 1, 0}, n: 1, c: 2},
		{global: true, avg: true, in: []int{5, 7}, n: 2, c: 3},
		{global: true, in: []int{3, 4, 2}, n: 1, c: 2},
	}
	for _, pc := range cases {
		name := fmt.Sprintf("%d-avg%v-pad%v-ceil%v-global%v", len(pc.in), pc.avg, pc.countPad, pc.ceil, pc.global)
		t.Run(name, func(t *testing.T) {
			if pc.global {
				pc.k, pc.s, pc.d, pc.pads = pc.in, make([]int, len(pc.in)), make([]int, len(pc.in)), make([]int, 2*len(pc.in))
				for a := range pc.s {
					pc.s[a], pc.d[a] = 1, 1
				}
			}
			shape := append([]int{pc.n, pc.c}, pc.in...)
			x := randTensor(r, shape...)
			op := "MaxPool"
			if pc.avg {
				op = "AveragePool"
			}
			var attrs []onnxpb.Attribute
			if pc.global {
				op = "Global" + op
			} else {
				attrs = []onnxpb.Attribute{onnxpb.IntsAttr("kernel_shape", int64s(pc.k)...), onnxpb.IntsAttr("strides", int64s(pc.s)...),
					onnxpb.IntsAttr("pads", int64s(pc.pads)...)}
				if !pc.avg {
					attrs = append(attrs, onnxpb.IntsAttr("dilations", int64s(pc.d)...))
				}
				if pc.countPad {
					attrs = append(attrs, onnxpb.IntAttr("count_include_pad", 1))
				}
				if pc.ceil {
					attrs = append(attrs, onnxpb.IntAttr("ceil_mode", 1))
				}
			}
			g := single(op, []string{"x"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, int64s(shape)...)}, nil, attrs...)
			got := runSpec(t, g, x)[0]
			out := []int{pc.n, pc.c}
			for a := range pc.in {
				span := pc.in[a] + pc.pads[a] + pc.pads[len(pc.in)+a] - ((pc.k[a]-1)*pc.d[a] + 1)
				o := span/pc.s[a] + 1
				if pc.ceil {
					o = (span+pc.s[a]-1)/pc.s[a] + 1
					if (o-1)*pc.s[a] >= pc.in[a]+pc.pads[a] {
						o--
					}
				}
				out = append(out, o)
			}
			wantTensor(t, got, refPool(pc, x, out), 1e-6)
		})
	}
}

// refPad maps every output element to its source by the mode's definition.
func refPad(x *Tensor, pads []int, mode string, value float32) *Tensor {
	r := len(x.Shape)
	out := make([]int, r)
	for i, d := range x.Shape {
		out[i] = d + pads[i] + pads[r+i]
	}
	y := NewFloat32(out, nil)
	for i := range y.F32 {
		idx := shapeIndex(out, i)
		src := make([]int, r)
		outside := false
		for a := range idx {
			p, n := idx[a]-pads[a], x.Shape[a]
			switch mode {
			case "edge":
				p = min(max(p, 0), n-1)
			case "reflect":
				for p < 0 || p >= n {
					if p < 0 {
						p = -p
					}
					if p >= n {
						p = 2*(n-1) - p
					}
				}
			case "wrap":
				p = ((p % n) + n) % n
			default:
				outside = outside || p < 0 || p >= n
			}
			src[a] = p
		}
		if outside {
			y.F32[i] = value
		} else {
			y.F32[i] = x.F32[flatAt(x.Shape, src)]
		}
	}
	return y
}

func TestPadDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	cases := []struct {
		shape, pads []int
		mode        string
	}{
		{[]int{1, 3, 5, 4}, []int{0, 0, 1, 2, 0, 0, 2, 1}, "constant"},
		{[]int{2, 6}, []int{1, -2, 0, 3}, "constant"},
		{[]int{3, 5}, []int{2, 3, 1, 4}, "reflect"},
		{[]int{2, 3, 4}, []int{1, 2, 2, 0, 1, 3}, "edge"},
		{[]int{3, 4}, []int{5, 2, 1, 6}, "wrap"},
		{[]int{7}, []int{3, 3}, "reflect"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.mode, tc.shape, tc.pads), func(t *testing.T) {
			x := randTensor(r, tc.shape...)
			g := single("Pad", []string{"x", "pads", "v"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, int64s(tc.shape)...)},
				[]onnxpb.Tensor{i64("pads", dims(int64(len(tc.pads))), int64s(tc.pads)...), f32("v", nil, 2.5)}, onnxpb.StringAttr("mode", tc.mode))
			wantTensor(t, runSpec(t, g, x)[0], refPad(x, tc.pads, tc.mode, 2.5), 0)
		})
	}
}

// refConvTranspose computes each output element as the sum over every
// input element and tap that lands on it.
func refConvTranspose(x, w *Tensor, bias []float32, group int, s, d, pb []int, out []int) *Tensor {
	y := NewFloat32(out, nil)
	sp := len(s)
	C, mg := x.Shape[1], w.Shape[1]
	cg := C / group
	for i := range y.F32 {
		idx := shapeIndex(out, i)
		n, m := idx[0], idx[1]
		grp := m / mg
		var sum float64
		if bias != nil {
			sum = float64(bias[m])
		}
		for ci := 0; ci < cg; ci++ {
			ch := grp*cg + ci
			for xi := 0; xi < numElems(x.Shape[2:]); xi++ {
				xp := shapeIndex(x.Shape[2:], xi)
				for ti := 0; ti < numElems(w.Shape[2:]); ti++ {
					tp := shapeIndex(w.Shape[2:], ti)
					hit := true
					for a := 0; a < sp; a++ {
						if xp[a]*s[a]+tp[a]*d[a]-pb[a] != idx[2+a] {
							hit = false
							break
						}
					}
					if hit {
						xv := x.F32[flatAt(x.Shape, append([]int{n, ch}, xp...))]
						wv := w.F32[flatAt(w.Shape, append([]int{ch, m % mg}, tp...))]
						sum += float64(xv) * float64(wv)
					}
				}
			}
		}
		y.F32[i] = float32(sum)
	}
	return y
}

func TestConvTransposeDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	cases := []struct {
		x, w       []int
		group      int
		s, d, pads []int
		outPad     []int
		bias       bool
	}{
		{x: []int{1, 2, 4, 5}, w: []int{2, 3, 3, 3}, group: 1, s: []int{2, 2}, d: []int{1, 1}, pads: []int{1, 1, 1, 1}, outPad: []int{1, 0}, bias: true},
		{x: []int{2, 4, 3, 3}, w: []int{4, 1, 2, 2}, group: 2, s: []int{1, 2}, d: []int{2, 1}, pads: []int{0, 1, 0, 0}, outPad: []int{0, 1}},
		{x: []int{1, 3, 6}, w: []int{3, 2, 4}, group: 1, s: []int{3}, d: []int{1}, pads: []int{2, 1}, outPad: []int{0}, bias: true},
		{x: []int{1, 2, 2, 3, 2}, w: []int{2, 1, 2, 2, 3}, group: 1, s: []int{1, 2, 2}, d: []int{1, 1, 1}, pads: []int{0, 0, 1, 1, 0, 0}, outPad: []int{0, 0, 0}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.x, tc.w, tc.group, tc.s), func(t *testing.T) {
			x, w := randTensor(r, tc.x...), randTensor(r, tc.w...)
			sp := len(tc.s)
			out := []int{tc.x[0], tc.w[1] * tc.group}
			for a := 0; a < sp; a++ {
				out = append(out, tc.s[a]*(tc.x[2+a]-1)+tc.outPad[a]+(tc.w[2+a]-1)*tc.d[a]+1-tc.pads[a]-tc.pads[sp+a])
			}
			ins := []string{"x", "w"}
			var inits []onnxpb.Tensor
			var bias []float32
			if tc.bias {
				bias = randSlice(r, out[1])
				ins = append(ins, "b")
				inits = append(inits, f32("b", dims(int64(out[1])), bias...))
			}
			g := single("ConvTranspose", ins, []string{"y"},
				[]onnxpb.ValueInfo{in("x", onnxpb.Float, int64s(tc.x)...), in("w", onnxpb.Float, int64s(tc.w)...)}, inits,
				onnxpb.IntAttr("group", int64(tc.group)), onnxpb.IntsAttr("strides", int64s(tc.s)...), onnxpb.IntsAttr("dilations", int64s(tc.d)...),
				onnxpb.IntsAttr("pads", int64s(tc.pads)...), onnxpb.IntsAttr("output_padding", int64s(tc.outPad)...))
			wantTensor(t, runSpec(t, g, x, w)[0], refConvTranspose(x, w, bias, tc.group, tc.s, tc.d, tc.pads, out), 1e-5)
		})
	}
}

func TestSoftmaxDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	shape := []int{2, 3, 4}
	for _, op := range []string{"Softmax", "LogSoftmax", "Hardmax"} {
		for _, opset := range []int64{11, 13} {
			for axis := -3; axis < 3; axis++ {
				t.Run(fmt.Sprintf("%s-opset%d-axis%d", op, opset, axis), func(t *testing.T) {
					x := randTensor(r, shape...)
					for i := range x.F32 {
						x.F32[i] *= 30 // large values: the maximum must be subtracted
					}
					g := single(op, []string{"x"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 2, 3, 4)}, nil, onnxpb.IntAttr("axis", int64(axis)))
					g.opset = opset
					a := (axis + 3) % 3
					outer, dim, inner := numElems(shape[:a]), shape[a], numElems(shape[a+1:])
					if opset < 13 { // the trailing axes flattened into one
						dim, inner = numElems(shape[a:]), 1
					}
					want := NewFloat32(shape, nil)
					for o := 0; o < outer; o++ {
						for in := 0; in < inner; in++ {
							at := func(j int) int { return (o*dim+j)*inner + in }
							m, arg := math.Inf(-1), 0
							for j := 0; j < dim; j++ {
								if v := float64(x.F32[at(j)]); v > m {
									m, arg = v, j
								}
							}
							var sum float64
							for j := 0; j < dim; j++ {
								sum += math.Exp(float64(x.F32[at(j)]) - m)
							}
							for j := 0; j < dim; j++ {
								v := float64(x.F32[at(j)])
								switch op {
								case "Softmax":
									want.F32[at(j)] = float32(math.Exp(v-m) / sum)
								case "LogSoftmax":
									want.F32[at(j)] = float32(v - m - math.Log(sum))
								default:
									if j == arg {
										want.F32[at(j)] = 1
									}
								}
							}
						}
					}
					wantTensor(t, runSpec(t, g, x)[0], want, 1e-5)
				})
			}
		}
	}
}

func TestDepthToSpaceDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	const n, c, h, w, b = 2, 12, 3, 4, 2
	x := randTensor(r, n, c, h, w)
	for _, mode := range []string{"DCR", "CRD"} {
		t.Run(mode, func(t *testing.T) {
			g := single("DepthToSpace", []string{"x"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, n, c, h, w)}, nil,
				onnxpb.IntAttr("blocksize", b), onnxpb.StringAttr("mode", mode))
			out := []int{n, c / (b * b), h * b, w * b}
			want := NewFloat32(out, nil)
			for i := range want.F32 {
				idx := shapeIndex(out, i)
				oc, oy, ox := idx[1], idx[2], idx[3]
				by, bx := oy%b, ox%b
				src := (by*b+bx)*(c/(b*b)) + oc // DCR: depth, then column, then row
				if mode == "CRD" {
					src = oc*b*b + by*b + bx
				}
				want.F32[i] = x.F32[flatAt(x.Shape, []int{idx[0], src, oy / b, ox / b})]
			}
			y := runSpec(t, g, x)[0]
			wantTensor(t, y, want, 0)
			// SpaceToDepth undoes DCR.
			if mode == "DCR" {
				g := single("SpaceToDepth", []string{"y"}, []string{"z"}, []onnxpb.ValueInfo{in("y", onnxpb.Float, int64s(out)...)}, nil, onnxpb.IntAttr("blocksize", b))
				wantTensor(t, runSpec(t, g, y)[0], x, 0)
			}
		})
	}
}

func TestActivationDifferential(t *testing.T) {
	x := fT(sh(12), -6, -3.5, -1, -0.51, -0.5, -0.2, 0, 0.2, 0.5, 0.7, 2.5, 7)
	cases := []struct {
		op    string
		attrs []onnxpb.Attribute
		f     func(v float64) float64
	}{
		{"LeakyRelu", []onnxpb.Attribute{onnxpb.FloatAttr("alpha", 0.1)}, func(v float64) float64 { return cond64(v < 0, 0.1*v, v) }},
		{"Elu", nil, func(v float64) float64 { return cond64(v < 0, math.Exp(v)-1, v) }},
		{"Celu", []onnxpb.Attribute{onnxpb.FloatAttr("alpha", 2)}, func(v float64) float64 { return math.Max(0, v) + math.Min(0, 2*(math.Exp(v/2)-1)) }},
		{"Selu", nil, func(v float64) float64 {
			return 1.0507009873554805 * cond64(v <= 0, 1.6732632423543772*(math.Exp(v)-1), v)
		}},
		{"HardSigmoid", nil, func(v float64) float64 { return math.Max(0, math.Min(1, 0.2*v+0.5)) }},
		{"HardSwish", nil, func(v float64) float64 { return v * math.Max(0, math.Min(1, v/6+0.5)) }},
		{"ThresholdedRelu", []onnxpb.Attribute{onnxpb.FloatAttr("alpha", 0.5)}, func(v float64) float64 { return cond64(v > 0.5, v, 0) }},
		{"Shrink", []onnxpb.Attribute{onnxpb.FloatAttr("bias", 0.25), onnxpb.FloatAttr("lambd", 0.5)}, func(v float64) float64 {
			return cond64(v < -0.5, v+0.25, cond64(v > 0.5, v-0.25, 0))
		}},
		{"Softplus", nil, func(v float64) float64 { return math.Log(1 + math.Exp(v)) }},
		{"Softsign", nil, func(v float64) float64 { return v / (1 + math.Abs(v)) }},
		{"Erf", nil, math.Erf},
		{"Sign", nil, func(v float64) float64 { return cond64(v > 0, 1, cond64(v < 0, -1, 0)) }},
		{"Round", nil, math.RoundToEven},
		{"Atan", nil, math.Atan},
	}
	for _, tc := range cases {
		t.Run(tc.op, func(t *testing.T) {
			g := single(tc.op, []string{"x"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 12)}, nil, tc.attrs...)
			want := NewFloat32(x.Shape, nil)
			for i, v := range x.F32 {
				want.F32[i] = float32(tc.f(float64(v)))
			}
			wantTensor(t, runSpec(t, g, x)[0], want, 1e-6)
		})
	}
}

func cond64(b bool, x, y float64) float64 {
	if b {
		return x
	}
	return y
}

func TestVariadicDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	shapes := [][]int{{2, 1, 4}, {3, 1}, {4}, {2, 3, 4}}
	xs := make([]*Tensor, len(shapes))
	var infos []onnxpb.ValueInfo
	var names []string
	for i, s := range shapes {
		xs[i] = randTensor(r, s...)
		name := fmt.Sprint("x", i)
		names = append(names, name)
		infos = append(infos, in(name, onnxpb.Float, int64s(s)...))
	}
	out := []int{2, 3, 4}
	for _, op := range []string{"Sum", "Mean", "Max", "Min"} {
		for n := 1; n <= len(shapes); n++ {
			t.Run(fmt.Sprint(op, n), func(t *testing.T) {
				g := single(op, names[:n], []string{"y"}, infos[:n], nil)
				shape := out
				if n == 1 {
					shape = shapes[0]
				}
				want := NewFloat32(shape, nil)
				for i := range want.F32 {
					idx := shapeIndex(shape, i)
					acc := 0.0
					for k := 0; k < n; k++ {
						s := shapes[k]
						sub := make([]int, len(s))
						for a := range s {
							if s[a] > 1 {
								sub[a] = idx[len(idx)-len(s)+a]
							}
						}
						v := float64(xs[k].F32[flatAt(s, sub)])
						switch {
						case k == 0:
							acc = v
						case op == "Max":
							acc = math.Max(acc, v)
						case op == "Min":
							acc = math.Min(acc, v)
						default:
							acc += v
						}
					}
					if op == "Mean" {
						acc /= float64(n)
					}
					want.F32[i] = float32(acc)
				}
				wantTensor(t, runSpec(t, g, xs[:n]...)[0], want, 1e-6)
			})
		}
	}
}
