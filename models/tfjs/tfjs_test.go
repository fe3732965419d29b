package tfjs_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/models/tfjs"
	"github.com/kneescreen/kneescreen/models/tfjs/tfjstest"
)

// TestFloat16ToFloat32 checks every one of the 65536 half-precision bit
// patterns against the value the IEEE 754 definition gives.
func TestFloat16ToFloat32(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		sign := 1.0
		if h&0x8000 != 0 {
			sign = -1
		}
		e, f := (h>>10)&0x1f, float64(h&0x3ff)
		var want float64
		switch {
		case e == 0x1f && f != 0:
			want = math.NaN()
		case e == 0x1f:
			want = math.Inf(int(sign))
		case e == 0:
			want = sign * f * math.Pow(2, -24)
		default:
			want = sign * (1 + f/1024) * math.Pow(2, float64(e-15))
		}
		got := tfjs.Float16ToFloat32(uint16(h))
		if math.IsNaN(want) {
			if !math.IsNaN(float64(got)) {
				t.Fatalf("%#04x: got %v, want NaN", h, got)
			}
			continue
		}
		if float64(got) != want || math.Signbit(float64(got)) != (sign < 0) {
			t.Fatalf("%#04x: got %v, want %v", h, got, want)
		}
		if back := tfjstest.Float32ToFloat16(got); back != uint16(h) {
			t.Fatalf("%#04x: round trip gave %#04x", h, back)
		}
	}
}

// TestFloat16MoveNetConstants checks the stored values the MoveNet notes
// quote for its float16 constants.
func TestFloat16MoveNetConstants(t *testing.T) {
	for _, c := range []struct {
		in   float32
		want float32
	}{
		{1 / 127.5, 0.0078430176},
		{1.8, 1.7998047},
		{1.0 / 48, 0.020828247},
		{1.0 / 64, 0.015625},
	} {
		got := tfjs.Float16ToFloat32(tfjstest.Float32ToFloat16(c.in))
		if math.Abs(float64(got-c.want)) > 1e-9 {
			t.Errorf("fp16(%v) = %.9g, want %.9g", c.in, got, c.want)
		}
	}
}

func sample() *tfjstest.Builder {
	b := &tfjstest.Builder{}
	b.Placeholder("x", "DT_FLOAT", 1, 2)
	b.ConstF("w", []int{2}, []float32{1.8, -0.5}, true)
	b.ConstF("v", []int{1, 2}, []float32{0.1, 3}, false)
	b.ConstI("k", []int{3}, 7, -1, 1<<30)
	b.Node("y", "AddV2", []string{"x", "w"}, map[string]tfjstest.Attr{"T": tfjstest.Type("DT_FLOAT")})
	b.Node("z", "_FusedConv2D", []string{"y", "v", "^k"}, map[string]tfjstest.Attr{
		"strides": tfjstest.Ints(1, 2, 2, 1), "padding": tfjstest.S("SAME"),
		"fused_ops": tfjstest.Strings("BiasAdd", "Relu6"), "epsilon": tfjstest.F(0.25),
		"use_cudnn_on_gpu": tfjstest.B(true),
	})
	b.Output("z:0")
	return b
}

func TestLoad(t *testing.T) {
	path, err := sample().Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m, err := tfjs.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Nodes) != 6 || len(m.Weights) != 3 {
		t.Fatalf("%d nodes, %d weights", len(m.Nodes), len(m.Weights))
	}
	w := m.Weights["w"]
	if w.DType != tfjs.Float32 || w.F[0] != 1.7998046875 || w.F[1] != -0.5 {
		t.Errorf("w = %v %v", w.DType, w.F)
	}
	if v := m.Weights["v"]; v.F[0] != 0.1 || v.F[1] != 3 || len(v.Shape) != 2 {
		t.Errorf("v = %v %v", v.Shape, v.F)
	}
	if k := m.Weights["k"]; k.DType != tfjs.Int32 || k.I[0] != 7 || k.I[1] != -1 || k.I[2] != 1<<30 {
		t.Errorf("k = %v", k.I)
	}
	z, ok := m.Node("z")
	if !ok {
		t.Fatal("no node z")
	}
	if got := z.Attr["fused_ops"].Ss; len(got) != 2 || got[1] != "Relu6" {
		t.Errorf("fused_ops = %q", got)
	}
	if got := z.Attr["strides"].Is; len(got) != 4 || got[1] != 2 {
		t.Errorf("strides = %v", got)
	}
	if z.Attr["padding"].S != "SAME" || z.Attr["epsilon"].F != 0.25 || !z.Attr["use_cudnn_on_gpu"].B {
		t.Errorf("attrs = %+v", z.Attr)
	}
	x, _ := m.Node("x")
	if s := x.Attr["shape"].Shape; len(s) != 2 || s[1] != 2 || x.Attr["dtype"].Type != "DT_FLOAT" {
		t.Errorf("x attrs = %+v", x.Attr)
	}
	if len(m.Outputs) != 1 || m.Outputs[0].Name != "z:0" {
		t.Errorf("outputs = %+v", m.Outputs)
	}
}

