package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

// expandDWCase is a 1x1 expansion (+ Clip 0..6) followed by a k x k
// depthwise convolution [+ Add residual] [+ Clip 0..6].
type expandDWCase struct {
	name              string
	n, c, m, h, w     int
	k, stride         int
	pads              [4]int64
	residual, dwClamp bool
}

func (tc expandDWCase) spec(r *rand.Rand) (graphSpec, []*Tensor) {
	rnd := func(n int, scale float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64() * scale)
		}
		return v
	}
	s := int64(tc.stride)
	oh := (tc.h+int(tc.pads[0]+tc.pads[2])-tc.k)/tc.stride + 1
	ow := (tc.w+int(tc.pads[1]+tc.pads[3])-tc.k)/tc.stride + 1
	g := graphSpec{
		inits: []onnxpb.Tensor{
			f32("W1", dims(int64(tc.m), int64(tc.c), 1, 1), rnd(tc.m*tc.c, 1/math.Sqrt(float64(tc.c)))...),
			f32("B1", dims(int64(tc.m)), rnd(tc.m, 1)...),
			f32("W2", dims(int64(tc.m), 1, int64(tc.k), int64(tc.k)), rnd(tc.m*tc.k*tc.k, 1/float64(tc.k))...),
			f32("B2", dims(int64(tc.m)), rnd(tc.m, 1)...),
			f32("lo", nil, 0), f32("hi", nil, 6),
		},
		inputs: []onnxpb.ValueInfo{in("x", onnxpb.Float, int64(tc.n), int64(tc.c), int64(tc.h), int64(tc.w))},
		nodes: []onnxpb.Node{
			node("Conv", []string{"x", "W1", "B1"}, []string{"e"}, onnxpb.IntsAttr("kernel_shape", 1, 1)),
			node("Clip", []string{"e", "lo", "hi"}, []string{"ec"}),
			node("Conv", []string{"ec", "W2", "B2"}, []string{"d"}, onnxpb.IntAttr("group", int64(tc.m)),
				onnxpb.IntsAttr("kernel_shape", int64(tc.k), int64(tc.k)), onnxpb.IntsAttr("strides", s, s), onnxpb.IntsAttr("pads", tc.pads[:]...)),
		},
	}
	inputs := []*Tensor{randTensor(r, tc.n, tc.c, tc.h, tc.w)}
	last := "d"
	if tc.residual {
		g.inputs = append(g.inputs, in("res", onnxpb.Float, int64(tc.n), int64(tc.m), int64(oh), int64(ow)))
		g.nodes = append(g.nodes, node("Add", []string{last, "res"}, []string{"sum"}))
		inputs = append(inputs, randTensor(r, tc.n, tc.m, oh, ow))
		last = "sum"
	}
	if tc.dwClamp {
		g.nodes = append(g.nodes, node("Clip", []string{last, "lo", "hi"}, []string{"act"}))
		last = "act"
	}
	g.outputs = []string{last}
	return g, inputs
}

func expandDWCases() []expandDWCase {
	same2 := [4]int64{0, 0, 1, 1}
	same1 := [4]int64{1, 1, 1, 1}
	return []expandDWCase{
		// MoveNet Lightning's fused blocks.
		{name: "lightning-96x96-s2", n: 1, c: 16, m: 96, h: 96, w: 96, k: 3, stride: 2, pads: same2, dwClamp: true},
		{name: "lightning-48x48-s1", n: 1, c: 24, m: 144, h: 48, w: 48, k: 3, stride: 1, pads: same1, dwClamp: true},
		{name: "lightning-48x48-s2", n: 1, c: 24, m: 144, h: 48, w: 48, k: 3, stride: 2, pads: same2, dwClamp: true},
		// Odd shapes: one row, one column, odd sizes, rows not a
		// multiple of any band, asymmetric pads, batches, residuals,
		// 5x5.
		{name: "one-row-s1", n: 1, c: 3, m: 10, h: 1, w: 37, k: 3, stride: 1, pads: same1, dwClamp: true},
		{name: "one-row-s2", n: 1, c: 3, m: 10, h: 1, w: 37, k: 3, stride: 2, pads: same1},
		{name: "one-column", n: 1, c: 5, m: 9, h: 23, w: 1, k: 3, stride: 1, pads: same1, dwClamp: true},
		{name: "odd-s2-batch", n: 2, c: 7, m: 20, h: 29, w: 31, k: 3, stride: 2, pads: same1, dwClamp: true},
		{name: "odd-s1-res-batch", n: 3, c: 6, m: 17, h: 19, w: 21, k: 3, stride: 1, pads: same1, residual: true, dwClamp: true},
		{name: "asymmetric-pads", n: 1, c: 8, m: 12, h: 26, w: 18, k: 3, stride: 1, pads: [4]int64{0, 2, 2, 0}},
		{name: "5x5-s2-res", n: 2, c: 4, m: 11, h: 33, w: 30, k: 5, stride: 2, pads: [4]int64{1, 1, 2, 2}, residual: true},
		{name: "5x5-s1", n: 1, c: 4, m: 13, h: 17, w: 40, k: 5, stride: 1, pads: [4]int64{2, 2, 2, 2}, dwClamp: true},
	}
}

