package realdata_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/screening"
)

// kneeIndicators are the indicators that speak to "the knees cave in".
var kneeIndicators = []string{screening.IndDynamicKneeValgus, screening.IndKneeInsideFoot, screening.IndKneesInsideAnkles}

// kneeLevel is the worst level of rep's knee findings on side (whole-body
// ones count for both legs), not_assessable when none was graded.
func kneeLevel(rep screening.Rep, side screening.Side) screening.Level {
	rank := map[screening.Level]int{screening.LevelOK: 1, screening.LevelWatch: 2, screening.LevelFlag: 3}
	worst := screening.LevelNotAssessable
	for _, f := range rep.Findings {
		isKnee := false
		for _, id := range kneeIndicators {
			isKnee = isKnee || f.Indicator == id
		}
		if isKnee && (f.Side == side || f.Side == screening.SideBoth) && rank[f.Level] > rank[worst] {
			worst = f.Level
		}
	}
	return worst
}

func beyondOK(l screening.Level) bool { return l == screening.LevelWatch || l == screening.LevelFlag }

// spotme: one lifter's barbell back squats labelled bad (knees collapse
// inward) and good (knees over the toes), plus stock bodyweight squats
// labelled good. Every bad rep has a knee finding at watch or flag on at
// least one leg; no good rep has one on either leg. The bad reps are also
// shallower, so depth must not decide: knee_inside_foot compares
// directions, not depths.
func TestSpotmeLabels(t *testing.T) {
	dir := testenv.Shared(t, "realdata/videos")
	labels := loadLabels(t)
	for name, l := range labels {
		if !strings.HasPrefix(name, "spotme_") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s absent", name)
			}
			r := analyze(t, realTrack(t, path), nil)
			if len(r.Reps) == 0 {
				t.Fatal("no rep")
			}
			for _, rep := range r.Reps {
				lv := [2]screening.Level{kneeLevel(rep, screening.SideLeft), kneeLevel(rep, screening.SideRight)}
				switch l.verdict {
				case "bad":
					if !beyondOK(lv[0]) && !beyondOK(lv[1]) {
						t.Errorf("bad rep %d: knees graded %s/%s, want watch or flag (findings %+v)", rep.Index, lv[0], lv[1], rep.Findings)
					}
				case "good":
					if beyondOK(lv[0]) || beyondOK(lv[1]) {
						t.Errorf("good rep %d: knees graded %s/%s, want ok (findings %+v)", rep.Index, lv[0], lv[1], rep.Findings)
					}
					if lv[0] == screening.LevelNotAssessable && lv[1] == screening.LevelNotAssessable {
						t.Errorf("good rep %d: knees not assessed", rep.Index)
					}
				}
			}
		})
	}
}

// The trainer's written assessment of the LNewCo front clips, where the
// keypoints can speak to it: 7027's right knee sways in more than the
// left (its FPPA peaks further towards valgus), 7052's slight varus
// keeps both FPPA negative and its knees ok. The side clips are read
// from the side or oblique (TestRealFootageTrainerLabels checks 7032's
// knee dominance).
func TestLnewcoLabels(t *testing.T) {
	dir := testenv.Shared(t, "realdata/videos")
	labels := loadLabels(t)
	run := func(t *testing.T, name string) screening.Rep {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err != nil {
			t.Skipf("%s absent", name)
		}
		r := analyze(t, realTrack(t, path), nil)
		if len(r.Reps) != 1 || r.Reps[0].View != screening.ViewFront {
			t.Fatalf("%d reps, view %s; want one front rep", len(r.Reps), r.View)
		}
		return r.Reps[0]
	}
	t.Run("7027 greater sway in the right knee", func(t *testing.T) {
		if !strings.Contains(labels["lnewco_IMG_7027.mov"].comment, "greater sway in right knee") {
			t.Fatal("label changed")
		}
		f := run(t, "lnewco_IMG_7027.mov").Metrics[screening.MetricFPPA]
		if !(f.Right > f.Left+3) {
			t.Errorf("FPPA left %.1f°, right %.1f°: want the right knee clearly more medial", f.Left, f.Right)
		}
	})
	t.Run("7052 slight knee varus", func(t *testing.T) {
		if !strings.Contains(labels["lnewco_IMG_7052.mov"].comment, "varus") {
			t.Fatal("label changed")
		}
		rep := run(t, "lnewco_IMG_7052.mov")
		f := rep.Metrics[screening.MetricFPPA]
		if !(f.Left < 0 && f.Right < 0) {
			t.Errorf("FPPA left %.1f°, right %.1f°: want both varus", f.Left, f.Right)
		}
		for _, side := range []screening.Side{screening.SideLeft, screening.SideRight} {
			if beyondOK(kneeLevel(rep, side)) {
				t.Errorf("%s knee graded %s: varus is not caving in", side, kneeLevel(rep, side))
			}
		}
	})
}

