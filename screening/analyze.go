package screening

import (
	"context"
	"fmt"
	"math"

	"github.com/kneescreen/kneescreen/pose"
)

// Analyze screens one keypoint track. It returns a report for every
// non-nil track, even one without a usable person: such conditions are
// listed in Report.Quality.Problems (empty track, no person, person too
// small, wrong view, no reps) and make the affected metrics and
// indicators not assessable. Errors are reserved for invalid options
// (ErrInvalidOptions), a nil track (ErrNilTrack) and cancellation (the
// context's error). The package documentation lists its phases; each is
// a method of analysis below.
//
// Outcomes for edge cases:
//   - empty track: movement and view "unknown", no reps, problem
//     empty_track, Series nil.
//   - a person in fewer than 3 frames (or under a third of a second):
//     problem no_person, no reps; a person in less than
//     thresholds.quality.min_person_fraction of frames: warning
//     person_rarely_visible, analysis of the frames there are.
//   - person shorter than thresholds.quality.min_person_height_fraction
//     of the image: reps and metrics are reported, every indicator is
//     not_assessable (problem person_too_small).
//   - wrong view for the movement (e.g. a side view of a single-leg
//     squat): the frontal metrics are not assessable, problem wrong_view.
//   - no complete rep: problem no_reps, indicators not_assessable.
//   - walking in and out, pauses, partial reps at either end: not counted
//     as reps (a rep needs a hip descent of thresholds.reps.* leg lengths,
//     down and back up, with an upright trunk before and after).
//   - single-leg reps on both legs: each rep has its own side; each leg is
//     graded on its own reps and gets its own step-down score.
//   - edited video (zoomed cut-ins): each shot is measured at its own scale
//     and no rep spans a cut (quality.camera_cuts).
func Analyze(ctx context.Context, track *pose.Track, opts Options) (*Report, error) {
	if track == nil {
		return nil, ErrNilTrack
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a := newAnalysis(track, opts)
	if len(track.Poses) == 0 {
		a.addProblem(ProblemEmptyTrack, "the track has no frames: check that the video decodes")
		a.Metrics = metricInfos(ViewUnknown, MovementUnknown)
		return a.Report, nil
	}
	if !a.conditionTrack() {
		return a.Report, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.measureBody()
	a.classifyView()
	a.findReps()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.classifyMovement()
	a.computeSeries()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.measureReps()
	a.grade()
	return a.Report, nil
}

// analysis is one run of Analyze, phase by phase: each phase reads what
// the ones before it left and fills in its part of the report.
type analysis struct {
	*Report
	track *pose.Track
	opts  Options
	thr   *Thresholds

	c *conditioned // conditionTrack
	b *body        // measureBody
	// tooSmall: the person is too small in the image to grade (measureBody).
	tooSmall bool
	// spans are the reps (findReps, classifyMovement); repStance each
	// rep's stance leg (-1 bilateral), stanceAt each frame's, fallback
	// the track's stance leg of a single-leg task without reps (-1 none).
	spans     []repSpan
	repStance []int
	stanceAt  []int
	fallback  int
	// lowDescent is the shallow rep criterion of findReps.
	lowDescent float64
}

// newAnalysis starts the report: source, options and empty lists.
func newAnalysis(track *pose.Track, opts Options) *analysis {
	a := &analysis{track: track, opts: opts, thr: &opts.Thresholds, fallback: -1}
	a.Report = &Report{
		SchemaVersion: SchemaVersion,
		Source: Source{Path: opts.SourcePath, Width: track.Width, Height: track.Height,
			FPS: track.FPS, Frames: len(track.Poses)},
		Movement:   MovementUnknown,
		View:       ViewUnknown,
		Stance:     SideNone,
		Sex:        opts.Sex,
		Reps:       []Rep{},
		Summary:    []MetricSummary{},
		Asymmetry:  []Asymmetry{},
		Indicators: []Indicator{},
		Thresholds: a.thr.Used(),
		Notes:      []string{},
		Disclaimer: Disclaimer,
	}
	a.Quality.Problems = []Problem{}
	a.Quality.Frames = len(track.Poses)
	if a.Sex == "" {
		a.Sex = SexUnspecified
	}
	return a
}

// conditionTrack conditions the keypoints and reports their quality. It
// returns false when there is no person to analyse (the report is then
// complete).
func (a *analysis) conditionTrack() bool {
	c := condition(a.track, a.opts.Filter)
	a.c = c
	a.Source.FPS = round(c.fps, 4)
	a.Source.DurationS = round(c.t[len(c.t)-1]-c.t[0]+1/c.fps, 4)
	a.Notes = append(a.Notes, c.notes...)
	q := &a.Quality
	q.PersonFrames = c.personFrames
	q.PersonFraction = round(float64(c.personFrames)/float64(len(a.track.Poses)), 4)
	q.MeanScore = Number(round(c.meanScore, 4))
	q.KeypointsDropped = c.dropped
	if c.personFrames > 0 {
		q.DroppedFraction = round(float64(c.dropped)/float64(c.personFrames*c.sk.Len()), 4)
	}
	q.OutliersRejected, q.GapSamplesFilled, q.SwapsCorrected = c.outliers, c.filled, c.swaps
	q.CameraCuts = len(c.shots) - 1
	q.FilterCutoffHz = round(c.cutoffUsed, 4)
	q.PersonHeightFraction = Number(nan)
	if c.fps < 10 {
		a.addProblem(ProblemLowFrameRate, fmt.Sprintf("%.1f frames/s is too low for reliable rep timing; record at 25 frames/s or more", c.fps))
	}
	if c.personFrames < 3 || float64(c.personFrames)/c.fps < 1.0/3 {
		a.addProblem(ProblemNoPerson, "no person found in the video: film the whole body, well lit, one person in view")
		a.Metrics = metricInfos(ViewUnknown, MovementUnknown)
		a.Series = emptySeries(c)
		return false
	}
	if q.PersonFraction < a.thr.Quality.MinPersonFraction {
		a.addProblem(ProblemPersonRarelyVisible, fmt.Sprintf("a person is visible in only %.0f%% of frames; only those frames are analysed", 100*q.PersonFraction))
	}
	return true
}

// measureBody measures the person's proportions and standing references
// and reports a person too small or legs out of view.
func (a *analysis) measureBody() {
	b := measureBody(a.c, a.track.Height, a.opts.Filter.MaxGapS)
	a.b = b
	a.Quality.PersonHeightFraction = Number(round(b.heightFrac, 4))
	a.tooSmall = b.heightFrac < a.thr.Quality.MinPersonHeightFrac
	if a.tooSmall {
		a.addProblem(ProblemPersonTooSmall, fmt.Sprintf("the person fills only %.0f%% of the image height; move the camera closer (at least %.0f%%)",
			100*b.heightFrac, 100*a.thr.Quality.MinPersonHeightFrac))
	}
	if b.legFromTorso {
		a.Notes = append(a.Notes, "ankles not visible: leg length estimated from the trunk; knee and ankle metrics are limited")
	}
	if math.IsNaN(b.legLen) {
		a.addProblem(ProblemLegsHidden, "hips and legs are not visible: film the whole body")
	}
}

// classifyView classifies the camera view from body proportions, unless
// the options force it.
func (a *analysis) classifyView() {
	view, viewConf, ratio := classifyView(a.c, a.b)
	if a.opts.View != ViewAuto {
		view, viewConf, a.ViewForced = a.opts.View, 1, true
	}
	a.View, a.ViewConfidence = view, finiteOr(viewConf, 0)
	if !math.IsNaN(ratio) {
		a.Notes = append(a.Notes, fmt.Sprintf("view from body proportions: width/trunk ratio %.2f (front ≥ %.2f, side ≤ %.2f)", ratio, viewFrontMinRatio, viewSideMaxRatio))
	}
}

// findReps finds reps with the shallower single-leg criterion, so that
// the movement can be classified from them; classifyMovement finds them
// again with the movement's own.
func (a *analysis) findReps() {
	a.lowDescent = math.Min(a.thr.Reps.MinDescentRatio, a.thr.Reps.SingleLegMinDescentRatio)
	a.spans = a.segment(a.lowDescent)
}

// segment finds the reps whose mid-hip descent reaches minDescent leg
// lengths, none when the legs were never measured.
func (a *analysis) segment(minDescent float64) []repSpan {
	if math.IsNaN(a.b.legLen) {
		return nil
	}
	return keepUpright(segmentReps(a.c.t, a.b.depthSignal(a.c), 1, minDescent, a.thr.Reps.MinDurationS), a.c, a.b)
}

// minDescent is the rep criterion of the movement.
func (a *analysis) minDescent() float64 {
	if a.Movement.SingleLeg() {
		return a.thr.Reps.SingleLegMinDescentRatio
	}
	return a.thr.Reps.MinDescentRatio
}

// classifyMovement classifies the movement (unless forced), finds the
// reps again with its criterion, assigns each rep and frame its stance
// leg, and says which metrics the view and movement allow.
func (a *analysis) classifyMovement() {
	mv, mvConf, _ := classifyMovement(a.c, a.b, a.spans, a.View)
	if a.opts.Movement != MovementAuto {
		mv, mvConf, a.MovementForced = a.opts.Movement, 1, true
	}
	a.Movement, a.MovementConfidence = mv, finiteOr(mvConf, 0)
	if want := a.minDescent(); want != a.lowDescent {
		a.spans = a.segment(want)
	}
	a.repStance = assignStances(a.c, a.b, a.spans, a.View, mv, a.opts.Stance)
	if mv.SingleLeg() {
		a.fallback = trackStance(a.c, a.opts.Stance)
	}
	a.stanceAt = framesStance(a.c, a.spans, a.repStance, a.fallback)
	switch {
	case mv == MovementSquat:
		a.Stance = SideBoth
	case mv.SingleLeg():
		a.Stance = sideNames[a.fallback]
		if len(a.repStance) > 0 {
			a.Stance = sideNames[a.repStance[0]]
		}
		for _, st := range a.repStance {
			if sideNames[st] != a.Stance {
				a.Stance = SideBoth // reps on each leg
			}
		}
	}
	a.Metrics = metricInfos(a.View, mv)
	if a.View == ViewSide && mv.SingleLeg() {
		a.addProblem(ProblemWrongView, "side view: knee valgus, pelvic drop and trunk lean need a front view; only sagittal metrics are reported")
	}
	if a.View == ViewOblique {
		a.addProblem(ProblemWrongView, "oblique view: neither frontal nor sagittal angles are reliable; film square-on from the front or from the side")
	}
}

// computeSeries computes the conditioned keypoints and every metric per
// frame.
func (a *analysis) computeSeries() {
	c := a.c
	fc := &frameContext{c: c, b: a.b, thr: a.thr, stanceAt: a.stanceAt, facing: a.b.facing}
	s := emptySeries(c)
	s.Keypoints = c.keypoints(a.track)
	s.Metrics = computeSeries(fc, a.View, a.Movement)
	a.Series = s
}

// measureReps measures every rep and summarises the metrics over them.
func (a *analysis) measureReps() {
	for k, sp := range a.spans {
		side := SideBoth
		if a.repStance[k] >= 0 {
			side = sideNames[a.repStance[k]]
		}
		a.Reps = append(a.Reps, buildRep(k+1, sp, side, a.repStance[k], a.c, a.b, a.Series, a.Metrics))
		for i := sp.start; i <= sp.end; i++ {
			a.Series.RepIndex[i] = k + 1
		}
	}
	if len(a.Reps) == 0 {
		a.addProblem(ProblemNoReps, fmt.Sprintf("no complete repetition found (hip descent of at least %.0f%% of leg length, down and back up)", 100*a.minDescent()))
	}
	a.Summary, a.Asymmetry = summarise(a.Reps, a.Metrics)
}

// grade grades the indicators and, for single-leg tasks, the step-down
// score of each stance leg.
func (a *analysis) grade() {
	ic := &indicatorContext{r: a.Report, thr: a.thr, c: a.c, b: a.b, series: a.Series, spans: a.spans, repStance: a.repStance,
		stanceAt: a.stanceAt, fallback: a.fallback, blocked: blockedReason(a.Report, a.tooSmall)}
	a.Indicators = ic.indicators()
	if a.Movement.SingleLeg() {
		a.StepDownScores = ic.stepDownScores()
		a.StepDownScore = &a.StepDownScores[0]
	}
}

func (r *Report) addProblem(code ProblemCode, msg string) {
	r.Quality.Problems = append(r.Quality.Problems, Problem{Code: code, Message: msg})
}

func emptySeries(c *conditioned) *Series {
	return &Series{Frame: c.frame, Time: c.t, Person: c.person, RepIndex: make([]int, c.n()),
		Skeleton: c.sk, Keypoints: make([][]pose.Keypoint, c.n())}
}

// blockedReason returns why no indicator can be graded, or "".
func blockedReason(r *Report, tooSmall bool) string {
	switch {
	case r.HasProblem(ProblemEmptyTrack), r.HasProblem(ProblemNoPerson):
		return "no person in the video"
	case r.HasProblem(ProblemLegsHidden):
		return "legs not visible"
	case tooSmall:
		return "person too small in the image for reliable angles"
	case len(r.Reps) == 0:
		return "no complete repetition"
	}
	return ""
}

func finiteOr(v, alt float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return alt
	}
	return v
}
