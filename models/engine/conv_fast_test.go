package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

// convSpec builds Conv(x, W, B) [→ Add(residual)] [→ Clip(0, 6)] on a
// random input of shape [n, c, h, w].
type convSpecCase struct {
	name            string
	n, c, h, w, m   int
	kh, kw, group   int
	strides, pads   []int64
	dil             []int64
	residual, relu6 bool
}

func (tc convSpecCase) spec(r *rand.Rand) (graphSpec, *Tensor, *Tensor) {
	cpg := tc.c / tc.group
	wt := make([]float32, tc.m*cpg*tc.kh*tc.kw)
	for i := range wt {
		wt[i] = float32(r.NormFloat64()) / float32(math.Sqrt(float64(cpg*tc.kh*tc.kw)))
	}
	bias := make([]float32, tc.m)
	for i := range bias {
		bias[i] = float32(r.NormFloat64())
	}
	attrs := []onnxpb.Attribute{onnxpb.IntAttr("group", int64(tc.group)), onnxpb.IntsAttr("kernel_shape", int64(tc.kh), int64(tc.kw))}
	if tc.strides != nil {
		attrs = append(attrs, onnxpb.IntsAttr("strides", tc.strides...))
	}
	if tc.pads != nil {
		attrs = append(attrs, onnxpb.IntsAttr("pads", tc.pads...))
	}
	if tc.dil != nil {
		attrs = append(attrs, onnxpb.IntsAttr("dilations", tc.dil...))
	}
	g := graphSpec{
		inits:  []onnxpb.Tensor{f32("W", dims(int64(tc.m), int64(cpg), int64(tc.kh), int64(tc.kw)), wt...), f32("B", dims(int64(tc.m)), bias...)},
		inputs: []onnxpb.ValueInfo{in("x", onnxpb.Float, int64(tc.n), int64(tc.c), int64(tc.h), int64(tc.w))},
		nodes:  []onnxpb.Node{node("Conv", []string{"x", "W", "B"}, []string{"conv"}, attrs...)},
	}
	x := randTensor(r, tc.n, tc.c, tc.h, tc.w)
	var res *Tensor
	last := "conv"
	if tc.residual {
		// The residual has the output's shape; find it by running once.
		g.inputs = append(g.inputs, in("res", onnxpb.Float, -1))
		g.nodes = append(g.nodes, node("Add", []string{"conv", "res"}, []string{"sum"}))
		last = "sum"
	}
	if tc.relu6 {
		g.inits = append(g.inits, f32("lo", nil, 0), f32("hi", nil, 6))
		g.nodes = append(g.nodes, node("Clip", []string{last, "lo", "hi"}, []string{"act"}))
		last = "act"
	}
	g.outputs = []string{last}
	return g, x, res
}

func randTensor(r *rand.Rand, shape ...int) *Tensor {
	v := make([]float32, numElems(shape))
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return NewFloat32(shape, v)
}

func convCases() []convSpecCase {
	return []convSpecCase{
		{name: "pointwise", n: 1, c: 20, h: 13, w: 11, m: 37, kh: 1, kw: 1, group: 1},
		{name: "pointwise-res", n: 1, c: 24, h: 12, w: 12, m: 24, kh: 1, kw: 1, group: 1, residual: true},
		{name: "pointwise-relu6-batch", n: 2, c: 16, h: 9, w: 10, m: 96, kh: 1, kw: 1, group: 1, relu6: true},
		{name: "pointwise-res-relu6", n: 1, c: 32, h: 7, w: 7, m: 32, kh: 1, kw: 1, group: 1, residual: true, relu6: true},
		{name: "stem", n: 1, c: 3, h: 32, w: 32, m: 32, kh: 3, kw: 3, group: 1, strides: []int64{2, 2}, pads: []int64{0, 0, 1, 1}, relu6: true},
		{name: "dense-dilated", n: 1, c: 5, h: 15, w: 14, m: 9, kh: 3, kw: 2, group: 1, strides: []int64{1, 2}, pads: []int64{2, 1, 2, 0}, dil: []int64{2, 1}},
		{name: "dense-res", n: 2, c: 4, h: 8, w: 8, m: 6, kh: 3, kw: 3, group: 1, pads: []int64{1, 1, 1, 1}, residual: true},
		{name: "depthwise-s1", n: 1, c: 19, h: 24, w: 24, m: 19, kh: 3, kw: 3, group: 19, pads: []int64{1, 1, 1, 1}, relu6: true},
		{name: "depthwise-s2-same", n: 1, c: 8, h: 48, w: 48, m: 8, kh: 3, kw: 3, group: 8, strides: []int64{2, 2}, pads: []int64{0, 0, 1, 1}, relu6: true},
		{name: "depthwise-rows-res-batch", n: 2, c: 6, h: 40, w: 33, m: 6, kh: 3, kw: 3, group: 6, pads: []int64{1, 1, 1, 1}, residual: true, relu6: true},
		{name: "depthwise-rows-s2", n: 1, c: 3, h: 70, w: 66, m: 3, kh: 3, kw: 3, group: 3, strides: []int64{2, 2}, pads: []int64{0, 0, 1, 1}},
		{name: "depthwise-res-batch", n: 2, c: 5, h: 6, w: 7, m: 5, kh: 3, kw: 3, group: 5, pads: []int64{1, 1, 1, 1}, residual: true},
		{name: "grouped-fallback", n: 1, c: 8, h: 6, w: 6, m: 4, kh: 3, kw: 3, group: 2, pads: []int64{1, 1, 1, 1}},
		{name: "depthwise-5x5", n: 1, c: 4, h: 9, w: 9, m: 4, kh: 5, kw: 5, group: 4, pads: []int64{2, 2, 2, 2}, relu6: true},
		{name: "depthwise-5x5-s2-res", n: 2, c: 5, h: 20, w: 19, m: 5, kh: 5, kw: 5, group: 5, strides: []int64{2, 2}, pads: []int64{1, 1, 2, 2}, residual: true},
		{name: "depthwise-5x5-rows", n: 1, c: 3, h: 64, w: 40, m: 3, kh: 5, kw: 5, group: 3, pads: []int64{2, 2, 2, 2}, relu6: true},
		{name: "depthwise-7x7-fallback", n: 1, c: 4, h: 9, w: 9, m: 4, kh: 7, kw: 7, group: 4, pads: []int64{3, 3, 3, 3}},
	}
}

