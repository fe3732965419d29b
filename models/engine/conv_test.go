package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

func TestConvHandComputed(t *testing.T) { runCases(t, convHandCases()) }

func convHandCases() []opCase {
	x := []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 1, 3, 3)}
	xv := fT(sh(1, 1, 3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9)
	w := f32("w", dims(1, 1, 2, 2), 1, 0, 0, 1)
	b := f32("b", dims(1), 1)
	return []opCase{
		{name: "valid", g: single("Conv", []string{"x", "w"}, []string{"y"}, x, []onnxpb.Tensor{w}),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(1, 1, 2, 2), 6, 8, 12, 14)}},
		{name: "bias", g: single("Conv", []string{"x", "w", "b"}, []string{"y"}, x, []onnxpb.Tensor{w, b}),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(1, 1, 2, 2), 7, 9, 13, 15)}},
		{name: "asymmetric pads", g: single("Conv", []string{"x", "w"}, []string{"y"}, x, []onnxpb.Tensor{w}, onnxpb.IntsAttr("pads", 0, 0, 1, 1)),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(1, 1, 3, 3), 6, 8, 3, 12, 14, 6, 7, 8, 9)}},
		{name: "stride 2 asymmetric pads", g: single("Conv", []string{"x", "w"}, []string{"y"}, x, []onnxpb.Tensor{w}, onnxpb.IntsAttr("pads", 0, 0, 1, 1), onnxpb.IntsAttr("strides", 2, 2)),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(1, 1, 2, 2), 6, 3, 7, 9)}},
		{name: "SAME_UPPER stride 2", g: single("Conv", []string{"x", "w"}, []string{"y"}, x, []onnxpb.Tensor{w}, onnxpb.StringAttr("auto_pad", "SAME_UPPER"), onnxpb.IntsAttr("strides", 2, 2)),
			inputs: []*Tensor{xv}, want: []*Tensor{fT(sh(1, 1, 2, 2), 6, 3, 7, 9)}},
		{name: "grouped 1x1", g: single("Conv", []string{"x", "w"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 2, 2, 2)}, []onnxpb.Tensor{f32("w", dims(2, 1, 1, 1), 2, -1)}, onnxpb.IntAttr("group", 2)),
			inputs: []*Tensor{fT(sh(1, 2, 2, 2), 1, 2, 3, 4, 5, 6, 7, 8)}, want: []*Tensor{fT(sh(1, 2, 2, 2), 2, 4, 6, 8, -5, -6, -7, -8)}},
		{name: "pointwise two channels", g: single("Conv", []string{"x", "w", "b"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 2, 1, 2)},
			[]onnxpb.Tensor{f32("w", dims(3, 2, 1, 1), 1, 1, 1, -1, 0, 2), f32("b", dims(3), 0, 0, 0.5)}),
			inputs: []*Tensor{fT(sh(1, 2, 1, 2), 1, 2, 10, 20)}, want: []*Tensor{fT(sh(1, 3, 1, 2), 11, 22, -9, -18, 20.5, 40.5)}},
	}
}

// refConv is the textbook definition of ONNX Conv, the oracle for the
// engine's kernels.
func refConv(x []float32, g convGeom, w, b []float32) []float32 {
	y := make([]float32, g.N*g.M*g.OH*g.OW)
	cpg, mpg := g.C/g.Group, g.M/g.Group
	for n := 0; n < g.N; n++ {
		for m := 0; m < g.M; m++ {
			grp := m / mpg
			for oy := 0; oy < g.OH; oy++ {
				for ox := 0; ox < g.OW; ox++ {
					var s float64
					if b != nil {
						s = float64(b[m])
					}
					for ci := 0; ci < cpg; ci++ {
						c := grp*cpg + ci
						for ky := 0; ky < g.KH; ky++ {
							for kx := 0; kx < g.KW; kx++ {
								iy, ix := oy*g.SH-g.PT+ky*g.DH, ox*g.SW-g.PL+kx*g.DW
								if iy < 0 || iy >= g.H || ix < 0 || ix >= g.W {
									continue
								}
								s += float64(x[((n*g.C+c)*g.H+iy)*g.W+ix]) * float64(w[((m*cpg+ci)*g.KH+ky)*g.KW+kx])
							}
						}
					}
					y[((n*g.M+m)*g.OH+oy)*g.OW+ox] = float32(s)
				}
			}
		}
	}
	return y
}

