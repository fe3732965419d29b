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
//     An oblique view (between the frontal and sagittal yaw limits)
//     allows neither plane's angles. A clip whose reps are filmed from
//     different views measures each rep with what its own view allows.
//   - implausible values (FPPA beyond its physiological bound, any
//     metric outside its plausible range): those frames are not valid; a
//     rep whose valgus reaches the FPPA bound is not assessable for FPPA,
//     with the reason.
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
		a.Metrics = metricInfos(nil, ViewUnknown, MovementUnknown)
		return a.Report, nil
	}
	if !a.conditionTrack() {
		return a.Report, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.measureBody()
	a.findReps()
	a.estimateYaw()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.classifyMovement()
	a.classifyViews()
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
	// repMove is each rep's movement and moveAt each frame's
	// (classifyMovement).
	repMove []Movement
	moveAt  []Movement
	// ym holds the yaw cues (estimateYaw); repYaw each rep's yaw,
	// repView its view, viewAt each frame's view and yawAt its yaw
	// (classifyViews); front the keypoints corrected for yaw that
	// frontal metrics read.
	ym      *yawModel
	repYaw  []repYaw
	repView []View
	viewAt  []View
	yawAt   []float64
	front   *frontalKeypoints
	// feet holds each rep's foot turn-out (classifyViews).
	feet *feet
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
		Movement:     MovementUnknown,
		View:         ViewUnknown,
		YawDeg:       Number(nan),
		ViewSegments: []ViewSegment{},
		Stance:       SideNone,
		Sex:          opts.Sex,
		Reps:         []Rep{},
		Summary:      []MetricSummary{},
		Asymmetry:    []Asymmetry{},
		Indicators:   []Indicator{},
		Thresholds:   a.thr.Used(),
		Notes:        []string{},
		Disclaimer:   Disclaimer,
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
		a.addProblem(ProblemNoPerson, noPersonMessage(c.personFrames, c.fps))
		a.Metrics = metricInfos(nil, ViewUnknown, MovementUnknown)
		a.Series = emptySeries(c)
		return false
	}
	if q.PersonFraction < a.thr.Quality.MinPersonFraction {
		a.addProblem(ProblemPersonRarelyVisible, fmt.Sprintf("a person is visible in only %.0f%% of frames; only those frames are analysed", 100*q.PersonFraction))
	}
	return true
}

// noPersonMessage says why a track with a person in n frames at fps
// frames a second is too little to analyse: nobody was found, or somebody
// was, in too few frames to show a movement (a photo, a clip cut short),
// which calls for another recording, not for better light.
func noPersonMessage(n int, fps float64) string {
	switch {
	case n == 0:
		return "no person found in the video: film the whole body, well lit, one person in view"
	case n == 1:
		return "a person is in one frame only: the screening reads a movement, so give a video of it (or a folder of its frames), a few seconds long"
	}
	return fmt.Sprintf("a person is in only %d frames (%.2f s): too short to show a movement; film the whole movement, from standing to standing", n, float64(n)/fps)
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
	a.Notes = append(a.Notes, stationNotes(a.c, b)...)
	if math.IsNaN(b.legLen) {
		a.addProblem(ProblemLegsHidden, "hips and legs are not visible: film the whole body")
	}
}

// estimateYaw measures the yaw cues of every frame and gives the clip a
// first view from the frames' yaw, which movement classification uses
// before the reps have their own (classifyViews).
func (a *analysis) estimateYaw() {
	a.ym = estimateYawCues(a.c, a.b)
	a.yawAt = a.ym.frameYaw(a.c, a.b)
	var ys []float64
	for i, y := range a.yawAt {
		if a.c.person[i] {
			ys = append(ys, y)
		}
	}
	a.View = viewOfYaw(percentile(ys, 50), a.thr.View)
	if a.opts.View != ViewAuto {
		a.View = a.opts.View
	}
}

