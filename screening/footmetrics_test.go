package screening_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// repValue returns rep's value of metric name on side, failing when the
// rep does not carry the metric.
func repValue(t *testing.T, rep screening.Rep, name string, side screening.Side) float64 {
	t.Helper()
	v, ok := rep.Metrics[name]
	if !ok {
		t.Fatalf("rep %d has no %s", rep.Index, name)
	}
	return v.Side(side)
}

// finding returns rep's finding of indicator id on side.
func finding(t *testing.T, rep screening.Rep, id string, side screening.Side) screening.Finding {
	t.Helper()
	for _, f := range rep.Findings {
		if f.Indicator == id && f.Side == side {
			return f
		}
	}
	t.Fatalf("rep %d: no %s finding on %s", rep.Index, id, side)
	return screening.Finding{}
}

// atBottom returns a truth series' value at rep k's bottom frame.
func atBottom(truth *synth.Truth, series []float64, rep screening.Rep) float64 {
	return series[rep.BottomFrame]
}

// foot_progression_deg recovers each foot's set turn-out from the front,
// square-on and up to 15° off it (the frontal view's range is 20°), per
// rep and per side, within 4° up to 30° of toe-out and 6° at 45° (the
// foot's length is not visible from the front; the arcsine magnifies its
// uncertainty as the foot turns out): the same bounds as the knee line's
// turn-out (TestToeOutFromFeet), which reads the same frames. All but 2%
// of the series' valid frames lie within twice the bound (one frame's
// noise, 2 px on a foot 150 px long, is 1-2°, more where the arcsine
// steepens).
func TestFootProgressionRecoversToeOut(t *testing.T) {
	for _, toeOut := range []float64{0, 15, 30, 45} {
		tol := 4.0
		if toeOut > 30 {
			tol = 6
		}
		for _, yaw := range []float64{-15, -6, 0, 8, 15} {
			t.Run(fmt.Sprintf("toe-out %.0f, yaw %.0f", toeOut, yaw), func(t *testing.T) {
				tr, _ := generate(t, synth.Config{Feet: true, Reps: 3, ToeOutDeg: toeOut, StanceWidthM: 0.4, YawDeg: yaw, NoisePx: 2, Seed: 11})
				r := analyze(t, tr, nil)
				if len(r.Reps) != 3 {
					t.Fatalf("%d reps, want 3", len(r.Reps))
				}
				for _, rep := range r.Reps {
					for _, side := range []screening.Side{screening.SideLeft, screening.SideRight} {
						if v := repValue(t, rep, screening.MetricFootProgression, side); !(math.Abs(v-toeOut) <= tol) {
							t.Errorf("rep %d %s: foot progression %.1f°, want %.0f±%.0f°", rep.Index, side, v, toeOut, tol)
						}
					}
				}
				for _, side := range []screening.Side{screening.SideLeft, screening.SideRight} {
					ms := r.Series.Metric(screening.MetricFootProgression, side)
					valid, bad := 0, 0
					for i, v := range ms.Values {
						if !ms.Valid[i] {
							continue
						}
						valid++
						if math.Abs(v-toeOut) > 2*tol {
							bad++
						}
					}
					if bad > valid/50 {
						t.Errorf("%s: %d of %d valid frames beyond ±%.0f°", side, bad, valid, 2*tol)
					}
					if valid < len(ms.Values)/2 {
						t.Errorf("%s: %d of %d frames valid", side, valid, len(ms.Values))
					}
				}
			})
		}
	}
}