// TestExpandDepthwiseFusionMatchesUnfused holds the fused expansion +
// depthwise convolutions to the bits of the two convolutions run one after
// the other, for bands of many sizes (down to one output row) and thread
// counts: the fusion must not change any output's arithmetic.
func TestExpandDepthwiseFusionMatchesUnfused(t *testing.T) {
	savedMin, savedBand := fuseExpandMinBytes, expandBandBytes
	defer func() { fuseExpandMinBytes, expandBandBytes = savedMin, savedBand }()
	fuseExpandMinBytes = 0
	for _, tc := range expandDWCases() {
		r := rand.New(rand.NewPCG(3, uint64(len(tc.name))))
		g, inputs := tc.spec(r)
		fuseExpandEnabled = false
		want := runModel(t, loadSpec(t, g, WithThreads(1)), inputs...)[0]
		fuseExpandEnabled = true
		if got := countFused(loadSpec(t, g)); got != 1 {
			t.Fatalf("%s: %d fused steps, want 1", tc.name, got)
		}
		// Band buffers of about 1, 2, 5 and many input rows of every
		// channel.
		row := 4 * tc.m * tc.w
		for _, band := range []int{1, 2 * row, 5 * row, 512 << 10} {
			expandBandBytes = band
			for _, threads := range []int{1, 2, 3} {
				t.Run(fmt.Sprintf("%s/band%d/threads%d", tc.name, band, threads), func(t *testing.T) {
					got := runModel(t, loadSpec(t, g, WithThreads(threads)), inputs...)[0]
					if len(got.F32) != len(want.F32) {
						t.Fatalf("%d outputs, want %d", len(got.F32), len(want.F32))
					}
					for i, v := range got.F32 {
						if math.Float32bits(v) != math.Float32bits(want.F32[i]) {
							t.Fatalf("output %d = %g (%#x), unfused %g (%#x)", i, v, math.Float32bits(v), want.F32[i], math.Float32bits(want.F32[i]))
						}
					}
				})
			}
		}
	}
}

// TestExpandDepthwiseFusionSkips checks the plan fuses only a pair it can:
// not when the expansion has another reader, nor when its output is small.
func TestExpandDepthwiseFusionSkips(t *testing.T) {
	tc := expandDWCases()[1]
	r := rand.New(rand.NewPCG(3, 4))
	g, _ := tc.spec(r)
	if got := countFused(loadSpec(t, g)); got != 1 {
		t.Errorf("Lightning's 48x48 block: %d fused steps, want 1", got)
	}
	g.outputs = append(g.outputs, "ec") // the expansion is also an output
	if got := countFused(loadSpec(t, g)); got != 0 {
		t.Errorf("expansion read twice: %d fused steps, want 0", got)
	}
	small := expandDWCases()[7]
	g, _ = small.spec(r)
	if got := countFused(loadSpec(t, g)); got != 0 {
		t.Errorf("%s: %d fused steps, want 0 below fuseExpandMinBytes", small.name, got)
	}
}

func countFused(m *Model) int {
	n := 0
	for _, on := range m.plan.ops {
		if _, ok := on.k.(*expandDWKernel); ok {
			n++
		}
	}
	return n
}
