package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/models/convert"
	tt "github.com/kneescreen/kneescreen/models/tfjs/tfjstest"
)

// runConvertCapture runs args with "models convert" replaced by one that
// records its options instead of converting.
func runConvertCapture(t *testing.T, args []string) (int, string, *ModelsConvertOptions) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Out: &out, Err: &errOut, v: newViper()}
	root := newRootCmd(app)
	var got *ModelsConvertOptions
	for _, c := range root.Commands() {
		if c.Name() != "models" {
			continue
		}
		for _, sub := range c.Commands() {
			if sub.Name() == "convert" {
				c.RemoveCommand(sub)
			}
		}
		c.AddCommand(NewCmdModelsConvert(app, func(_ context.Context, o *ModelsConvertOptions) error {
			got = o
			return nil
		}))
	}
	code := execute(context.Background(), app, root, args)
	return code, errOut.String(), got
}

func TestModelsConvertFlags(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantFrom string
		wantOut  string // effective output path
		wantErr  string
	}{
		{"flags", []string{"models", "convert", "--from", "m/movenet-thunder.json", "--out", "o/t.onnx"}, nil, 0, "m/movenet-thunder.json", "o/t.onnx", ""},
		{"default out", []string{"models", "convert", "--from", "m/model.json"}, nil, 0, "m/model.json", "m/model.onnx", ""},
		{"env", []string{"models", "convert"}, map[string]string{"KNEESCREEN_MODELS_CONVERT_FROM": "e.json", "KNEESCREEN_MODELS_CONVERT_OUT": "e2.onnx"}, 0, "e.json", "e2.onnx", ""},
		{"flag beats env", []string{"models", "convert", "--from", "f.json"}, map[string]string{"KNEESCREEN_MODELS_CONVERT_FROM": "e.json"}, 0, "f.json", "f.onnx", ""},
		{"no from", []string{"models", "convert"}, nil, exitUsage, "", "", "--from is required"},
		{"from not json", []string{"models", "convert", "--from", "m.bin"}, nil, exitUsage, "", "", "want the model's .json"},
		{"out not onnx", []string{"models", "convert", "--from", "m.json", "--out", "m.pb"}, nil, exitUsage, "", "", "ending in .onnx"},
		{"extra argument", []string{"models", "convert", "--from", "m.json", "x"}, nil, exitUsage, "", "", "unknown command"},
		{"no subcommand", []string{"models"}, nil, exitUsage, "", "", "name a subcommand"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, stderr, got := runConvertCapture(t, c.args)
			if code != c.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, c.wantCode, stderr)
			}
			if c.wantErr != "" {
				if !strings.Contains(stderr, c.wantErr) || strings.Count(stderr, "\n") != 1 {
					t.Fatalf("stderr %q, want one line containing %q", stderr, c.wantErr)
				}
				return
			}
			if got == nil || got.Config.From != c.wantFrom || got.Config.out() != c.wantOut {
				t.Fatalf("options = %+v, want from %q out %q", got, c.wantFrom, c.wantOut)
			}
		})
	}
}

// tinyModel writes a one-convolution TF.js graph model into dir.
func tinyModel(t *testing.T, dir string) string {
	t.Helper()
	b := &tt.Builder{}
	b.Placeholder("input", "DT_FLOAT", 1, 4, 4, 1)
	b.ConstF("w", []int{3, 3, 1, 2}, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9}, true)
	b.ConstF("b", []int{2}, []float32{0.5, -0.5}, true)
	b.Node("conv", "_FusedConv2D", []string{"input", "w", "b"}, map[string]tt.Attr{
		"strides": tt.Ints(1, 2, 2, 1), "padding": tt.S("SAME"), "fused_ops": tt.Strings("BiasAdd", "Relu6"), "num_args": tt.I(1)})
	b.Node("Identity", "Identity", []string{"conv"}, nil)
	b.Output("Identity:0")
	p, err := b.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestModelsConvertRun(t *testing.T) {
	dir := t.TempDir()
	from := tinyModel(t, dir)
	out := filepath.Join(dir, "sub", "tiny.onnx") // the directory is created
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"models", "convert", "--from", from, "--out", out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := convert.ConvertFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("written file differs from the library's conversion")
	}
	line := fmt.Sprintf("wrote %s (%d bytes, sha256 %x)\n", out, len(want), sha256.Sum256(want))
	if stdout.String() != line {
		t.Errorf("stdout %q, want %q", stdout.String(), line)
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
		t.Errorf("temporary files left beside the output: %v", entries)
	}
}

func TestModelsConvertErrors(t *testing.T) {
	dir := t.TempDir()
	from := tinyModel(t, dir)
	if err := os.Truncate(filepath.Join(dir, "model.bin"), 10); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"models", "convert", "--from", from}, &stdout, &stderr)
	if code != exitFailed || !strings.Contains(stderr.String(), "end early") || strings.Count(stderr.String(), "\n") != 1 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "model.onnx")); !os.IsNotExist(err) {
		t.Errorf("an output file was written for a broken model: %v", err)
	}
}