func TestParseErrors(t *testing.T) {
	good := sample()
	json, shard := string(good.JSON("model.bin")), good.Shard()
	cases := []struct {
		name  string
		json  string
		shard []byte
		want  string
	}{
		{"not json", "{", shard, "model.json"},
		{"no nodes", `{"format":"graph-model","modelTopology":{"node":[]}}`, shard, "no modelTopology"},
		{"layers model", `{"format":"layers-model","modelTopology":{"node":[{"name":"a","op":"b"}]}}`, shard, "not a graph model"},
		{"short shard", json, shard[:len(shard)-3], "end early"},
		{"long shard", json, append(append([]byte{}, shard...), 0), "manifest describes"},
		{"bad dtype", strings.Replace(json, `"dtype":"int32"`, `"dtype":"complex64"`, 1), shard, "complex64"},
		{"negative dim", strings.Replace(json, `"shape":[3]`, `"shape":[-3]`, 1), shard, "negative"},
		{"huge dim", strings.Replace(json, `"shape":[3]`, `"shape":[100000,100000,100000]`, 1), shard, "too large"},
		{"bad quantization", strings.Replace(json, `"dtype":"float16"`, `"dtype":"int4"`, 1), shard, "int4"},
		{"bad base64", strings.Replace(json, `"s":"U0FNRQ=="`, `"s":"%%%"`, 1), shard, "base64"},
		{"bad int", strings.Replace(json, `"i":[`, `"i":["x",`, 1), shard, "bad integer"},
		{"duplicate node", strings.Replace(json, `"name":"y"`, `"name":"x"`, 1), shard, "repeats"},
		{"shard escapes", strings.Replace(json, `"model.bin"`, `"../model.bin"`, 1), shard, "leaves"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.json == json && c.name != "short shard" && c.name != "long shard" {
				t.Fatal("test case did not change the model")
			}
			dir := t.TempDir()
			p := filepath.Join(dir, "model.json")
			if err := os.WriteFile(p, []byte(c.json), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "model.bin"), c.shard, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := tfjs.Load(p)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "tfjs: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if c.name != "shard escapes" && !errors.Is(err, tfjs.ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
		})
	}
}

func TestLoadMissingShard(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "model.json")
	if err := os.WriteFile(p, sample().JSON("model.bin"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := tfjs.Load(p)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "model.bin") {
		t.Fatalf("err = %v", err)
	}
}

// TestLoadMoveNet reads the npm package's models when they are available
// and checks the facts the MoveNet notes record.
func TestLoadMoveNet(t *testing.T) {
	dir := testenv.NPMModels(t)
	m, err := tfjs.Load(filepath.Join(dir, "movenet-lightning.json"))
	if err != nil {
		t.Fatal(err)
	}
	var nf, ni int
	for _, w := range m.Weights {
		if w.DType == tfjs.Float32 {
			nf++
		} else {
			ni++
		}
	}
	if nf != 149 || ni != 31 {
		t.Errorf("%d float and %d int32 weights, want 149 and 31", nf, ni)
	}
	if w := m.Weights["StatefulPartitionedCall/add_5/y"]; w == nil || w.F[0] != 1.7998046875 {
		t.Errorf("add_5/y = %+v", w)
	}
	if len(m.Inputs) != 1 || m.Inputs[0].Shape[1] != 192 || len(m.Outputs) != 1 || m.Outputs[0].Name != "Identity:0" {
		t.Errorf("signature outputs = %+v", m.Outputs)
	}
}

func FuzzParse(f *testing.F) {
	b := sample()
	shard := b.Shard()
	f.Add(b.JSON("model.bin"))
	f.Add([]byte(`{"modelTopology":{"node":[{"name":"a","op":"Const"}]},"weightsManifest":[{"paths":["model.bin"],"weights":[{"name":"a","shape":[2,3],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := tfjs.Parse(data, func(string) ([]byte, error) { return shard, nil })
		if err != nil {
			if !strings.HasPrefix(err.Error(), "tfjs: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		for _, w := range m.Weights {
			if n := w.Len(); n != len(w.F)+len(w.I) {
				t.Fatalf("weight %q: shape %v but %d values", w.Name, w.Shape, len(w.F)+len(w.I))
			}
		}
	})
}
