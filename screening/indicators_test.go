package screening_test

import (
	"fmt"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// Each indicator fires (watch or flag) on the right side for a movement
// that shows its sign, and every graded indicator stays ok on the same
// movement done cleanly.
func TestIndicatorsFireOnTheRightSide(t *testing.T) {
	type want struct {
		id    string
		side  screening.Side
		level screening.Level // minimum level
	}
	for _, tc := range []struct {
		name  string
		cfg   synth.Config
		sex   screening.Sex
		fires []want
	}{
		// A knee that caves (valgus) also goes inside its (straight)
		// foot's line: 10° of FPPA moves it about 0.09 shank lengths.
		{"valgus left single-leg squat", synth.Config{Movement: synth.SingleLegSquat, ValgusDeg: [2]float64{18, 0}},
			screening.SexFemale, []want{{screening.IndDynamicKneeValgus, screening.SideLeft, screening.LevelFlag},
				{screening.IndKneeInsideFoot, screening.SideLeft, screening.LevelWatch}}},
		{"valgus right single-leg squat, male watch", synth.Config{Movement: synth.SingleLegSquat, StanceRight: true, ValgusDeg: [2]float64{0, 10}},
			screening.SexMale, []want{{screening.IndDynamicKneeValgus, screening.SideRight, screening.LevelWatch},
				{screening.IndKneeInsideFoot, screening.SideRight, screening.LevelWatch}}},
		{"squat right knee caves", synth.Config{Movement: synth.Squat, KneeFlexionDeg: 80, ValgusDeg: [2]float64{2, 18}},
			screening.SexUnspecified, []want{
				{screening.IndDynamicKneeValgus, screening.SideRight, screening.LevelFlag},
				{screening.IndFPPAAsymmetry, screening.SideRight, screening.LevelFlag},
				{screening.IndKneeInsideFoot, screening.SideRight, screening.LevelWatch},
				// One knee far inside also narrows the knees' distance.
				{screening.IndKneesInsideAnkles, screening.SideBoth, screening.LevelWatch},
			}},
		{"squat both knees cave", synth.Config{Movement: synth.Squat, KneeFlexionDeg: 80, ValgusDeg: [2]float64{20, 20}},
			screening.SexUnspecified, []want{
				{screening.IndKneesInsideAnkles, screening.SideBoth, screening.LevelFlag},
				{screening.IndDynamicKneeValgus, screening.SideLeft, screening.LevelFlag},
				{screening.IndDynamicKneeValgus, screening.SideRight, screening.LevelFlag},
				{screening.IndKneeInsideFoot, screening.SideLeft, screening.LevelWatch},
				{screening.IndKneeInsideFoot, screening.SideRight, screening.LevelWatch},
			}},
		{"pelvic drop, right stance", synth.Config{Movement: synth.SingleLegSquat, StanceRight: true, PelvicDropDeg: 12},
			screening.SexUnspecified, []want{{screening.IndPelvicDrop, screening.SideRight, screening.LevelFlag}}},
		{"trunk lean, left stance step-down", synth.Config{Movement: synth.StepDown, TrunkLeanDeg: 8},
			screening.SexUnspecified, []want{{screening.IndTrunkLateralLean, screening.SideLeft, screening.LevelWatch}}},
		{"knee-dominant squat from the side", synth.Config{Movement: synth.Squat, YawDeg: 90, KneeShare: 0.6, TrunkFactor: 0.2},
			screening.SexUnspecified, []want{
				{screening.IndKneeDominant, screening.SideLeft, screening.LevelFlag},
				{screening.IndKneeDominant, screening.SideRight, screening.LevelFlag},
			}},
		{"stiff ankles from the side", synth.Config{Movement: synth.Squat, YawDeg: 90, KneeShare: 0.15, TrunkFactor: 1.2},
			screening.SexUnspecified, []want{
				{screening.IndLimitedShank, screening.SideLeft, screening.LevelFlag},
				{screening.IndLimitedShank, screening.SideRight, screening.LevelFlag},
			}},
		{"right leg bends less, from the side", synth.Config{Movement: synth.Squat, YawDeg: 90, KneeFlexionScale: [2]float64{1, 0.8}},
			screening.SexUnspecified, []want{{screening.IndFlexionAsymmetry, screening.SideRight, screening.LevelFlag}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Reps, cfg.NoisePx, cfg.Seed = 4, 2, 7
			tr, _ := generate(t, cfg)
			r := analyze(t, tr, func(o *screening.Options) { o.Sex = tc.sex })
			if len(r.Reps) != 4 {
				t.Fatalf("%d reps, want 4", len(r.Reps))
			}
			fired := map[string]bool{}
			for _, w := range tc.fires {
				in := indicator(t, r, w.id, w.side)
				fired[w.id+"/"+string(w.side)] = true
				if rank(in.Level) < rank(w.level) {
					t.Errorf("%s/%s: level %s (value %v, reason %q), want at least %s", w.id, w.side, in.Level, in.Value, in.Reason, w.level)
				}
				if in.Focus == "" || in.Source == "" || in.ConfigKey == "" {
					t.Errorf("%s/%s: focus %q, source %q, key %q must be set", w.id, w.side, in.Focus, in.Source, in.ConfigKey)
				}
				if in.Confidence <= 0 || in.Confidence > 1 {
					t.Errorf("%s/%s: confidence %v", w.id, w.side, in.Confidence)
				}
			}
			// Everything else that could be graded is silent.
			for _, in := range r.Indicators {
				if fired[in.ID+"/"+string(in.Side)] || (in.ID == screening.IndFPPAAsymmetry && fired[in.ID+"/"+string(in.Side.Other())]) {
					continue
				}
				if in.Level == screening.LevelWatch || in.Level == screening.LevelFlag {
					t.Errorf("%s/%s fires (%s, value %v) but should be silent", in.ID, in.Side, in.Level, in.Value)
				}
			}
		})
	}
}

func rank(l screening.Level) int {
	switch l {
	case screening.LevelOK:
		return 1
	case screening.LevelWatch:
		return 2
	case screening.LevelFlag:
		return 3
	}
	return 0
}

// Clean movements in their proper view grade every applicable indicator
// ok (not silent by being not assessable).
func TestIndicatorsSilentOnCleanMovement(t *testing.T) {
	for _, tc := range []struct {
		cfg    synth.Config
		graded []string
	}{
		{synth.Config{Movement: synth.Squat}, []string{screening.IndDynamicKneeValgus, screening.IndFPPAAsymmetry, screening.IndKneesInsideAnkles}},
		{synth.Config{Movement: synth.SingleLegSquat}, []string{screening.IndDynamicKneeValgus, screening.IndPelvicDrop, screening.IndTrunkLateralLean}},
		{synth.Config{Movement: synth.StepDown, StanceRight: true}, []string{screening.IndDynamicKneeValgus, screening.IndPelvicDrop, screening.IndTrunkLateralLean}},
		{synth.Config{Movement: synth.Squat, YawDeg: 90}, []string{screening.IndKneeDominant, screening.IndLimitedShank, screening.IndFlexionAsymmetry}},
	} {
		t.Run(fmt.Sprintf("%s/yaw%.0f", tc.cfg.Movement, tc.cfg.YawDeg), func(t *testing.T) {
			cfg := tc.cfg
			cfg.Reps, cfg.NoisePx, cfg.DropProb, cfg.Seed = 5, 2, 0.02, 9
			tr, _ := generate(t, cfg)
			r := analyze(t, tr, nil)
			graded := map[string]bool{}
			for _, in := range r.Indicators {
				switch in.Level {
				case screening.LevelWatch, screening.LevelFlag:
					t.Errorf("%s/%s: %s (value %v) on a clean movement", in.ID, in.Side, in.Level, in.Value)
				case screening.LevelOK:
					graded[in.ID] = true
				}
			}
			for _, id := range tc.graded {
				if !graded[id] {
					t.Errorf("%s never graded ok; indicators %v", id, indicatorList(r))
				}
			}
			if r.StepDownScore != nil && r.StepDownScore.Assessable && r.StepDownScore.Total > 1 {
				t.Errorf("step-down total %d on a clean movement: %+v", r.StepDownScore.Total, r.StepDownScore.Items)
			}
		})
	}
}

// The step-down score adds the Piva items that the movement shows.
func TestStepDownScore(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    synth.Config
		items  map[string]int
		rating string
	}{
		{"clean", synth.Config{}, map[string]int{}, "good"},
		{"pelvis and trunk", synth.Config{PelvicDropDeg: 10, TrunkLeanDeg: 14}, map[string]int{screening.StepPelvis: 1, screening.StepTrunk: 1}, "moderate"},
		{"hands and knee far medial", synth.Config{HandsOffWaist: true, ValgusDeg: [2]float64{25, 0}},
			map[string]int{screening.StepArmStrategy: 1, screening.StepKneePosition: 2}, "moderate"},
		{"everything", synth.Config{HandsOffWaist: true, ValgusDeg: [2]float64{25, 0}, PelvicDropDeg: 10, TrunkLeanDeg: 14, StanceAnkleShiftM: 0.06},
			map[string]int{screening.StepArmStrategy: 1, screening.StepKneePosition: 2, screening.StepPelvis: 1, screening.StepTrunk: 1, screening.StepSteadyStance: 1}, "poor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Movement, cfg.Reps, cfg.NoisePx, cfg.Seed = synth.StepDown, 5, 2, 13
			tr, _ := generate(t, cfg)
			r := analyze(t, tr, nil)
			sd := r.StepDownScore
			if sd == nil || !sd.Assessable {
				t.Fatalf("no assessable step-down score: %+v", sd)
			}
			total := 0
			for _, it := range sd.Items {
				if it.Points != tc.items[it.ID] {
					t.Errorf("item %s: %d points (value %v, seen in %d reps), want %d", it.ID, it.Points, it.Value, it.RepsSeen, tc.items[it.ID])
				}
				if it.Points > 0 && it.EvidenceFrame < 0 {
					t.Errorf("item %s scored without an evidence frame", it.ID)
				}
				total += it.Points
			}
			if sd.Total != total || sd.Rating != tc.rating {
				t.Errorf("total %d rating %s, want %d %s", sd.Total, sd.Rating, total, tc.rating)
			}
		})
	}
	t.Run("side view not assessable", func(t *testing.T) {
		tr, _ := generate(t, synth.Config{Movement: synth.StepDown, Reps: 3, YawDeg: 90, NoisePx: 2})
		r := analyze(t, tr, nil)
		if r.StepDownScore == nil || r.StepDownScore.Assessable || r.StepDownScore.Reason == "" {
			t.Errorf("side-view step-down score: %+v", r.StepDownScore)
		}
	})
}