// heel_rise recovers a set heel rise from the front and from the side,
// per side: the heel that rises reads its rise within 0.03 foot lengths
// in profile (a 1 px noise is 0.01 of a foot 100-150 px long, and the
// lesser of the heel's and the ankle's reading, fitted over ±0.3 s, is
// biased a little low); from the front up to a fifth lower still, since
// the ankle travels towards the camera as the foot rocks on its ball and
// a camera that looks down on the feet sees it lower. The heel that stays
// down reads under the watch cut-off, and the findings follow: a rise of
// 0.1 foot lengths is watch, of 0.2 flag, none ok. In profile the far
// foot, which the model scores as hidden, is not read. The set yaw sweeps
// the frontal range and the sagittal one.
func TestHeelRiseRecovered(t *testing.T) {
	for _, rise := range []float64{0.1, 0.2} {
		for _, yaw := range []float64{-12, 0, 10, 75, 90, 105} {
			t.Run(fmt.Sprintf("rise %.2f, yaw %.0f", rise, yaw), func(t *testing.T) {
				tr, truth := generate(t, synth.Config{Feet: true, Reps: 3, HeelRise: [2]float64{rise, 0}, KneeFlexionDeg: 110,
					StanceWidthM: 0.3, ToeOutDeg: 10, YawDeg: yaw, NoisePx: 1, Seed: 21})
				r := analyze(t, tr, nil)
				if len(r.Reps) != 3 {
					t.Fatalf("%d reps, want 3", len(r.Reps))
				}
				profile := math.Abs(yaw) > 45
				for _, rep := range r.Reps {
					peak := 0.0
					for i := rep.StartFrame; i <= rep.EndFrame; i++ {
						peak = math.Max(peak, truth.HeelRise[0][i])
					}
					if math.Abs(peak-rise) > 0.005 {
						t.Fatalf("synth: the heel rises %.3f, set %.3f", peak, rise)
					}
					left := repValue(t, rep, screening.MetricHeelRise, screening.SideLeft)
					lo := rise - 0.03
					if !profile {
						lo -= 0.2 * rise
					}
					if !(left >= lo && left <= rise+0.03) {
						t.Errorf("rep %d: left heel rise %.3f, want %.2f (%.3f to %.3f)", rep.Index, left, rise, lo, rise+0.03)
					}
					want := screening.LevelWatch
					if rise > 0.14 {
						want = screening.LevelFlag
					}
					if f := finding(t, rep, screening.IndHeelRise, screening.SideLeft); f.Level != want {
						t.Errorf("rep %d: left finding %s (value %v, %s), want %s", rep.Index, f.Level, f.Value, f.Reason, want)
					}
					right := repValue(t, rep, screening.MetricHeelRise, screening.SideRight)
					f := finding(t, rep, screening.IndHeelRise, screening.SideRight)
					switch {
					case profile:
						if !math.IsNaN(right) || f.Level != screening.LevelNotAssessable {
							t.Errorf("rep %d: the hidden right foot reads %.3f (%s), want no reading", rep.Index, right, f.Level)
						}
					case !(math.Abs(right) < 0.03) || f.Level != screening.LevelOK:
						t.Errorf("rep %d: right heel (down) reads %.3f, %s; want 0±0.03, ok", rep.Index, right, f.Level)
					}
				}
			})
		}
	}
}

// A heel the model misplaces, as BlazePose does with a heel hidden behind
// the shank in a deep squat (placed up to a quarter of a foot too high
// while the ankle stays), is not read as a heel rise: the ankle does not
// corroborate it. A whole foot estimate that drifts up as the legs fold
// over it (heel, ankle and toe together, as on the shared side clips;
// here by 0.35, 0.3 and 0.15 foot lengths at depth, which the ankle would
// corroborate as a 0.2 rise) is not read at all: its toe leaves the
// place it stood for much of the rep. A real rise lifts the ankle too,
// keeps the toe down, and is read in full.
func TestHeelRiseNeedsTheAnkle(t *testing.T) {
	for _, tc := range []struct {
		name             string
		real             bool
		heel, ankle, toe float64 // drift at depth, in foot lengths
	}{
		{"real rise", true, 0, 0, 0},
		{"misplaced heel", false, 0.25, 0, 0},
		{"drifting foot", false, 0.35, 0.3, 0.15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			real := tc.real
			cfg := synth.Config{Feet: true, Reps: 3, KneeFlexionDeg: 110, YawDeg: 90, NoisePx: 1, Seed: 4}
			if real {
				cfg.HeelRise = [2]float64{0.25, 0}
			}
			tr, truth := generate(t, cfg)
			if !real {
				// Move the left foot's keypoints up in proportion to depth
				// (the foot is 0.62 of the shank).
				sc := truth.Clean
				for i := range tr.Poses {
					k, a := sc.Poses[i].At(pose.LeftKnee), sc.Poses[i].At(pose.LeftAnkle)
					k0, a0 := sc.Poses[0].At(pose.LeftKnee), sc.Poses[0].At(pose.LeftAnkle)
					depth := math.Min(1, 4*(1-math.Abs(k.Y-a.Y)/math.Abs(k0.Y-a0.Y))) // 0 standing, 1 as the shank leans
					F := 0.62 * math.Hypot(k0.X-a0.X, k0.Y-a0.Y)
					tr.Poses[i].At(pose.LeftHeel).Y -= tc.heel * F * depth
					tr.Poses[i].At(pose.LeftAnkle).Y -= tc.ankle * F * depth
					tr.Poses[i].At(pose.LeftFootIndex).Y -= tc.toe * F * depth
				}
			}
			r := analyze(t, tr, nil)
			if len(r.Reps) != 3 {
				t.Fatalf("%d reps, want 3", len(r.Reps))
			}
			for _, rep := range r.Reps {
				v := repValue(t, rep, screening.MetricHeelRise, screening.SideLeft)
				switch {
				case real && math.Abs(v-0.25) > 0.04:
					t.Errorf("rep %d: a real rise of 0.25 reads %.3f", rep.Index, v)
				case tc.toe == 0 && !real && v > 0.05:
					t.Errorf("rep %d: a %s reads a rise of %.3f, want under 0.05", rep.Index, tc.name, v)
				case tc.toe > 0 && !math.IsNaN(v):
					t.Errorf("rep %d: a %s reads a rise of %.3f, want no reading", rep.Index, tc.name, v)
				}
			}
		})
	}
}