// classifyViews gives each rep its yaw and view and each frame its view
// (the rep's inside a rep, the running standing estimate between reps),
// unless the options force the view; the clip's view is that of most
// reps. It then corrects the frontal keypoints for the yaw.
func (a *analysis) classifyViews() {
	c, t := a.c, a.thr.View
	a.repYaw = make([]repYaw, len(a.spans))
	a.repView = make([]View, len(a.spans))
	var ryaws []float64
	for k, sp := range a.spans {
		ry := a.ym.yawOfRep(c, a.b, sp, a.repMove[k].Unilateral())
		a.repYaw[k] = ry
		a.repView[k] = viewOfYaw(ry.deg, t)
		ryaws = append(ryaws, ry.deg)
		for i := sp.start; i <= sp.end; i++ {
			a.yawAt[i] = ry.deg
		}
	}
	a.viewAt = make([]View, c.n())
	var frameViews []View
	var fyaws []float64
	for i, y := range a.yawAt {
		a.viewAt[i] = viewOfYaw(y, t)
		if c.person[i] {
			frameViews = append(frameViews, a.viewAt[i])
			fyaws = append(fyaws, y)
		}
	}
	a.View = majorityView(a.repView, frameViews)
	a.YawDeg = Number(round(percentile(fyaws, 50), 1))
	if len(ryaws) > 0 {
		a.YawDeg = Number(round(percentile(ryaws, 50), 1))
	}
	var conf []float64
	for k, v := range a.repView {
		if v == a.View {
			conf = append(conf, viewConfidence(a.repYaw[k].deg, t, a.c.meanScore))
		}
	}
	if len(conf) == 0 {
		conf = append(conf, viewConfidence(float64(a.YawDeg), t, a.c.meanScore))
	}
	a.ViewConfidence = finiteOr(round(meanOf(conf), 3), 0)
	if a.opts.View != ViewAuto {
		a.View, a.ViewConfidence, a.ViewForced = a.opts.View, 1, true
		for k := range a.repView {
			a.repView[k] = a.opts.View
		}
		for i := range a.viewAt {
			a.viewAt[i] = a.opts.View
		}
	}
	a.ViewSegments = viewSegments(c, a.viewAt, a.yawAt)
	a.Notes = append(a.Notes, fmt.Sprintf("view from the camera's yaw relative to the person (0° front or back, 90° profile): median %.0f°; frontal metrics within %.0f°, sagittal beyond %.0f°; body width calibrated from the %s (frontal width ratio %.2f)",
		float64(a.YawDeg), t.FrontalMaxYawDeg, t.SagittalMinYawDeg, r0Sources[a.ym.r0From], a.ym.r0))
	a.front = correctFrontal(c, a.b, a.spans, a.repYaw, a.repMove, a.ym)
	a.feet = estimateFeet(c, a.b, a.spans, a.front.slope, segmentIndex(c, a.ViewSegments), a.thr)
	a.allowMetrics()
}

// segmentIndex gives each frame the index of its view segment in segs,
// -1 for frames outside every segment.
func segmentIndex(c *conditioned, segs []ViewSegment) []int {
	out := make([]int, c.n())
	for i := range out {
		out[i] = -1
		for k, sg := range segs {
			if c.frame[i] >= sg.StartFrame && c.frame[i] <= sg.EndFrame {
				out[i] = k
				break
			}
		}
	}
	return out
}