func randSlice(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// TestConvDifferential compares every conv path, with fused epilogues,
// against refConv on random shapes.
func TestConvDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	type geo struct {
		n, c, h, w, m, k, s, d, group int
		pads                          [4]int
	}
	cases := []geo{
		{1, 24, 13, 11, 40, 1, 1, 1, 1, [4]int{}},            // pointwise, odd sizes, > one tile
		{2, 7, 5, 9, 5, 1, 1, 1, 1, [4]int{}},                // pointwise, batch 2
		{1, 1, 300, 3, 33, 1, 1, 1, 1, [4]int{}},             // pointwise, > one column block
		{1, 16, 12, 12, 16, 3, 1, 1, 16, [4]int{1, 1, 1, 1}}, // depthwise 3x3
		{1, 16, 12, 12, 16, 3, 2, 1, 16, [4]int{0, 0, 1, 1}}, // depthwise stride 2, TF SAME
		{1, 8, 9, 7, 8, 3, 2, 1, 8, [4]int{1, 1, 1, 1}},      // depthwise stride 2, odd
		{1, 3, 15, 14, 8, 3, 2, 1, 1, [4]int{0, 0, 1, 1}},    // first MobileNet layer
		{1, 6, 8, 8, 4, 3, 1, 2, 2, [4]int{2, 1, 2, 0}},      // grouped, dilated
		{1, 4, 6, 5, 6, 2, 1, 1, 1, [4]int{0, 1, 1, 0}},      // even kernel
		{1, 5, 7, 7, 3, 1, 2, 1, 1, [4]int{}},                // strided 1x1 (direct path)
	}
	for _, fusion := range []string{"none", "relu6", "residual", "residual+relu"} {
		for i, gc := range cases {
			t.Run(fmt.Sprintf("%s/%d", fusion, i), func(t *testing.T) {
				g := convGeom{N: gc.n, C: gc.c, H: gc.h, W: gc.w, M: gc.m, KH: gc.k, KW: gc.k, SH: gc.s, SW: gc.s, DH: gc.d, DW: gc.d,
					PT: gc.pads[0], PL: gc.pads[1], PB: gc.pads[2], PR: gc.pads[3], Group: gc.group}
				g.OH = (g.H+g.PT+g.PB-g.DH*(g.KH-1)-1)/g.SH + 1
				g.OW = (g.W+g.PL+g.PR-g.DW*(g.KW-1)-1)/g.SW + 1
				x := randSlice(r, g.N*g.C*g.H*g.W)
				w := randSlice(r, g.M*g.C/g.Group*g.KH*g.KW)
				b := randSlice(r, g.M)
				res := randSlice(r, g.N*g.M*g.OH*g.OW)
				want := refConv(x, g, w, b)
				yshape := []int64{int64(g.N), int64(g.M), int64(g.OH), int64(g.OW)}
				spec := graphSpec{
					nodes: []onnxpb.Node{node("Conv", []string{"x", "w", "b"}, []string{"c"},
						onnxpb.IntsAttr("strides", int64(g.SH), int64(g.SW)), onnxpb.IntsAttr("dilations", int64(g.DH), int64(g.DW)),
						onnxpb.IntsAttr("pads", int64(g.PT), int64(g.PL), int64(g.PB), int64(g.PR)), onnxpb.IntAttr("group", int64(g.Group)))},
					inits: []onnxpb.Tensor{
						f32("w", dims(int64(g.M), int64(g.C/g.Group), int64(g.KH), int64(g.KW)), w...),
						f32("b", dims(int64(g.M)), b...),
						f32("lo", nil, 0), f32("hi", nil, 6),
					},
					inputs: []onnxpb.ValueInfo{in("x", onnxpb.Float, int64(g.N), int64(g.C), int64(g.H), int64(g.W)), in("r", onnxpb.Float, yshape...)},
				}
				out := "c"
				switch fusion {
				case "relu6":
					spec.nodes = append(spec.nodes, node("Clip", []string{"c", "lo", "hi"}, []string{"y"}))
					for j := range want {
						want[j] = min(max(want[j], 0), 6)
					}
					out = "y"
				case "residual", "residual+relu":
					spec.nodes = append(spec.nodes, node("Add", []string{"r", "c"}, []string{"y"}))
					for j := range want {
						want[j] += res[j]
					}
					out = "y"
					if fusion == "residual+relu" {
						spec.nodes = append(spec.nodes, node("Relu", []string{"y"}, []string{"z"}))
						for j := range want {
							want[j] = max(want[j], 0)
						}
						out = "z"
					}
				}
				spec.outputs = []string{out}
				m := loadSpec(t, spec, WithThreads(2))
				if fusion != "none" && len(m.plan.ops) != 1 {
					t.Errorf("plan has %d operations after fusion, want 1", len(m.plan.ops))
				}
				s := m.NewSession()
				defer s.Close()
				got, err := s.Run(context.Background(), NewFloat32([]int{g.N, g.C, g.H, g.W}, x), NewFloat32(intsOf(yshape), res))
				if err != nil {
					t.Fatal(err)
				}
				for j := range want {
					if d := math.Abs(float64(got[0].F32[j] - want[j])); d > 1e-4*math.Max(1, math.Abs(float64(want[j]))) {
						t.Fatalf("element %d = %v, want %v", j, got[0].F32[j], want[j])
					}
				}
			})
		}
	}
}