// ankle_dorsiflexion_deg recovers, in profile, the closing of the 3D
// angle between the shank and the foot at the bottom of the rep, within
// 3° with the feet straight and the camera within 10° of square to the
// side, 5° at 15° off it or with the foot turned out 15° (the side view
// sees the angle foreshortened).
// With the heel rising the foot rocks forward with the shank: the ankle
// dorsiflexes less than the shank inclines, and the metric follows the
// ankle, not shank_inclination_deg.
func TestAnkleDorsiflexionRecovered(t *testing.T) {
	for _, tc := range []struct {
		toeOut, rise, tol float64
	}{{0, 0, 3}, {15, 0, 5}, {0, 0.2, 3}} {
		for _, yaw := range []float64{80, 90, 100, 105, -90} {
			t.Run(fmt.Sprintf("toe-out %.0f, heel rise %.1f, yaw %.0f", tc.toeOut, tc.rise, yaw), func(t *testing.T) {
				tol := tc.tol
				if math.Abs(math.Abs(yaw)-90) > 10 {
					tol = math.Max(tol, 5)
				}
				tr, truth := generate(t, synth.Config{Feet: true, Reps: 2, KneeFlexionDeg: 110, ToeOutDeg: tc.toeOut,
					HeelRise: [2]float64{tc.rise, tc.rise}, YawDeg: yaw, NoisePx: 1, Seed: 9})
				r := analyze(t, tr, nil)
				if len(r.Reps) != 2 {
					t.Fatalf("%d reps, want 2", len(r.Reps))
				}
				near, s := screening.SideLeft, 0 // camera on the left (yaw 90)
				if yaw < 0 {
					near, s = screening.SideRight, 1
				}
				for _, rep := range r.Reps {
					want := atBottom(truth, truth.AnkleDorsiflexionDeg[s], rep)
					got := repValue(t, rep, screening.MetricAnkleDorsiflexion, near)
					if math.Abs(got-want) > tol {
						t.Errorf("rep %d %s: dorsiflexion %.1f°, truth %.1f°±%.0f°", rep.Index, near, got, want, tol)
					}
					if tc.rise > 0 {
						if shank := repValue(t, rep, screening.MetricShankInclination, near); !(shank > got+5) {
							t.Errorf("rep %d: with the heel up the shank inclines %.1f°, the ankle dorsiflexes %.1f°; want the ankle well below", rep.Index, shank, got)
						}
					}
				}
			})
		}
	}
}

// Without foot keypoints (MoveNet's COCO-17) the foot metrics and the
// heel-rise indicator are not assessable, saying the model has no foot
// keypoints, and no rep carries them; the other metrics are unaffected.
func TestFootMetricsWithoutFeet(t *testing.T) {
	for _, yaw := range []float64{0, 90} {
		tr, _ := generate(t, synth.Config{Reps: 2, HeelRise: [2]float64{0.2, 0.2}, YawDeg: yaw, NoisePx: 1, Seed: 2})
		if tr.Skeleton != pose.COCO17 {
			t.Fatalf("skeleton %v, want coco17", tr.Skeleton)
		}
		r := analyze(t, tr, nil)
		if len(r.Reps) != 2 {
			t.Fatalf("yaw %.0f: %d reps, want 2", yaw, len(r.Reps))
		}
		const why = "the model has no foot keypoints"
		for _, name := range []string{screening.MetricFootProgression, screening.MetricHeelRise, screening.MetricAnkleDorsiflexion} {
			for _, info := range r.Metrics {
				if info.Name == name && (info.Assessable || !strings.Contains(info.Reason, why)) {
					t.Errorf("yaw %.0f: %s assessable %v, reason %q", yaw, name, info.Assessable, info.Reason)
				}
			}
			for _, rep := range r.Reps {
				if _, ok := rep.Metrics[name]; ok {
					t.Errorf("yaw %.0f: rep %d carries %s", yaw, rep.Index, name)
				}
			}
		}
		for _, side := range []screening.Side{screening.SideLeft, screening.SideRight} {
			in := indicator(t, r, screening.IndHeelRise, side)
			if in.Level != screening.LevelNotAssessable || !strings.Contains(in.Reason, why) {
				t.Errorf("yaw %.0f: heel_rise %s: %s, %q", yaw, side, in.Level, in.Reason)
			}
			for _, rep := range r.Reps {
				if f := finding(t, rep, screening.IndHeelRise, side); f.Level != screening.LevelNotAssessable || !strings.Contains(f.Reason, why) {
					t.Errorf("yaw %.0f: rep %d heel_rise %s: %s, %q", yaw, rep.Index, side, f.Level, f.Reason)
				}
			}
		}
		if _, ok := r.Reps[0].Metrics[screening.MetricDepth]; !ok {
			t.Errorf("yaw %.0f: depth missing", yaw)
		}
	}
}