// Both legs in one recording: each rep keeps its own stance leg, each leg
// is graded on the reps it stands on, and each gets a step-down score.
func TestBothLegsInOneRecording(t *testing.T) {
	for _, mv := range []string{synth.SingleLegSquat, synth.StepDown} {
		t.Run(mv, func(t *testing.T) {
			tr, _ := generate(t, synth.Config{Movement: mv, Reps: 6, SwitchLegAfter: 3, NoisePx: 2, Seed: 31,
				ValgusDeg: [2]float64{18, 0}, PelvicDropDeg: 0})
			r := analyze(t, tr, func(o *screening.Options) { o.Sex = screening.SexFemale })
			if len(r.Reps) != 6 {
				t.Fatalf("%d reps, want 6", len(r.Reps))
			}
			for i, rep := range r.Reps {
				want := screening.SideLeft
				if i >= 3 {
					want = screening.SideRight
				}
				if rep.Side != want {
					t.Errorf("rep %d on the %s leg, want %s", rep.Index, rep.Side, want)
				}
			}
			if r.Stance != screening.SideBoth {
				t.Errorf("report stance %s, want both", r.Stance)
			}
			if in := indicator(t, r, screening.IndDynamicKneeValgus, screening.SideLeft); in.Level != screening.LevelFlag || len(in.Reps) != 3 {
				t.Errorf("left valgus %s over reps %v, want flag over 3 reps", in.Level, in.Reps)
			}
			if in := indicator(t, r, screening.IndDynamicKneeValgus, screening.SideRight); in.Level != screening.LevelOK {
				t.Errorf("right valgus %s (%v), want ok", in.Level, in.Value)
			}
			if in := indicator(t, r, screening.IndFPPAAsymmetry, screening.SideLeft); in.Level != screening.LevelFlag {
				t.Errorf("FPPA asymmetry %s (%v), want flag on the left", in.Level, in.Value)
			}
			for _, s := range []screening.Side{screening.SideLeft, screening.SideRight} {
				if in := indicator(t, r, screening.IndPelvicDrop, s); in.Level != screening.LevelOK {
					t.Errorf("pelvic drop %s: %s (%v), want ok", s, in.Level, in.Value)
				}
			}
			if len(r.StepDownScores) != 2 || r.StepDownScore == nil || r.StepDownScores[0].Side == r.StepDownScores[1].Side {
				t.Fatalf("step-down scores %+v", r.StepDownScores)
			}
			for _, sd := range r.StepDownScores {
				knee := 0
				for _, it := range sd.Items {
					if it.ID == screening.StepKneePosition {
						knee = it.Points
					}
				}
				if (sd.Side == screening.SideLeft) != (knee > 0) {
					t.Errorf("%s leg: knee position %d points", sd.Side, knee)
				}
			}
		})
	}
}