// posture (twixupmysleeve): per-segment codes. 000 and 003 are filmed
// 50-65° round from the front and 009 and 024 20-35° (by eye, and the
// yaw agrees): oblique views, where neither frontal nor sagittal angles
// are read, so the clips' form codes (h: back position, k: knee ahead,
// both sagittal signs) cannot be checked: the exception the issue names
// (an oblique view must not read as front). Per rep: every rep's bottom
// falls in a labelled squat segment (never in an idle one), its view is
// not front except in the one stretch where 009 turns square (by eye at
// 24-26 s), and no frontal metric is read in an oblique rep.
func TestPostureLabelsPerRep(t *testing.T) {
	dir := testenv.Shared(t, "realdata/videos")
	labels := loadLabels(t)
	for _, id := range []string{"000", "003", "009", "024"} {
		name := "posture_squat_" + id + ".mp4"
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s absent", name)
			}
			l := labels[name]
			r := analyze(t, realTrack(t, path), nil)
			for _, rep := range r.Reps {
				if code := codeAt(l.segments, rep.BottomS); code == "" || code == "i" {
					t.Errorf("rep %d: bottom at %.1f s in segment %q, want a squat segment", rep.Index, rep.BottomS, code)
				}
				if rep.View == screening.ViewFront && !(id == "009" && rep.BottomS > 24 && rep.BottomS < 27) {
					t.Errorf("rep %d (%.1f s) read as front at yaw %.0f°", rep.Index, rep.BottomS, float64(rep.YawDeg))
				}
				if rep.View != screening.ViewFront {
					for _, name := range []string{screening.MetricFPPA, screening.MetricKneeMedialOffset} {
						if _, ok := rep.Metrics[name]; ok {
							t.Errorf("rep %d: %s read in a %s view", rep.Index, name, rep.View)
						}
					}
				}
			}
		})
	}
}

// workouttracker: the author's per-frame labels fall on standing frames
// (viewed: clip 18 stands upright at 0.13 s and 2.57 s, its one squat
// bottoms out near 1.1 s), so they mark where reps start, as the
// source's README also says ("repetition start marker"). Per rep: each
// rep's bottom follows a marker by at most 3 s, and no two reps share the
// stretch after one marker.
func TestWorkouttrackerMarkersPerRep(t *testing.T) {
	dir := testenv.Shared(t, "realdata/videos")
	labels := loadLabels(t)
	for name, l := range labels {
		if !strings.HasPrefix(name, "workouttracker_") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			r := analyze(t, realTrack(t, filepath.Join(dir, name)), nil)
			used := map[int]bool{}
			for _, rep := range r.Reps {
				k := -1
				for i, m := range l.bottoms {
					if m <= rep.BottomS {
						k = i
					}
				}
				switch {
				case k < 0 || rep.BottomS-l.bottoms[k] > 3:
					t.Errorf("rep %d: bottom at %.2f s follows no start marker within 3 s (markers %v)", rep.Index, rep.BottomS, l.bottoms)
				case used[k]:
					t.Errorf("rep %d: a second rep after the marker at %.2f s", rep.Index, l.bottoms[k])
				}
				used[k] = true
			}
		})
	}
}

// No reported FPPA beyond the physiological ±45° in any shared clip: not
// in a rep's value, its details, a finding, the summary or an indicator.
func TestNoImplausibleFPPA(t *testing.T) {
	dir := testenv.Shared(t, "realdata/videos")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	bound := screening.DefaultThresholds().FPPAValidity.MaxAbsDeg
	check := func(t *testing.T, what string, v float64) {
		if math.Abs(v) > bound {
			t.Errorf("%s %.1f° beyond ±%.0f°", what, v, bound)
		}
	}
	for _, e := range ents {
		t.Run(e.Name(), func(t *testing.T) {
			r := analyze(t, realTrack(t, filepath.Join(dir, e.Name())), nil)
			for _, rep := range r.Reps {
				if f, ok := rep.Metrics[screening.MetricFPPA]; ok {
					check(t, "rep FPPA", f.Left)
					check(t, "rep FPPA", f.Right)
				}
				if rep.FPPA != nil {
					for _, sd := range []screening.FPPASide{rep.FPPA.Left, rep.FPPA.Right} {
						check(t, "peak", float64(sd.PeakDeg))
						check(t, "bottom", float64(sd.BottomDeg))
					}
				}
				for _, f := range rep.Findings {
					if f.Indicator == screening.IndDynamicKneeValgus || f.Indicator == screening.IndFPPAAsymmetry {
						check(t, "finding "+f.Indicator, float64(f.Value))
					}
				}
			}
			for _, s := range r.Summary {
				if s.Name == screening.MetricFPPA {
					check(t, "summary max", float64(s.Max))
					check(t, "summary min", float64(s.Min))
				}
			}
			for _, in := range r.Indicators {
				if in.ID == screening.IndDynamicKneeValgus {
					check(t, "indicator", float64(in.Value))
				}
			}
		})
	}
}
