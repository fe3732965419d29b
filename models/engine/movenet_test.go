package engine

import (
	"context"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
)

// TestMoveNetReferences runs the committed Lightning model (and Thunder when
// KNEESCREEN_THUNDER_ONNX names a converted file) on every shared reference
// frame and compares with the original TF.js model's output. It guards the
// engine's operators end to end; the models package's fidelity test applies
// the acceptance tolerances on top of its own preprocessing.
func TestMoveNetReferences(t *testing.T) {
	refs := testenv.Shared(t, "realdata/references")
	for _, mf := range moveNetFiles() {
		t.Run(mf.name, func(t *testing.T) {
			m := loadMoveNet(t, mf.path, 2)
			s := m.NewSession()
			defer s.Close()
			checkReferences(t, s, refs, "movenet-"+mf.name, fmt.Sprintf("_%d.png", mf.size), mf.size)
		})
	}
}

func checkReferences(t *testing.T, s *Session, refs, model, suffix string, size int) {
	dirs, err := os.ReadDir(refs)
	if err != nil {
		t.Fatal(err)
	}
	var worst float64
	var worstAt string
	n, far := 0, 0
	for _, d := range dirs {
		path := filepath.Join(refs, d.Name(), "reference.jsonl")
		if _, err := os.Stat(path); err != nil {
			continue
		}
		for _, ref := range testenv.ReadReferences(t, path) {
			if ref.Model != model || !strings.HasSuffix(ref.Image, suffix) {
				continue
			}
			x := readRGB(t, filepath.Join(refs, d.Name(), ref.Image), size)
			out, err := s.Run(context.Background(), x)
			if err != nil {
				t.Fatal(err)
			}
			for k, kp := range ref.Keypoints {
				for j := 0; j < 3; j++ {
					diff := math.Abs(float64(out[0].F32[k*3+j]) - kp[j])
					n++
					if diff > 0.002 {
						far++
					}
					if diff > worst {
						worst, worstAt = diff, d.Name()+"/"+ref.Image
					}
				}
			}
		}
	}
	if n == 0 {
		t.Skipf("no %s references found", model)
	}
	t.Logf("%s: %d values compared; worst difference %.3g (%s); %d above 0.002", model, n, worst, worstAt, far)
	if float64(far) > 0.01*float64(n) || worst > 0.025 {
		t.Errorf("engine disagrees with the reference: %d of %d values off by more than 0.002, worst %.3g", far, n, worst)
	}
}

func readRGB(t *testing.T, path string, size int) *Tensor {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != size || img.Bounds().Dy() != size {
		t.Fatalf("%s is %v, want %dx%d", path, img.Bounds(), size, size)
	}
	v := make([]int32, size*size*3)
	fillRGB(v, img, size)
	return NewInt32([]int{1, size, size, 3}, v)
}
