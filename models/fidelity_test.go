package models

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/pose"
)

// EnvModelsDir names the environment variable the tests read to find
// converted models (thunder); CI points it at the output of `make models`.
const envModelsDir = "KNEESCREEN_MODELS_DIR"

// testModel loads a built-in model for a test, skipping with a clear message
// when thunder has not been converted.
func testModel(tb testing.TB, name string) *ModelSource {
	tb.Helper()
	src, err := LoadModel(name, os.Getenv(envModelsDir))
	if errors.Is(err, ErrModelNotFound) && name == Thunder {
		tb.Skipf("thunder ONNX absent, skipping (convert it, or set %s to a directory holding %s): %v",
			envModelsDir, ThunderFile, err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return src
}

// reference is one line of reference.jsonl and the folder it came from.
type reference struct {
	testenv.Reference
	dir string
}

func readReferences(t *testing.T, root string) map[string][]reference {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(root, "*", "reference.jsonl"))
	if err != nil || len(dirs) == 0 {
		t.Skipf("no reference.jsonl under %s", root)
	}
	out := map[string][]reference{}
	for _, path := range dirs {
		for line, r := range testenv.ReadReferences(t, path) {
			if len(r.Keypoints) != pose.COCO17.Len() {
				t.Fatalf("%s:%d: %d keypoints, want %d", path, line+1, len(r.Keypoints), pose.COCO17.Len())
			}
			model := strings.TrimPrefix(r.Model, "movenet-")
			out[model] = append(out[model], reference{r, filepath.Dir(path)})
		}
	}
	return out
}

// TestFidelity is the acceptance test against the original model: every
// reference input (the exact PNG the TF.js MoveNet saw) is fed to the
// Estimator, and its keypoints must agree with the TF.js output: at least 99%
// within 0.002 in y, x and score, none off by more than 0.025 (one heatmap
// cell, which a near-tie in the graph's argmax can flip).
func TestFidelity(t *testing.T) {
	root := testenv.Shared(t, "realdata/references")
	refs := readReferences(t, root)
	for _, name := range []string{Lightning, Thunder} {
		t.Run(name, func(t *testing.T) {
			if len(refs[name]) == 0 {
				t.Skipf("no %s references", name)
			}
			src := testModel(t, name)
			res := runFidelity(t, src, refs[name])
			t.Logf("%s: %d inputs, %d keypoints; %.2f%% within %.3f; worst |diff| %.5f (%s)",
				name, len(refs[name]), res.total, 100*float64(res.close)/float64(res.total), fidelityClose, res.worst, res.worstAt)
			if float64(res.close) < 0.99*float64(res.total) {
				t.Errorf("only %d of %d keypoints within %.3f of the reference, want at least 99%%", res.close, res.total, fidelityClose)
			}
			for _, f := range res.far {
				t.Errorf("off by more than %.3f: %s", fidelityFar, f)
			}
		})
	}
}

const (
	fidelityClose = 0.002
	fidelityFar   = 0.025
)

type fidelityResult struct {
	total, close int
	worst        float64
	worstAt      string
	far          []string
}

// runFidelity estimates every reference input, spreading the inputs over a
// few Estimators of one Model (each Estimator on one goroutine), and
// compares with the reference keypoints.
func runFidelity(t *testing.T, src *ModelSource, refs []reference) fidelityResult {
	workers := min(runtime.GOMAXPROCS(0), 4)
	var (
		mu  sync.Mutex
		res fidelityResult
		wg  sync.WaitGroup
	)
	jobs := make(chan reference)
	errs := make(chan error, workers)
	model, err := Load(src, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	for range workers {
		est := model.NewEstimator()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer est.Close()
			for r := range jobs {
				path := filepath.Join(r.dir, r.Image)
				img, err := decodeImage(path)
				if err != nil {
					errs <- err
					return
				}
				p, err := est.Estimate(context.Background(), img)
				if err != nil {
					errs <- fmt.Errorf("%s: %w", path, err)
					return
				}
				mu.Lock()
				for j, want := range r.Keypoints {
					k := p.Keypoints[j]
					d := max(math.Abs(k.NY-want[0]), math.Abs(k.NX-want[1]), math.Abs(k.Score-want[2]))
					res.total++
					if d <= fidelityClose {
						res.close++
					}
					where := fmt.Sprintf("%s/%s %v: got (y %.5f, x %.5f, score %.5f), reference (%.5f, %.5f, %.5f)",
						filepath.Base(r.dir), r.Image, pose.COCO17.Joint(j), k.NY, k.NX, k.Score, want[0], want[1], want[2])
					if d > res.worst {
						res.worst, res.worstAt = d, where
					}
					if d > fidelityFar {
						res.far = append(res.far, where)
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, r := range refs {
		select {
		case jobs <- r:
		case err := <-errs:
			close(jobs)
			wg.Wait()
			t.Fatal(err)
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	sort.Strings(res.far)
	return res
}
