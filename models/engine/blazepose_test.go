package engine

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/internal/testenv"
)

// The BlazePose models converted by 'make models' (not committed), found in
// KNEESCREEN_MODELS_DIR.
var blazePoseModels = []struct {
	name  string // file blazepose-NAME.onnx
	input int    // input side
}{
	{"detector", 224}, {"lite", 256}, {"full", 256}, {"heavy", 256},
}

// blazePosePath returns the converted model's path, skipping the test when
// KNEESCREEN_MODELS_DIR is unset or the file is absent.
func blazePosePath(tb testing.TB, name string) string {
	tb.Helper()
	dir := os.Getenv("KNEESCREEN_MODELS_DIR")
	if dir == "" {
		tb.Skip("KNEESCREEN_MODELS_DIR not set (make models converts the BlazePose models there); skipping")
	}
	p := filepath.Join(dir, "blazepose-"+name+".onnx")
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("%s absent (run make models); skipping", p)
	}
	return p
}

// blazePoseFixture is testdata/blazepose-reference.json, written by
// scripts/blazepose-reference: the original TF.js graphs' outputs (CPU
// backend) on two shared COCO frames.
type blazePoseFixture struct {
	Generator string `json:"generator"`
	Cases     []struct {
		Image  string `json:"image"`
		Model  string `json:"model"`
		Output string `json:"output"`
		Shape  []int  `json:"shape"`
		Stride int    `json:"stride"`
		Values string `json:"values"`
	} `json:"cases"`
}

// blazePoseInput builds a model input from a shared 256x256 reference
// frame exactly as the reference script does: the landmark models read
// v/255, the detector the centre 224x224 as v/127.5 - 1, in float64 then
// rounded to float32.
func blazePoseInput(tb testing.TB, image string, side int) *Tensor {
	tb.Helper()
	path := testenv.Shared(tb, filepath.Join("realdata", "references", image, "frame_0001_256.png"))
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		tb.Fatal(err)
	}
	const full = 256
	rgb := make([]int32, full*full*3)
	fillRGB(rgb, img, full)
	off := (full - side) / 2
	x := NewFloat32([]int{1, side, side, 3}, nil)
	for y := 0; y < side; y++ {
		for c := 0; c < side; c++ {
			for ch := 0; ch < 3; ch++ {
				v := float64(rgb[((y+off)*full+c+off)*3+ch])
				if side == full {
					x.F32[(y*side+c)*3+ch] = float32(v / 255)
				} else {
					x.F32[(y*side+c)*3+ch] = float32(v/127.5 - 1)
				}
			}
		}
	}
	return x
}

// TestBlazePoseMatchesTFJS runs the converted BlazePose models on the
// engine and compares every output value the fixture holds with the
// original TF.js graphs: at least 99% within 0.002 (the acceptance bar),
// and the worst difference is logged.
func TestBlazePoseMatchesTFJS(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "blazepose-reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx blazePoseFixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	for _, bm := range blazePoseModels {
		t.Run(bm.name, func(t *testing.T) {
			path := blazePosePath(t, bm.name)
			m := loadMoveNet(t, path, 2)
			defer m.Close()
			outIndex := map[string]int{}
			for i, o := range m.Outputs() {
				outIndex[o.Name] = i
			}
			n, far, worst, worstAt := 0, 0, 0.0, ""
			images := map[string]bool{}
			for _, c := range fx.Cases {
				if c.Model != "blazepose-"+bm.name {
					continue
				}
				images[c.Image] = true
			}
			for image := range images {
				outs, err := m.Run(context.Background(), blazePoseInput(t, image, bm.input))
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range fx.Cases {
					if c.Model != "blazepose-"+bm.name || c.Image != image {
						continue
					}
					k, ok := outIndex[c.Output]
					if !ok {
						t.Fatalf("the model has no output %q", c.Output)
					}
					got := outs[k]
					if !slices.Equal(got.Shape, c.Shape) {
						t.Fatalf("%s: shape %v, TF.js %v", c.Output, got.Shape, c.Shape)
					}
					want := decodeFloats(t, c.Values)
					for j, w := range want {
						g := got.F32[j*c.Stride]
						d := math.Abs(float64(g) - float64(w))
						n++
						if !(d <= 0.002) {
							far++
						}
						if d > worst || math.IsNaN(d) {
							worst, worstAt = d, fmt.Sprintf("%s %s[%d]: %g, TF.js %g", image, c.Output, j*c.Stride, g, w)
						}
					}
				}
			}
			if n == 0 {
				t.Fatalf("no reference values for %s in the fixture", bm.name)
			}
			t.Logf("%s: %d values compared, %d (%.3f%%) beyond 0.002; worst difference %.3g at %s",
				bm.name, n, far, 100*float64(far)/float64(n), worst, worstAt)
			if float64(far) > 0.01*float64(n) {
				t.Errorf("%d of %d values differ from TF.js by more than 0.002 (at most 1%% may)", far, n)
			}
		})
	}
}

func decodeFloats(tb testing.TB, s string) []float32 {
	tb.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b)%4 != 0 {
		tb.Fatalf("bad fixture values: %v", err)
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// BenchmarkBlazePose measures the BlazePose detector and landmark models at
// 1 and 2 threads, all outputs computed (as onnxruntime does in
// scripts/onnxruntime-bench). Besides the mean it reports the fastest run
// (min-ms), which on a machine shared with other work is closer to the time
// on a quiet one, as onnxruntime-bench's min_ms.
func BenchmarkBlazePose(b *testing.B) {
	for _, bm := range blazePoseModels {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads%d", bm.name, threads), func(b *testing.B) {
				m := loadMoveNet(b, blazePosePath(b, bm.name), threads)
				s := m.NewSession()
				defer s.Close()
				x := NewFloat32([]int{1, bm.input, bm.input, 3}, nil)
				for i := range x.F32 {
					x.F32[i] = float32(math.Sin(float64(i) / 97))
				}
				ctx := context.Background()
				if _, err := s.Run(ctx, x); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				if threads == 1 {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
				}
				cpu0, cpuOK := threadCPUTime()
				fastest := time.Duration(math.MaxInt64)
				for b.Loop() {
					t0 := time.Now()
					if _, err := s.Run(ctx, x); err != nil {
						b.Fatal(err)
					}
					fastest = min(fastest, time.Since(t0))
				}
				b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/inference")
				b.ReportMetric(fastest.Seconds()*1000, "min-ms")
				if cpu1, _ := threadCPUTime(); threads == 1 && cpuOK {
					b.ReportMetric((cpu1-cpu0).Seconds()*1000/float64(b.N), "cpu-ms/inference")
				}
			})
		}
	}
}
