package convert

import (
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/models/tfjs"
	tt "github.com/kneescreen/kneescreen/models/tfjs/tfjstest"
)

// fuzzSeed is a graph touching most converters: convolutions, resize,
// element-wise ops with constants and the index decoding ops.
func fuzzSeed() *tt.Builder {
	b := &tt.Builder{}
	b.Placeholder("input", "DT_INT32", 1, 4, 4, 2)
	b.ConstI("dim0", []int{}, 0)
	b.ConstF("scale", []int{1, 1, 1, 2}, []float32{0.5, 0.25}, true)
	b.ConstF("w", []int{3, 3, 2, 2}, make([]float32, 36), true)
	b.ConstF("dw", []int{3, 3, 2, 1}, make([]float32, 18), false)
	b.ConstF("bias", []int{2}, []float32{1, 2}, false)
	b.ConstI("size", []int{2}, 4, 4)
	b.ConstI("flat", []int{2}, 1, -1)
	b.ConstI("axis1", []int{}, 1)
	b.ConstI("four", []int{}, 4)
	b.ConstI("idx", []int{1, 2}, 0, 1)
	b.Node("cast", "Cast", []string{"input"}, attrs{"DstT": tt.Type("DT_FLOAT")})
	b.Node("un", "Unpack", []string{"cast"}, attrs{"axis": tt.I(0), "num": tt.I(1)})
	b.Node("ex", "ExpandDims", []string{"un", "dim0"}, nil)
	b.Node("mul", "Mul", []string{"ex", "scale"}, nil)
	b.Node("c", "_FusedConv2D", []string{"mul", "w", "bias"}, attrs{"strides": tt.Ints(1, 2, 2, 1), "padding": tt.S("SAME"),
		"fused_ops": tt.Strings("BiasAdd", "Relu6"), "num_args": tt.I(1)})
	b.Node("d", "FusedDepthwiseConv2dNative", []string{"c", "dw", "bias"}, attrs{"padding": tt.S("SAME"),
		"fused_ops": tt.Strings("BiasAdd", "Relu"), "num_args": tt.I(1)})
	b.Node("r", "ResizeBilinear", []string{"d", "size"}, attrs{"half_pixel_centers": tt.B(true)})
	b.Node("s", "Sigmoid", []string{"r"}, nil)
	b.Node("sq", "SquaredDifference", []string{"s", "mul"}, nil)
	b.Node("rt", "Sqrt", []string{"sq"}, nil)
	b.Node("q", "RealDiv", []string{"s", "rt"}, nil)
	b.Node("f", "Reshape", []string{"q", "flat"}, nil)
	b.Node("am", "ArgMax", []string{"f", "axis1"}, attrs{"output_type": tt.Type("DT_INT32")})
	b.Node("fd", "FloorDiv", []string{"am", "four"}, nil)
	b.Node("p", "Pack", []string{"fd", "am"}, attrs{"axis": tt.I(1)})
	b.Node("g", "GatherNd", []string{"q", "idx"}, nil)
	b.Node("cat", "ConcatV2", []string{"p", "p", "axis1"}, nil)
	b.Node("sqz", "Squeeze", []string{"g"}, nil)
	b.Node("Identity", "Identity", []string{"cat"}, nil)
	b.Output("Identity:0")
	b.Output("sqz:0")
	return b
}

func TestFuzzSeedConverts(t *testing.T) {
	om := mustBuild(t, fuzzSeed())
	if len(om.Graph.Outputs) != 2 {
		t.Fatalf("outputs %+v", om.Graph.Outputs)
	}
}

// FuzzConvert feeds mutated model.json documents to the reader and the
// converter: whatever the input, the result is a model or an error with the
// package prefix, never a panic.
func FuzzConvert(f *testing.F) {
	b := fuzzSeed()
	f.Add(b.JSON("model.bin"), b.Shard())
	f.Fuzz(func(t *testing.T, js, shard []byte) {
		m, err := tfjs.Parse(js, func(string) ([]byte, error) { return shard, nil })
		if err != nil {
			return
		}
		om, err := Convert(m)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "convert: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		om.Marshal()
	})
}