// Steady stance fires on the rep whose free foot touches down, with that
// rep's frame as evidence, and stays silent on clean reps.
func TestStepDownFreeFootTouchdown(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mv    string
		right bool
		touch []int
		seed  int64
		// noisy: 4 px noise, 5% dropped keypoints, 1% outliers (else 2 px).
		noisy bool
	}{
		{"step-down, left stance, rep 3", synth.StepDown, false, []int{3}, 41, false},
		{"step-down, right stance, rep 1", synth.StepDown, true, []int{1}, 42, false},
		{"step-down, left stance, reps 2 and 5", synth.StepDown, false, []int{2, 5}, 43, false},
		{"step-down, clean", synth.StepDown, false, nil, 44, false},
		{"step-down, right stance, clean", synth.StepDown, true, nil, 45, false},
		{"single-leg squat, rep 4", synth.SingleLegSquat, false, []int{4}, 46, false},
		{"single-leg squat, clean", synth.SingleLegSquat, true, nil, 47, false},
		{"step-down, noisy, rep 2", synth.StepDown, false, []int{2}, 48, true},
		{"step-down, noisy, clean", synth.StepDown, true, nil, 49, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := synth.Config{Movement: tc.mv, StanceRight: tc.right, Reps: 5, TouchdownReps: tc.touch, NoisePx: 2, Seed: tc.seed}
			if tc.noisy {
				cfg.NoisePx, cfg.DropProb, cfg.OutlierProb = 4, 0.05, 0.01
			}
			tr, truth := generate(t, cfg)
			r := analyze(t, tr, nil)
			if len(r.Reps) != 5 {
				t.Fatalf("%d reps, want 5", len(r.Reps))
			}
			if string(r.Movement) != tc.mv {
				t.Fatalf("movement %s, want %s", r.Movement, tc.mv)
			}
			stance := screening.SideLeft
			if tc.right {
				stance = screening.SideRight
			}
			for _, rep := range r.Reps {
				if rep.Side != stance {
					t.Fatalf("rep %d on the %s leg, want %s (a touchdown must not flip the stance leg)", rep.Index, rep.Side, stance)
				}
			}
			sd := r.StepDownScore
			if sd == nil || !sd.Assessable || len(r.StepDownScores) != 1 {
				t.Fatalf("want one assessable step-down score: %+v", r.StepDownScores)
			}
			var it screening.StepDownItem
			for _, x := range sd.Items {
				if x.ID == screening.StepSteadyStance {
					it = x
				}
			}
			var got []int
			for _, ev := range it.Evidence {
				if ev.Sign != screening.SignFreeFootTouchdown {
					t.Errorf("rep %d: steady stance seen as %s (%v)", ev.Rep, ev.Sign, ev.Value)
					continue
				}
				got = append(got, ev.Rep)
				rep := r.Reps[ev.Rep-1]
				if ev.Frame < rep.StartFrame || ev.Frame > rep.EndFrame || !truth.FreeFootDown[ev.Frame] {
					t.Errorf("rep %d: evidence frame %d not a touchdown frame of the rep (%d-%d)", ev.Rep, ev.Frame, rep.StartFrame, rep.EndFrame)
				}
				if float64(ev.Value) < 0.5 || float64(ev.Value) > rep.EndS-rep.StartS {
					t.Errorf("rep %d: touchdown of %v s", ev.Rep, ev.Value)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.touch) && !(len(got) == 0 && len(tc.touch) == 0) {
				t.Errorf("touchdowns seen in reps %v, want %v", got, tc.touch)
			}
			want := 0
			if len(tc.touch) > 0 {
				want = 1
			}
			if it.Points != want || it.RepsSeen != len(tc.touch) {
				t.Errorf("steady stance %d points over %d reps, want %d over %d", it.Points, it.RepsSeen, want, len(tc.touch))
			}
			if want == 1 && (it.EvidenceFrame < 0 || !truth.FreeFootDown[it.EvidenceFrame]) {
				t.Errorf("steady stance evidence frame %d shows no touchdown", it.EvidenceFrame)
			}
			if sd.Total != want {
				t.Errorf("total %d, want %d (only steady stance): %+v", sd.Total, want, sd.Items)
			}
		})
	}
}
