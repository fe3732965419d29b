package screening_test

import (
	"math"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// checkReadable asserts that report r never calls a metric assessable
// without a value: an assessable metric (in a clip with reps) lists at
// least one rep, every rep it lists has a value on some side, every
// metric that is not assessable says why, and every null side of a rep's
// metric has its reason in the rep's NotAssessable.
func checkReadable(t *testing.T, r *screening.Report) {
	t.Helper()
	for _, info := range r.Metrics {
		switch {
		case !info.Assessable && info.Reason == "":
			t.Errorf("%s: not assessable without a reason", info.Name)
		case info.Assessable && len(r.Reps) > 0 && len(info.Reps) == 0:
			t.Errorf("%s: assessable, but no rep reads it", info.Name)
		}
		for _, k := range info.Reps {
			if v, ok := r.Reps[k-1].Metrics[info.Name]; !ok || !v.HasValue() {
				t.Errorf("%s: listed as read by rep %d, which has no value (%+v)", info.Name, k, v)
			}
		}
	}
	for _, rep := range r.Reps {
		for name, v := range rep.Metrics {
			sides := []screening.Side{screening.SideBoth}
			if v.PerSide {
				sides = []screening.Side{screening.SideLeft, screening.SideRight}
			}
			for _, side := range sides {
				if math.IsNaN(v.Side(side)) && rep.NotAssessable[name].Side(side) == "" {
					t.Errorf("rep %d: %s %s is null without a reason", rep.Index, name, side)
				}
			}
		}
	}
}

// hideFeet scores every heel and toe keypoint of tr at score, as a model
// does with feet it cannot see.
func hideFeet(tr *pose.Track, score float64) {
	for i := range tr.Poses {
		for _, j := range []pose.Joint{pose.LeftHeel, pose.RightHeel, pose.LeftFootIndex, pose.RightFootIndex} {
			tr.Poses[i].At(j).Score = score
		}
	}
}

// No metric is listed as assessable without a value, over clips that
// read every metric and clips where some cannot be read: in profile with
// the feet scored as hidden (the shared side clips' case: the rep's view
// allows heel_rise and ankle_dorsiflexion_deg, no frame reads them), in
// single-leg tasks (the free leg is never read), with dropped keypoints,
// oblique, and with MoveNet's 17 keypoints. Where the foot metrics cannot
// be read they are not assessable, saying why.
func TestNoAssessableMetricWithoutValue(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cfg        synth.Config
		hideFeet   bool
		unreadable []string // metrics no rep can read
	}{
		{"front squat with feet", synth.Config{Feet: true, ToeOutDeg: 15, NoisePx: 1, Seed: 1}, false, nil},
		{"side squat with feet", synth.Config{Feet: true, YawDeg: 90, NoisePx: 1, Seed: 2}, false, nil},
		{"side squat, feet hidden", synth.Config{Feet: true, YawDeg: 90, NoisePx: 1, Seed: 3}, true,
			[]string{screening.MetricHeelRise, screening.MetricAnkleDorsiflexion}},
		{"front squat, feet hidden", synth.Config{Feet: true, NoisePx: 1, Seed: 4}, true, []string{screening.MetricHeelRise}},
		{"front single-leg squat with feet", synth.Config{Feet: true, Movement: synth.SingleLegSquat, NoisePx: 1, Seed: 5}, false, nil},
		{"side lunge with feet", synth.Config{Feet: true, Movement: synth.Lunge, YawDeg: 90, NoisePx: 1, Seed: 6}, false, nil},
		{"front squat, dropped keypoints", synth.Config{Feet: true, NoisePx: 2, DropProb: 0.15, Seed: 7}, false, nil},
		{"oblique squat", synth.Config{Feet: true, YawDeg: 45, NoisePx: 1, Seed: 8}, false, nil},
		{"side squat, MoveNet", synth.Config{YawDeg: 90, NoisePx: 1, Seed: 9}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, _ := generate(t, tc.cfg)
			if tc.hideFeet {
				hideFeet(tr, 0.5)
			}
			r := analyze(t, tr, nil)
			if len(r.Reps) == 0 {
				t.Fatal("no reps")
			}
			checkReadable(t, r)
			for _, name := range tc.unreadable {
				for _, info := range r.Metrics {
					if info.Name == name && (info.Assessable || !strings.Contains(info.Reason, "thresholds.feet.min_score")) {
						t.Errorf("%s: assessable %v with the feet hidden, reps %v, reason %q", name, info.Assessable, info.Reps, info.Reason)
					}
				}
			}
		})
	}
}