// runConvCase loads and runs a case with the fast paths on or off.
func runConvCase(t *testing.T, tc convSpecCase, fast bool, threads int) *Tensor {
	t.Helper()
	saved := fastConvEnabled
	fastConvEnabled = fast
	defer func() { fastConvEnabled = saved }()
	r := rand.New(rand.NewPCG(11, uint64(len(tc.name))))
	g, x, _ := tc.spec(r)
	inputs := []*Tensor{x}
	if tc.residual {
		// Output shape of the conv, computed the ONNX way.
		ph, pw := int64(0), int64(0)
		if tc.pads != nil {
			ph, pw = tc.pads[0]+tc.pads[2], tc.pads[1]+tc.pads[3]
		}
		sh, sw, dh, dw := int64(1), int64(1), int64(1), int64(1)
		if tc.strides != nil {
			sh, sw = tc.strides[0], tc.strides[1]
		}
		if tc.dil != nil {
			dh, dw = tc.dil[0], tc.dil[1]
		}
		oh := (int64(tc.h)+ph-dh*int64(tc.kh-1)-1)/sh + 1
		ow := (int64(tc.w)+pw-dw*int64(tc.kw-1)-1)/sw + 1
		g.inputs[1] = in("res", onnxpb.Float, int64(tc.n), int64(tc.m), oh, ow)
		inputs = append(inputs, randTensor(r, tc.n, tc.m, int(oh), int(ow)))
	}
	return runModel(t, loadSpec(t, g, WithThreads(threads)), inputs...)[0]
}

func TestFastConvMatchesPureGo(t *testing.T) {
	for _, tc := range convCases() {
		for _, threads := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/threads%d", tc.name, threads), func(t *testing.T) {
				want := runConvCase(t, tc, false, 1)
				got := runConvCase(t, tc, true, threads)
				wantTensor(t, got, want, 1e-4)
			})
		}
	}
}

func TestFastConvPlansTheRightPath(t *testing.T) {
	want := map[string]fastKind{
		"pointwise": fastPointwise, "stem": fastIm2col, "dense-dilated": fastIm2col,
		"depthwise-s1": fastDepthwise, "depthwise-s2-same": fastDepthwise,
		"depthwise-5x5": fastDepthwise, "depthwise-5x5-s2-res": fastDepthwise,
		"grouped-fallback": 0, "depthwise-7x7-fallback": 0,
	}
	for _, tc := range convCases() {
		kind, ok := want[tc.name]
		if !ok {
			continue
		}
		cpg := tc.c / tc.group
		g := convGeom{N: tc.n, C: tc.c, H: tc.h, W: tc.w, M: tc.m, KH: tc.kh, KW: tc.kw, SH: 1, SW: 1, DH: 1, DW: 1, Group: tc.group}
		if tc.strides != nil {
			g.SH, g.SW = int(tc.strides[0]), int(tc.strides[1])
		}
		if tc.dil != nil {
			g.DH, g.DW = int(tc.dil[0]), int(tc.dil[1])
		}
		if tc.pads != nil {
			g.PT, g.PL, g.PB, g.PR = int(tc.pads[0]), int(tc.pads[1]), int(tc.pads[2]), int(tc.pads[3])
		}
		g.OH = (g.H+g.PT+g.PB-g.DH*(g.KH-1)-1)/g.SH + 1
		g.OW = (g.W+g.PL+g.PR-g.DW*(g.KW-1)-1)/g.SW + 1
		f := planFastConv(&g, make([]float32, tc.m*cpg*tc.kh*tc.kw), make([]float32, tc.m))
		var got fastKind
		if f != nil {
			got = f.kind
		}
		if got != kind {
			t.Errorf("%s: planned path %d, want %d", tc.name, got, kind)
		}
	}
}

func TestFastConvSteadyStateAllocs(t *testing.T) {
	for _, name := range []string{"pointwise-res-relu6", "stem", "depthwise-s2-same"} {
		var tc convSpecCase
		for _, c := range convCases() {
			if c.name == name {
				tc = c
			}
		}
		r := rand.New(rand.NewPCG(1, 2))
		g, x, _ := tc.spec(r)
		inputs := []*Tensor{x}
		if tc.residual {
			g.inputs[1] = in("res", onnxpb.Float, int64(tc.n), int64(tc.m), int64(tc.h), int64(tc.w))
			inputs = append(inputs, randTensor(r, tc.n, tc.m, tc.h, tc.w))
		}
		s := loadSpec(t, g, WithThreads(2)).NewSession()
		ctx := context.Background()
		if _, err := s.Run(ctx, inputs...); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(20, func() { _, _ = s.Run(ctx, inputs...) }); n != 0 {
			t.Errorf("%s: Run allocates %v times per call", name, n)
		}
		s.Close()
	}
}
