package convert

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	tt "github.com/kneescreen/kneescreen/models/tfjs/tfjstest"
)

// nhwc4 is a small NHWC float64 tensor for the oracles below.
type nhwc4 struct {
	n, h, w, c int
	v          []float64
}

func (t *nhwc4) at(b, y, x, ch int) float64 { return t.v[((b*t.h+y)*t.w+x)*t.c+ch] }

// TestSpatialOps converts Pad → MaxPool → DepthToSpace and AvgPool after
// a convolution (so they run in NCHW inside the ONNX graph) and checks the
// values against TF's NHWC definitions.
func TestSpatialOps(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const h, w, c = 5, 6, 8
	b := &tt.Builder{}
	b.Placeholder("x", "DT_FLOAT", 1, h, w, c)
	f := randFloats(r, c*c)
	b.ConstF("f", []int{1, 1, c, c}, f, false)
	b.Node("conv", "Conv2D", []string{"x", "f"}, attrs{"padding": tt.S("VALID")})
	b.ConstI("paddings", []int{4, 2}, 0, 0, 1, 0, 0, 2, 0, 0)
	b.Node("pad", "Pad", []string{"conv", "paddings"}, nil)
	b.Node("max", "MaxPool", []string{"pad"}, attrs{"ksize": tt.Ints(1, 2, 2, 1), "strides": tt.Ints(1, 2, 2, 1), "padding": tt.S("VALID")})
	b.Node("d2s", "DepthToSpace", []string{"max"}, attrs{"block_size": tt.I(2)})
	b.Node("avg", "AvgPool", []string{"conv"}, attrs{"ksize": tt.Ints(1, 3, 3, 1), "strides": tt.Ints(1, 2, 2, 1), "padding": tt.S("SAME")})
	b.Output("d2s:0")
	b.Output("avg:0")
	om := mustBuild(t, b)
	if n := len(nodesOf(om, "Transpose")); n != 3 {
		t.Errorf("%d Transpose nodes, want 3 (the input and the two outputs): the spatial ops should stay NCHW", n)
	}
	x := randFloats(r, h*w*c)
	xt := floats([]int{1, h, w, c})
	for _, v := range x {
		xt.f = append(xt.f, float64(v))
	}
	env := run(t, om, map[string]*tv{"x": xt})

	cv, _ := tfConv(x, []int{1, h, w, c}, f, []int{1, 1, c, c}, nil, [2]int{1, 1}, [2]int{0, 0}, false, "")
	conv := &nhwc4{1, h, w, c, cv}
	// Pad: one row above, two columns to the right.
	ph, pw := h+1, w+2
	padded := &nhwc4{1, ph, pw, c, make([]float64, ph*pw*c)}
	for y := 0; y < h; y++ {
		for xx := 0; xx < w; xx++ {
			for ch := 0; ch < c; ch++ {
				padded.v[((y+1)*pw+xx)*c+ch] = conv.at(0, y, xx, ch)
			}
		}
	}
	mh, mw := ph/2, pw/2
	mx := &nhwc4{1, mh, mw, c, make([]float64, mh*mw*c)}
	for y := 0; y < mh; y++ {
		for xx := 0; xx < mw; xx++ {
			for ch := 0; ch < c; ch++ {
				m := math.Inf(-1)
				for i := 0; i < 2; i++ {
					for j := 0; j < 2; j++ {
						m = math.Max(m, padded.at(0, 2*y+i, 2*xx+j, ch))
					}
				}
				mx.v[(y*mw+xx)*c+ch] = m
			}
		}
	}
	// TF depth_to_space: out[y*2+i, x*2+j, k] = in[y, x, (i*2+j)*C' + k].
	oc := c / 4
	var d2s []float64
	for y := 0; y < mh*2; y++ {
		for xx := 0; xx < mw*2; xx++ {
			for k := 0; k < oc; k++ {
				d2s = append(d2s, mx.at(0, y/2, xx/2, ((y%2)*2+xx%2)*oc+k))
			}
		}
	}
	closeTo(t, "d2s", env["d2s"], d2s, []int{1, mh * 2, mw * 2, oc}, 1e-9)
	// AvgPool SAME 3x3 stride 2 on 5x6: outputs 3x3, padding (1, 1) split
	// as TF does (total 2 rows: 1 before; total 1 column: 0 before), the
	// padding never counted.
	var avg []float64
	for y := 0; y < 3; y++ {
		for xx := 0; xx < 3; xx++ {
			for ch := 0; ch < c; ch++ {
				s, n := 0.0, 0
				for i := 0; i < 3; i++ {
					for j := 0; j < 3; j++ {
						yy, xj := 2*y-1+i, 2*xx+j
						if yy >= 0 && yy < h && xj < w {
							s += conv.at(0, yy, xj, ch)
							n++
						}
					}
				}
				avg = append(avg, s/float64(n))
			}
		}
	}
	closeTo(t, "avg", env["avg"], avg, []int{1, 3, 3, c}, 1e-9)
}