// r0Sources names how the frontal width was calibrated, for the notes.
var r0Sources = map[string]string{
	"head":   "frames where the face looks at the camera",
	"widest": "person's widest standing frames",
	"prior":  "anthropometric prior",
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

// minDescent is the rep criterion of the movement: the shallow one for
// single-leg tasks and hip hinges, whose hips descend less.
func (a *analysis) minDescent() float64 {
	if a.Movement.SingleLeg() || a.Movement == MovementHipHinge {
		return a.thr.Reps.SingleLegMinDescentRatio
	}
	return a.thr.Reps.MinDescentRatio
}

// classifyMovement classifies the movement (unless forced), finds the
// reps again with its criterion, and gives each rep and frame its
// movement and stance leg.
func (a *analysis) classifyMovement() {
	mv, mvConf := classifyMovement(a.c, a.b, a.spans)
	if a.opts.Movement != MovementAuto {
		mv, mvConf, a.MovementForced = a.opts.Movement, 1, true
	}
	a.Movement, a.MovementConfidence = mv, finiteOr(mvConf, 0)
	if want := a.minDescent(); want != a.lowDescent {
		a.spans = a.segment(want)
	}
	a.repMove, a.repStance = repMovements(a.c, a.b, a.spans, mv, a.opts.Movement, a.opts.Stance)
	if mv.Unilateral() {
		a.fallback = trackStance(a.c, a.opts.Stance)
	}
	a.stanceAt = spreadOverFrames(a.c, a.spans, a.repStance, a.fallback)
	a.moveAt = spreadOverFrames(a.c, a.spans, a.repMove, mv)
	switch {
	case !mv.Unilateral() && mv != MovementUnknown:
		a.Stance = SideBoth
	case mv.Unilateral():
		a.Stance = sideNames[a.fallback]
		first := true
		for _, st := range a.repStance {
			switch {
			case st < 0:
			case first:
				a.Stance, first = sideNames[st], false
			case sideNames[st] != a.Stance:
				a.Stance = SideBoth // reps on each leg
			}
		}
	}
}

// allowMetrics says which metrics the reps' views and movements allow
// and reports a view that allows neither plane's key metrics.
func (a *analysis) allowMetrics() {
	a.Metrics = metricInfos(a.repKinds(), a.View, a.Movement)
	markLackingJoints(a.Metrics, a.c.sk)
	fronts := 0
	for _, v := range a.repView {
		if v == ViewFront {
			fronts++
		}
	}
	switch {
	case a.View == ViewSide && a.Movement.SingleLeg() && fronts == 0:
		a.addProblem(ProblemWrongView, "side view: knee valgus, pelvic drop and trunk lean need a front view; only sagittal metrics are reported")
	case a.View == ViewOblique:
		a.addProblem(ProblemWrongView, fmt.Sprintf("oblique view (camera %.0f° from square-on): neither frontal nor sagittal angles are reliable; film square-on from the front (within %.0f°) or from the side (beyond %.0f°)",
			float64(a.YawDeg), a.thr.View.FrontalMaxYawDeg, a.thr.View.SagittalMinYawDeg))
	}
}

// repKinds lists each rep's view and movement.
func (a *analysis) repKinds() []repKind {
	out := make([]repKind, len(a.spans))
	for k := range out {
		out[k] = repKind{view: a.repView[k], mv: a.repMove[k]}
	}
	return out
}

// computeSeries computes the conditioned keypoints and every metric per
// frame.
func (a *analysis) computeSeries() {
	c := a.c
	fc := &frameContext{c: c, b: a.b, thr: a.thr, stanceAt: a.stanceAt, facing: a.b.facing,
		viewAt: a.viewAt, moveAt: a.moveAt, front: a.front, toeOut: a.feet.at, feet: a.feet}
	s := emptySeries(c)
	s.Keypoints = c.keypoints(a.track)
	s.Metrics = computeSeries(fc, a.Metrics)
	a.Series = s
}

// measureReps measures every rep and summarises the metrics over them.
func (a *analysis) measureReps() {
	for k, sp := range a.spans {
		side := SideBoth
		if a.repStance[k] >= 0 {
			side = sideNames[a.repStance[k]]
		}
		rep := buildRep(k+1, sp, side, a.repStance[k], repKind{view: a.repView[k], mv: a.repMove[k]}, a.c, a.b, a.Series, a.thr, a.feet.rep[k], a.feet.repFrom[k], a.feet)
		rep.YawDeg = Number(round(a.repYaw[k].deg, 1))
		a.Reps = append(a.Reps, rep)
		for i := sp.start; i <= sp.end; i++ {
			a.Series.RepIndex[i] = k + 1
		}
	}
	compareWithBestRep(a.Reps)
	readByReps(a.Metrics, a.Reps)
	for k := range a.Series.Metrics {
		ms := &a.Series.Metrics[k]
		if ms.Assessable && !a.metricInfo(ms.Name).Assessable {
			// No rep reads it: no frame of it is shown either.
			ms.Assessable = false
			clear(ms.Valid)
		}
	}
	if len(a.Reps) == 0 {
		a.addProblem(ProblemNoReps, fmt.Sprintf("no complete repetition found (hip descent of at least %.0f%% of leg length, down and back up)", 100*a.minDescent()))
	}
	a.Summary, a.Asymmetry = summarise(a.Reps, a.Metrics)
}

// metricInfo returns the report's description of metric name.
func (a *analysis) metricInfo(name string) MetricInfo {
	for _, in := range a.Metrics {
		if in.Name == name {
			return in
		}
	}
	return MetricInfo{}
}

// grade grades the indicators and, for single-leg tasks, the step-down
// score of each stance leg.
func (a *analysis) grade() {
	blocked := blockedReason(a.Report, a.tooSmall)
	a.blocked = blocked
	rg := &RepGrader{thr: a.thr, sex: a.Sex, blocked: blocked}
	for k := range a.Reps {
		a.Reps[k].Findings = rg.Findings(a.Reps[k])
	}
	ic := &indicatorContext{r: a.Report, thr: a.thr, c: a.c, b: a.b, series: a.Series, spans: a.spans, repStance: a.repStance,
		stanceAt: a.stanceAt, fallback: a.fallback, blocked: blocked}
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
