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
// context's error).
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
	thr := opts.Thresholds
	r := &Report{
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
		Thresholds: thr.Used(),
		Notes:      []string{},
		Disclaimer: Disclaimer,
	}
	r.Quality.Problems = []Problem{}
	r.Quality.Frames = len(track.Poses)
	if len(track.Poses) == 0 {
		r.addProblem(ProblemEmptyTrack, "the track has no frames: check that the video decodes")
		r.Metrics = metricInfos(ViewUnknown, MovementUnknown)
		return r, nil
	}
	if r.Sex == "" {
		r.Sex = SexUnspecified
	}

	c := condition(track, opts.Filter)
	r.Source.FPS = round(c.fps, 4)
	r.Source.DurationS = round(c.t[len(c.t)-1]-c.t[0]+1/c.fps, 4)
	r.Notes = append(r.Notes, c.notes...)
	q := &r.Quality
	q.PersonFrames = c.personFrames
	q.PersonFraction = round(float64(c.personFrames)/float64(len(track.Poses)), 4)
	q.MeanScore = Number(round(c.meanScore, 4))
	q.KeypointsDropped = c.dropped
	if c.personFrames > 0 {
		q.DroppedFraction = round(float64(c.dropped)/float64(c.personFrames*int(pose.NumJoints)), 4)
	}
	q.OutliersRejected, q.GapSamplesFilled, q.SwapsCorrected = c.outliers, c.filled, c.swaps
	q.CameraCuts = len(c.shots) - 1
	q.FilterCutoffHz = round(c.cutoffUsed, 4)
	q.PersonHeightFraction = Number(nan)
	if c.fps < 10 {
		r.addProblem(ProblemLowFrameRate, fmt.Sprintf("%.1f frames/s is too low for reliable rep timing; record at 25 frames/s or more", c.fps))
	}
	if c.personFrames < 3 || float64(c.personFrames)/c.fps < 1.0/3 {
		r.addProblem(ProblemNoPerson, "no person found in the video: film the whole body, well lit, one person in view")
		r.Metrics = metricInfos(ViewUnknown, MovementUnknown)
		r.Series = emptySeries(c)
		return r, nil
	}
	if q.PersonFraction < thr.Quality.MinPersonFraction {
		r.addProblem(ProblemPersonRarelyVisible, fmt.Sprintf("a person is visible in only %.0f%% of frames; only those frames are analysed", 100*q.PersonFraction))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	b := measureBody(c, track.Height, opts.Filter.MaxGapS)
	q.PersonHeightFraction = Number(round(b.heightFrac, 4))
	tooSmall := b.heightFrac < thr.Quality.MinPersonHeightFrac
	if tooSmall {
		r.addProblem(ProblemPersonTooSmall, fmt.Sprintf("the person fills only %.0f%% of the image height; move the camera closer (at least %.0f%%)",
			100*b.heightFrac, 100*thr.Quality.MinPersonHeightFrac))
	}
	if b.legFromTorso {
		r.Notes = append(r.Notes, "ankles not visible: leg length estimated from the trunk; knee and ankle metrics are limited")
	}
	if math.IsNaN(b.legLen) {
		r.addProblem(ProblemLegsHidden, "hips and legs are not visible: film the whole body")
	}

	// View.
	view, viewConf, ratio := classifyView(c, b)
	if opts.View != ViewAuto {
		view, viewConf, r.ViewForced = opts.View, 1, true
	}
	r.View, r.ViewConfidence = view, finiteOr(viewConf, 0)
	if !math.IsNaN(ratio) {
		r.Notes = append(r.Notes, fmt.Sprintf("view from body proportions: width/trunk ratio %.2f (front ≥ %.2f, side ≤ %.2f)", ratio, viewFrontMinRatio, viewSideMaxRatio))
	}

	// Reps.
	// Reps are first found with the shallower single-leg criterion to
	// classify the movement, then again with the movement's own.
	var spans []repSpan
	lowDescent := math.Min(thr.Reps.MinDescentRatio, thr.Reps.SingleLegMinDescentRatio)
	if !math.IsNaN(b.legLen) {
		spans = keepUpright(segmentReps(c.t, b.depthSignal(c), 1, lowDescent, thr.Reps.MinDurationS), c, b)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Movement and stance.
	mv, mvConf, _ := classifyMovement(c, b, spans, view)
	if opts.Movement != MovementAuto {
		mv, mvConf, r.MovementForced = opts.Movement, 1, true
	}
	r.Movement, r.MovementConfidence = mv, finiteOr(mvConf, 0)
	if want := thr.Reps.MinDescentRatio; !mv.SingleLeg() && want != lowDescent && !math.IsNaN(b.legLen) {
		spans = keepUpright(segmentReps(c.t, b.depthSignal(c), 1, want, thr.Reps.MinDurationS), c, b)
	} else if want := thr.Reps.SingleLegMinDescentRatio; mv.SingleLeg() && want != lowDescent && !math.IsNaN(b.legLen) {
		spans = keepUpright(segmentReps(c.t, b.depthSignal(c), 1, want, thr.Reps.MinDurationS), c, b)
	}
	repStance := assignStances(c, b, spans, view, mv, opts.Stance)
	fallback := -1
	if mv.SingleLeg() {
		fallback = trackStance(c, opts.Stance)
	}
	stanceAt := framesStance(c, spans, repStance, fallback)
	switch {
	case mv == MovementSquat:
		r.Stance = SideBoth
	case mv.SingleLeg():
		r.Stance = sideNames[fallback]
		if len(repStance) > 0 {
			r.Stance = sideNames[repStance[0]]
		}
		for _, st := range repStance {
			if sideNames[st] != r.Stance {
				r.Stance = SideBoth // reps on each leg
			}
		}
	}
	r.Metrics = metricInfos(view, mv)
	if view == ViewSide && mv != MovementUnknown {
		if mv.SingleLeg() {
			r.addProblem(ProblemWrongView, "side view: knee valgus, pelvic drop and trunk lean need a front view; only sagittal metrics are reported")
		}
	}
	if view == ViewOblique {
		r.addProblem(ProblemWrongView, "oblique view: neither frontal nor sagittal angles are reliable; film square-on from the front or from the side")
	}

	// Per-frame series.
	fc := &frameContext{c: c, b: b, stanceAt: stanceAt, facing: b.facing,
		minThigh: thr.FPPAValidity.MinThighLengthRatio}
	series := &Series{Frame: c.frame, Time: c.t, Person: c.person, RepIndex: make([]int, c.n()),
		Keypoints: make([][pose.NumJoints]pose.Keypoint, c.n())}
	for i := 0; i < c.n(); i++ {
		for j := pose.Joint(0); j < pose.NumJoints; j++ {
			series.Keypoints[i][j] = pose.Keypoint{X: c.x[j][i], Y: c.y[j][i], Score: c.score[j][i],
				NX: track.Poses[i].Keypoints[j].NX, NY: track.Poses[i].Keypoints[j].NY}
		}
	}
	series.Metrics = computeSeries(fc, view, mv)
	baselinePelvis(series, b, stanceAt)
	r.Series = series
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Reps with their metrics.
	for k, sp := range spans {
		side := SideBoth
		if repStance[k] >= 0 {
			side = sideNames[repStance[k]]
		}
		rep := buildRep(k+1, sp, side, repStance[k], c, b, series, r.Metrics)
		r.Reps = append(r.Reps, rep)
		for i := sp.start; i <= sp.end; i++ {
			series.RepIndex[i] = k + 1
		}
	}
	if len(r.Reps) == 0 {
		want := thr.Reps.MinDescentRatio
		if mv.SingleLeg() {
			want = thr.Reps.SingleLegMinDescentRatio
		}
		r.addProblem(ProblemNoReps, fmt.Sprintf("no complete repetition found (hip descent of at least %.0f%% of leg length, down and back up)", 100*want))
	}
	r.Summary, r.Asymmetry = summarise(r.Reps, r.Metrics)

	// Indicators and step-down score.
	ic := &indicatorContext{r: r, thr: &thr, c: c, b: b, series: series, spans: spans, repStance: repStance,
		stanceAt: stanceAt, fallback: fallback, blocked: blockedReason(r, tooSmall)}
	r.Indicators = ic.indicators()
	if mv.SingleLeg() {
		r.StepDownScores = ic.stepDownScores()
		r.StepDownScore = &r.StepDownScores[0]
	}
	return r, nil
}

func (r *Report) addProblem(code ProblemCode, msg string) {
	r.Quality.Problems = append(r.Quality.Problems, Problem{Code: code, Message: msg})
}

func emptySeries(c *conditioned) *Series {
	return &Series{Frame: c.frame, Time: c.t, Person: c.person, RepIndex: make([]int, c.n()),
		Keypoints: make([][pose.NumJoints]pose.Keypoint, c.n())}
}

func metricInfos(v View, mv Movement) []MetricInfo {
	out := make([]MetricInfo, 0, len(metricDefs))
	for _, d := range metricDefs {
		ok, why := d.assessable(v, mv)
		if v == ViewUnknown {
			ok, why = false, "view unknown"
		}
		out = append(out, MetricInfo{Name: d.name, Unit: d.unit, PerSide: d.perSide, Views: d.views,
			Movements: d.movements, Description: d.desc, Assessable: ok, Reason: why})
	}
	return out
}

// baselinePelvis turns the hip-line tilt into pelvic drop: tilt minus the
// person's standing tilt (so camera roll and an uneven stance cancel),
// signed so that a drop of the side opposite each frame's stance leg is
// positive (the left hip dropping in bilateral tasks).
func baselinePelvis(s *Series, b *body, stanceAt []int) {
	m := s.Metric(MetricPelvicDrop, SideBoth)
	if m == nil {
		return
	}
	var st []float64
	for i, v := range m.Values {
		if b.standing[i] {
			st = append(st, v)
		}
	}
	base := percentile(st, 50)
	if math.IsNaN(base) {
		base = 0
	}
	for i := range m.Values {
		m.Values[i] -= base
		if stanceAt[i] == 0 {
			m.Values[i] = -m.Values[i]
		}
	}
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

// buildRep measures one rep.
func buildRep(index int, sp repSpan, side Side, stance int, c *conditioned, b *body, s *Series, infos []MetricInfo) Rep {
	rep := Rep{Index: index, Side: side,
		StartS: round(c.t[sp.start], 4), BottomS: round(c.t[sp.bottom], 4), EndS: round(c.t[sp.end], 4),
		StartFrame: c.frame[sp.start], BottomFrame: c.frame[sp.bottom], EndFrame: c.frame[sp.end],
		Metrics: map[string]MetricValue{}}
	// Descent plus a short window after the bottom, for peaks near it.
	after := sp.bottom + int(math.Round(0.1*c.fps))
	if after > sp.end {
		after = sp.end
	}
	for _, info := range infos {
		if !info.Assessable {
			continue
		}
		switch {
		case info.Name == MetricFPPA:
			var fr FPPARep
			fr.Left = fppaSide(s, 0, sp, after, b)
			fr.Right = fppaSide(s, 1, sp, after, b)
			rep.FPPA = &fr
			l, rr := float64(fr.Left.PeakDeg), float64(fr.Right.PeakDeg)
			if stance >= 0 { // the free leg's FPPA is not a finding
				if stance == 0 {
					rr = nan
				} else {
					l = nan
				}
			}
			rep.Metrics[MetricFPPA] = Sided(l, rr)
		case info.Name == MetricDepth:
			lvl := math.Min(b.hipY[sp.start], b.hipY[sp.end])
			rep.Metrics[MetricDepth] = Scalar(round((b.hipY[sp.bottom]-lvl)/b.scale[sp.bottom], 4))
		case info.PerSide:
			var v [2]float64
			for sd := 0; sd < 2; sd++ {
				v[sd] = nan
				if stance >= 0 && sd != stance {
					continue
				}
				if m := s.Metric(info.Name, sideNames[sd]); m != nil && m.Valid[sp.bottom] {
					v[sd] = round(m.Values[sp.bottom], 4)
				}
			}
			rep.Metrics[info.Name] = Sided(v[0], v[1])
		default:
			v := nan
			if m := s.Metric(info.Name, SideBoth); m != nil && m.Valid[sp.bottom] {
				v = round(m.Values[sp.bottom], 4)
			}
			rep.Metrics[info.Name] = Scalar(v)
		}
	}
	return rep
}

// fppaSide reads FPPA for one rep and side: the peak valgus over valid
// frames of the descent and bottom, its change from standing, and the
// value at the bottom with its validity.
func fppaSide(s *Series, side int, sp repSpan, after int, b *body) FPPASide {
	start, bottom := sp.start, sp.bottom
	m := s.Metric(MetricFPPA, sideNames[side])
	out := FPPASide{PeakDeg: Number(nan), PeakS: Number(nan), PeakFrame: -1, ChangeDeg: Number(nan),
		StandingDeg: Number(nan), BottomDeg: Number(nan)}
	if m == nil {
		return out
	}
	var st []float64
	for i, v := range m.Values {
		if b.standing[i] && m.Valid[i] {
			st = append(st, v)
		}
	}
	standing := percentile(st, 50)
	out.StandingDeg = Number(standing)
	// The running peak is the maximum of local quadratic fits over ±0.45 s:
	// a maximum over noisy samples is biased upward by the noise (about
	// 1.1° at 2 px on a 1080p frame with ±0.15 s fits, 0.5° with ±0.45 s),
	// while a quadratic still follows a rounded peak. The bottom value is
	// read against depth (fppaAtDepth).
	valid, total := 0, 0
	peak, peakI := math.Inf(-1), -1
	for i := start; i <= after; i++ {
		if i <= bottom {
			total++
		}
		if !m.Valid[i] {
			continue
		}
		if i <= bottom {
			valid++
		}
		v := localQuadratic(s.Time, m.Values, m.Valid, i, 0.45, 5)
		if math.IsNaN(v) {
			v = m.Values[i]
		}
		if v > peak {
			peak, peakI = v, i
		}
	}
	if total > 0 {
		out.ValidFraction = round(float64(valid)/float64(total), 4)
	}
	if peakI >= 0 {
		out.PeakDeg, out.PeakS, out.PeakFrame = Number(peak), Number(s.Time[peakI]), s.Frame[peakI]
		out.ChangeDeg = Number(peak - standing)
	}
	out.BottomValid = m.Valid[bottom]
	bv := nan
	if out.BottomValid {
		bv = fppaAtDepth(s.Time, m, b, sp)
		if math.IsNaN(bv) {
			bv = localQuadratic(s.Time, m.Values, m.Valid, bottom, 0.45, 5)
		}
	}
	if math.IsNaN(bv) {
		bv = m.Values[bottom]
	}
	out.BottomDeg = Number(bv)
	return out
}

// fppaAtDepth reads FPPA at the rep's peak flexion as a function of
// depth rather than of time: a quadratic in mid-hip depth fitted to the
// valid frames of the whole rep, descent and ascent alike, evaluated at
// the bottom's depth. Valgus follows knee flexion, so every frame of the
// rep informs the reading, not only those within a short time of the
// bottom frame; the quadratic absorbs the curvature of valgus against
// depth. The bottom's depth itself comes from a local fit (±0.3 s): the
// bottom frame is the deepest noisy sample, and reading there would
// extrapolate the fit past the true bottom.
func fppaAtDepth(tt []float64, m *MetricSeries, b *body, sp repSpan) float64 {
	d := func(i int) float64 { return b.hipY[i] / b.scale[i] }
	ds := make([]float64, sp.end-sp.start+1)
	ok := make([]bool, len(ds))
	for i := range ds {
		ds[i] = d(sp.start + i)
		ok[i] = !math.IsNaN(ds[i]) && b.shot[sp.start+i] == b.shot[sp.bottom]
	}
	d0 := localQuadratic(tt[sp.start:sp.end+1], ds, ok, sp.bottom-sp.start, 0.3, 5)
	if math.IsNaN(d0) {
		d0 = d(sp.bottom)
	}
	r := d0 - math.Min(d(sp.start), d(sp.end))
	if !(r > 0) {
		return nan
	}
	var xs, vs []float64
	for i := sp.start; i <= sp.end; i++ {
		x := (d(i) - d0) / r
		if m.Valid[i] && x >= -1 && b.shot[i] == b.shot[sp.bottom] {
			xs, vs = append(xs, x), append(vs, m.Values[i])
		}
	}
	return quadraticAt0(xs, vs, 8)
}

func finiteOr(v, alt float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return alt
	}
	return v
}