// TestShapeArithmetic converts Keras's dynamic-batch reshape: Shape,
// StridedSlice (batch), Pack with constants, Reshape; with an input batch of
// -1, which the converter fixes at 1. The shape ops fold into a constant.
func TestShapeArithmetic(t *testing.T) {
	b := &tt.Builder{}
	b.Placeholder("x", "DT_FLOAT", -1, 2, 3, 4)
	b.Node("shape", "Shape", []string{"x"}, attrs{"out_type": tt.Type("DT_INT32")})
	b.ConstI("begin", []int{1}, 0)
	b.ConstI("end", []int{1}, 1)
	b.ConstI("stride", []int{1}, 1)
	b.Node("batch", "StridedSlice", []string{"shape", "begin", "end", "stride"}, attrs{"shrink_axis_mask": tt.I(1)})
	b.ConstI("six", nil, 6)
	b.ConstI("four", nil, 4)
	b.Node("target", "Pack", []string{"batch", "six", "four"}, attrs{"axis": tt.I(0)})
	b.Node("y", "Reshape", []string{"x", "target"}, nil)
	b.Output("y:0")
	om := mustBuild(t, b)
	if got := om.Graph.Inputs[0].Shape; !slices.Equal(got, []int64{1, 2, 3, 4}) {
		t.Errorf("input shape %v, want [1 2 3 4]", got)
	}
	for _, op := range []string{"Shape", "Slice", "Concat", "Unsqueeze"} {
		if len(nodesOf(om, op)) > 0 {
			t.Errorf("the graph has a %s node; the shape arithmetic should be constant", op)
		}
	}
	x := floats([]int{1, 2, 3, 4})
	for i := 0; i < 24; i++ {
		x.f = append(x.f, float64(i))
	}
	env := run(t, om, map[string]*tv{"x": x})
	closeTo(t, "y", env["y"], x.f, []int{1, 6, 4}, 0)
}

// TestStridedSliceConstants checks the constant evaluation of StridedSlice
// against hand-worked slices: masks, negative indices and strides.
func TestStridedSliceConstants(t *testing.T) {
	cases := []struct {
		name               string
		begin, end, stride []int32
		bm, em, sm         int64
		want               []int64
		shape              []int
	}{
		{"middle", []int32{1}, []int32{4}, []int32{1}, 0, 0, 0, []int64{11, 12, 13}, []int{3}},
		{"step 2 to end", []int32{1}, []int32{0}, []int32{2}, 0, 1, 0, []int64{11, 13, 15}, []int{3}},
		{"negative", []int32{-2}, []int32{0}, []int32{1}, 0, 1, 0, []int64{14, 15}, []int{2}},
		{"reverse", []int32{0}, []int32{0}, []int32{-1}, 1, 1, 0, []int64{15, 14, 13, 12, 11, 10}, []int{6}},
		{"shrink last", []int32{-1}, []int32{0}, []int32{1}, 0, 0, 1, []int64{15}, []int{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := &tt.Builder{}
			b.Placeholder("x", "DT_INT32", 1)
			b.ConstI("v", []int{6}, 10, 11, 12, 13, 14, 15)
			b.ConstI("b", []int{1}, c.begin...)
			b.ConstI("e", []int{1}, c.end...)
			b.ConstI("s", []int{1}, c.stride...)
			b.Node("sl", "StridedSlice", []string{"v", "b", "e", "s"}, attrs{"begin_mask": tt.I(int(c.bm)), "end_mask": tt.I(int(c.em)), "shrink_axis_mask": tt.I(int(c.sm))})
			b.Node("y", "AddV2", []string{"sl", "x"}, nil)
			b.Output("y:0")
			env := run(t, mustBuild(t, b), map[string]*tv{"x": ints([]int{1}, 0)})
			got := env["y"]
			shape := c.shape
			if len(shape) == 0 {
				shape = []int{1} // broadcast against x
			}
			if !slices.Equal(got.shape, shape) || !slices.Equal(got.i, c.want) {
				t.Errorf("got %v %v, want %v %v", got.shape, got.i, shape, c.want)
			}
		})
	}
}

// TestPadOfImageIsNCHW: padding the NHWC input image happens after its
// transpose to NCHW, right before the convolution that reads it (so the
// engine can fold the Pad into the convolution), and computes TF's result.
func TestPadOfImageIsNCHW(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	b := &tt.Builder{}
	b.Placeholder("x", "DT_FLOAT", 1, 4, 4, 2)
	b.ConstI("paddings", []int{4, 2}, 0, 0, 0, 1, 0, 1, 0, 0)
	b.Node("pad", "Pad", []string{"x", "paddings"}, nil)
	f := randFloats(r, 3*3*2*3)
	b.ConstF("f", []int{3, 3, 2, 3}, f, false)
	b.Node("y", "Conv2D", []string{"pad", "f"}, attrs{"strides": tt.Ints(1, 2, 2, 1), "padding": tt.S("VALID")})
	b.Output("y:0")
	om := mustBuild(t, b)
	pads := nodesOf(om, "Pad")
	if len(pads) != 1 || pads[0].Inputs[0] != "x/nchw" {
		t.Fatalf("Pad nodes %+v, want one reading the transposed input x/nchw", pads)
	}
	if p := initializer(om, pads[0].Inputs[1]); p == nil || !slices.Equal(fromInit(*p).i, []int64{0, 0, 0, 0, 0, 0, 1, 1}) {
		t.Errorf("pads %+v, want NCHW order [0 0 0 0 0 0 1 1]", p)
	}
	x := randFloats(r, 32)
	xt := floats([]int{1, 4, 4, 2})
	for _, v := range x {
		xt.f = append(xt.f, float64(v))
	}
	env := run(t, om, map[string]*tv{"x": xt})
	// Padding 1 after along H and W, then a VALID 3x3 stride 2 conv, is
	// TF's SAME for this size: (0 before, 1 after).
	want, shape := tfConv(x, []int{1, 4, 4, 2}, f, []int{3, 3, 2, 3}, nil, [2]int{2, 2}, [2]int{0, 0}, false, "")
	closeTo(t, "y", env["y"], want, shape, 1e-9)
}
