package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
)

var update = flag.Bool("update", false, "rewrite testdata/"+repMetricsFile+" from full-rate symmetric estimation of the shared clips")

// repMetricsFile records, for every shared clip, the per-rep metrics of
// the pipeline estimating every frame and its mirror (the reference the
// faster defaults are held to).
const repMetricsFile = "rep_metrics.json"

// Tolerances of TestRepMetricsMatchFullRate: a faster pose pass may move a
// rep's metric by at most this much from the full-rate result, half a
// degree for angles and 0.01 for ratios (a tenth of the narrowest
// threshold band, the 5° FPPA watch-to-flag step and the 0.1 knee-to-ankle
// separation step).
const (
	tolDeg   = 0.5
	tolRatio = 0.01
)

// goldenClip is one clip's reps in the golden file.
type goldenClip struct {
	Reps []goldenRep `json:"reps"`
}

type goldenRep struct {
	View        string `json:"view"`
	BottomFrame int    `json:"bottom_frame"`
	// Metrics maps a metric name to its scalar value or [left, right]
	// (null where a side is not measured).
	Metrics map[string][]*float64 `json:"metrics"`
}

// goldenOf extracts the golden record of a report.
func goldenOf(rep *screening.Report) goldenClip {
	g := goldenClip{Reps: []goldenRep{}}
	for _, r := range rep.Reps {
		gr := goldenRep{View: string(r.View), BottomFrame: r.BottomFrame, Metrics: map[string][]*float64{}}
		for name, v := range r.Metrics {
			if v.PerSide {
				gr.Metrics[name] = []*float64{num(v.Left), num(v.Right)}
			} else {
				gr.Metrics[name] = []*float64{num(v.Value)}
			}
		}
		g.Reps = append(g.Reps, gr)
	}
	return g
}

func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// metricTolerance is the tolerance for a metric by its unit.
func metricTolerance(name string) float64 {
	if m, ok := screening.LookupMetric(name); ok && m.Unit == "deg" {
		return tolDeg
	}
	if strings.HasSuffix(name, "_deg") {
		return tolDeg
	}
	return tolRatio
}

// sharedClips lists the shared videos.
func sharedClips(t *testing.T) []string {
	dir := testenv.Shared(t, "realdata/videos")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, e := range ents {
		if !e.IsDir() {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	return paths
}

// TestRepMetricsMatchFullRate holds the pose pass to the results of
// estimating every frame and its mirror: on every shared clip, the same
// reps with the same views, and each rep's metrics assessable alike and
// within tolDeg or tolRatio of the recorded full-rate values. The record,
// testdata/rep_metrics.json, was made from the full-rate pipeline; -update
// rewrites it, after a deliberate change to the screening (it always runs
// the full-rate reference, whatever the defaults). All 40 clips are used:
// they are already analysed, once per test binary, for TestRealVideos, so
// holding every one of them to the record costs nothing more.
func TestRepMetricsMatchFullRate(t *testing.T) {
	if !testSymmetric() {
		t.Skip("KNEESCREEN_TEST_SYMMETRIC=0: the record is of symmetric estimation")
	}
	paths := sharedClips(t)
	newEst := lightning(t)
	golden := filepath.Join("testdata", repMetricsFile)
	got := map[string]goldenClip{}
	var g errgroup.Group
	g.SetLimit(max(1, runtime.GOMAXPROCS(0)/2))
	reports := make([]*screening.Report, len(paths))
	for i, p := range paths {
		g.Go(func() error {
			var err error
			if *update {
				reports[i], _, err = analyseFullRate(newEst, p)
			} else {
				reports[i], _, err = analyse(newEst, p, true)
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	for i, p := range paths {
		got[filepath.Base(p)] = goldenOf(reports[i])
	}
	if *update {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", " ")
		if err := enc.Encode(got); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", golden)
		return
	}
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./internal/pipeline -run TestRepMetricsMatchFullRate -update makes it)", err)
	}
	var want map[string]goldenClip
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("%s: %v", golden, err)
	}
	worst := map[float64]string{}
	dev := map[float64]float64{}
	names := make([]string, 0, len(got))
	for name := range got {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: not in %s (run with -update after adding a clip)", name, golden)
			continue
		}
		g := got[name]
		if len(g.Reps) != len(w.Reps) {
			t.Errorf("%s: %d reps, full rate %d", name, len(g.Reps), len(w.Reps))
			continue
		}
		for k, wr := range w.Reps {
			gr := g.Reps[k]
			at := fmt.Sprintf("%s rep %d", name, k+1)
			if gr.View != wr.View {
				t.Errorf("%s: view %s, full rate %s", at, gr.View, wr.View)
				continue
			}
			for m, wv := range wr.Metrics {
				gv, ok := gr.Metrics[m]
				if !ok || len(gv) != len(wv) {
					t.Errorf("%s: %s not assessed as at full rate", at, m)
					continue
				}
				tol := metricTolerance(m)
				for s := range wv {
					if (wv[s] == nil) != (gv[s] == nil) {
						t.Errorf("%s: %s side %d measured %v, full rate %v", at, m, s, gv[s] != nil, wv[s] != nil)
						continue
					}
					if wv[s] == nil {
						continue
					}
					d := math.Abs(*gv[s] - *wv[s])
					if d > dev[tol] {
						dev[tol], worst[tol] = d, fmt.Sprintf("%s %s side %d (%.3f vs %.3f)", at, m, s, *gv[s], *wv[s])
					}
					if d > tol {
						t.Errorf("%s: %s side %d is %.3f, full rate %.3f (tolerance %g)", at, m, s, *gv[s], *wv[s], tol)
					}
				}
			}
			for m := range gr.Metrics {
				if _, ok := wr.Metrics[m]; !ok {
					t.Errorf("%s: %s assessed, not at full rate", at, m)
				}
			}
		}
	}
	for _, tol := range []float64{tolDeg, tolRatio} {
		t.Logf("largest difference from full rate (tolerance %g): %.4f at %s", tol, dev[tol], worst[tol])
	}
}

// analyseFullRate runs the full-rate reference: every frame and its
// mirror estimated (EstimateHz 0, whatever the defaults become), with the
// lane layout the tests use.
func analyseFullRate(newEst NewEstimatorFunc, path string) (*screening.Report, *pose.Track, error) {
	src, err := Open(path, 30)
	if err != nil {
		return nil, nil, err
	}
	defer src.Close()
	tr, err := Track(context.Background(), src, TrackOptions{NewEstimator: newEst, Symmetric: true, Threads: 2, Lanes: 2, EstimateHz: 0})
	if err != nil {
		return nil, nil, err
	}
	o := screening.DefaultOptions()
	o.SourcePath = path
	rep, err := screening.Analyze(context.Background(), tr, o)
	return rep, tr, err
}
