package screening_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// findingClips are synthetic clips whose reps differ: knees in and out,
// single-leg reps on each leg, lunges, a side view, a turning camera.
var findingClips = []synth.Config{
	{Reps: 6, StanceWidthM: 0.6, ToeOutDeg: 30, KneeFlexionDeg: 125,
		KneeMedialByRep: [][2]float64{{0.22, 0.22}, {-0.04, -0.04}, {0.22, 0}, {-0.04, -0.04}, {0.12, 0.2}, {-0.04, -0.04}}},
	{Reps: 5, ValgusByRep: [][2]float64{{4, 4}, {14, 3}, {20, 2}, {6, 19}, {3, 3}}},
	{Movement: synth.SingleLegSquat, Reps: 4, SwitchLegAfter: 2, ValgusDeg: [2]float64{15, 4}, PelvicDropDeg: 8},
	{Movement: synth.Lunge, Reps: 3, StanceRight: true},
	{Reps: 3, YawDeg: 90},
	{Reps: 6, YawDeg: 0, YawEndDeg: 90, TurnAtS: 8, TurnS: 2},
}

func clipName(k int, cfg synth.Config) string {
	mv := cfg.Movement
	if mv == "" {
		mv = synth.Squat
	}
	if cfg.TurnS > 0 {
		return fmt.Sprintf("%d %s turning %.0f-%.0f", k, mv, cfg.YawDeg, cfg.YawEndDeg)
	}
	return fmt.Sprintf("%d %s yaw %.0f", k, mv, cfg.YawDeg)
}

// A rep's findings are a function of the rep alone: a RepGrader given
// only the rep (as a live screen has it when the rep ends) returns the
// report's findings for every rep.
func TestRepGraderIsTheReportsVerdict(t *testing.T) {
	for k, cfg := range findingClips {
		cfg.NoisePx, cfg.Seed = 2, int64(40+k)
		t.Run(clipName(k, cfg), func(t *testing.T) {
			tr, _ := generate(t, cfg)
			opts := screening.DefaultOptions()
			r := analyze(t, tr, nil)
			if len(r.Reps) == 0 {
				t.Fatal("no reps")
			}
			rg := screening.NewRepGrader(&opts.Thresholds, opts.Sex)
			for _, rep := range r.Reps {
				got, _ := json.Marshal(rg.Findings(rep))
				want, _ := json.Marshal(rep.Findings)
				if string(got) != string(want) {
					t.Errorf("rep %d: grader %s\nreport %s", rep.Index, got, want)
				}
			}
		})
	}
}

// The clip's indicators summarise the reps' findings by the stated rule
// (screening.SummaryRule): the worst level that at least a third of the
// assessed reps reach; the counts are the findings' counts.
func TestClipFollowsSummaryRule(t *testing.T) {
	checked := 0
	for k, cfg := range findingClips {
		cfg.NoisePx, cfg.Seed = 2, int64(40+k)
		tr, _ := generate(t, cfg)
		r := analyze(t, tr, nil)
		for _, in := range r.Indicators {
			var assessed, watch, flag int
			for _, rep := range r.Reps {
				for _, f := range rep.Findings {
					if f.Indicator != in.ID || f.Side != in.Side || f.Level == screening.LevelNotAssessable {
						continue
					}
					assessed++
					switch f.Level {
					case screening.LevelFlag:
						flag++
						watch++
					case screening.LevelWatch:
						watch++
					}
				}
			}
			if assessed == 0 {
				continue // not graded rep by rep (a single-leg task's legs compared across reps)
			}
			checked++
			third := (assessed + 2) / 3
			want := screening.LevelOK
			switch {
			case flag >= third:
				want = screening.LevelFlag
			case watch >= third:
				want = screening.LevelWatch
			}
			if in.Level != want || in.RepsAssessed != assessed || in.RepsWatch != watch || in.RepsFlag != flag {
				t.Errorf("%s %s/%s: %s with %d/%d/%d reps assessed/watch/flag; the findings give %s with %d/%d/%d",
					clipName(k, cfg), in.ID, in.Side, in.Level, in.RepsAssessed, in.RepsWatch, in.RepsFlag, want, assessed, watch, flag)
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d indicators graded from rep findings; the clips do not exercise the rule", checked)
	}
}