func intsOf(d []int64) []int {
	v := make([]int, len(d))
	for i, x := range d {
		v[i] = int(x)
	}
	return v
}

// TestFuseResidualComputedLater checks that a convolution whose residual is
// computed after it in file order still absorbs the Add (by moving to the
// Add's place) and gives the same result.
func TestFuseResidualComputedLater(t *testing.T) {
	g := graphSpec{
		nodes: []onnxpb.Node{
			node("Conv", []string{"x", "w"}, []string{"c"}),
			node("Neg", []string{"x"}, []string{"r"}),
			node("Add", []string{"c", "r"}, []string{"y"}),
		},
		inits:   []onnxpb.Tensor{f32("w", dims(1, 1, 1, 1), 3)},
		inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 1, 1, 3)},
		outputs: []string{"y"},
	}
	m := loadSpec(t, g)
	if len(m.plan.ops) != 2 || m.plan.ops[1].op != "Conv" {
		t.Errorf("plan %v, want Neg then the fused Conv", opNames(m.plan.ops))
	}
	out := runSpec(t, g, fT(sh(1, 1, 1, 3), 1, 2, 3))
	wantTensor(t, out[0], fT(sh(1, 1, 1, 3), 2, 4, 6), 0)
}

func opNames(ops []*opNode) []string {
	var s []string
	for _, on := range ops {
		s = append(s, on.op)
	}
	return s
}

// TestPadFusesIntoConv: a zero Pad of the spatial axes read only by a
// convolution becomes the convolution's own padding (BlazePose's Pad before
// its stride-2 depthwise and stem convolutions), on every conv path, with
// the same result as the padded copy.
func TestPadFusesIntoConv(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	cases := []struct {
		name          string
		c, m, k, s, g int
		pads          []int64 // N, C, H, W begins then ends
	}{
		{"depthwise 5x5 s2", 6, 6, 5, 2, 6, []int64{0, 0, 1, 1, 0, 0, 2, 2}},
		{"depthwise 3x3 s2", 4, 4, 3, 2, 4, []int64{0, 0, 0, 0, 0, 0, 1, 1}},
		{"stem 3x3 s2", 3, 8, 3, 2, 1, []int64{0, 0, 0, 1, 0, 0, 1, 0}},
		{"pointwise gets pads", 5, 7, 1, 1, 1, []int64{0, 0, 1, 0, 0, 0, 0, 2}},
		{"two readers", 4, 4, 3, 2, 4, []int64{0, 0, 1, 1, 0, 0, 1, 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const h, w = 11, 12
			wt := f32("w", dims(int64(tc.m), int64(tc.c/tc.g), int64(tc.k), int64(tc.k)), randSlice(r, tc.m*tc.c/tc.g*tc.k*tc.k)...)
			two := tc.name == "two readers"
			spec := func(padOut bool) graphSpec {
				g := graphSpec{
					nodes: []onnxpb.Node{
						node("Pad", []string{"x", "pads"}, []string{"p"}),
						node("Conv", []string{"p", "w"}, []string{"y"}, onnxpb.IntAttr("group", int64(tc.g)),
							onnxpb.IntsAttr("strides", int64(tc.s), int64(tc.s))),
					},
					inits:   []onnxpb.Tensor{wt, i64("pads", dims(8), tc.pads...)},
					inputs:  []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, int64(tc.c), h, w)},
					outputs: []string{"y"},
				}
				if two { // a second convolution of the same padded tensor
					g.nodes = append(g.nodes, node("Conv", []string{"p", "w"}, []string{"y2"}, onnxpb.IntAttr("group", int64(tc.g))))
					g.outputs = append(g.outputs, "y2")
				}
				if padOut { // the padded copy is needed: no fusion
					g.outputs = append(g.outputs, "p")
				}
				return g
			}
			x := randTensor(r, 1, tc.c, h, w)
			fused := loadSpec(t, spec(false), WithThreads(2))
			wantPlan := []string{"Conv"}
			if two {
				wantPlan = []string{"Conv", "Conv"}
			}
			if got := opNames(fused.plan.ops); !slices.Equal(got, wantPlan) {
				t.Errorf("plan %v, want %v", got, wantPlan)
			}
			if two {
				wantTensor(t, runModel(t, fused, x)[1], runSpec(t, spec(true), x)[1], 1e-5)
			}
			got := runModel(t, fused, x)[0]
			want := runSpec(t, spec(true), x)[0]
			wantTensor(t, got, want, 1e-5)
		})
	}
}
