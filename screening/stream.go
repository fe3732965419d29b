package screening

import (
	"fmt"
	"math"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening/filter"
)

// Stream screens a pose stream as it arrives, one frame at a time, in
// bounded memory and with constant work per frame: what a live camera
// needs. Push conditions each pose causally, keeps a running calibration
// of the person, computes the live metrics and framing problems, and
// follows the mid-hip with an online rep detector (streamreps.go). When a
// rep ends, Push hands back the rep's frames with up to 20 s of the past
// (a RepWindow), which a LiveGrader screens once, on whatever goroutine
// the caller likes.
// Stream is not safe for concurrent use.
type Stream struct {
	opts Options
	thr  *Thresholds
	w, h int
	sk   *pose.Skeleton
	cond streamConditioner
	cal  streamCalibration
	det  repDetector
	cuts cutDetector
	// cutT is the time of the last camera cut: no window reaches back
	// past it.
	cutT float64
	ring poseRing
	out  StreamFrame
	// lastT is the last pose's time (times must increase); pushed counts
	// the poses.
	lastT  float64
	pushed int
	// framing debounces each framing problem (see framingFilter).
	framing [numFraming]framingFilter
	// width is the smoothed view ratio (shoulder + hip width over trunk
	// length), facing is true while it reads a front view.
	width  filter.OneEuro
	facing bool
	// widest is the widest smoothed standing ratio so far (a lower bound
	// of the person's frontal ratio).
	widest float64
	// kneeBase is each knee's standing offset from its ankle (shank
	// lengths), the zero of KneeOverFoot.
	kneeBase [2]float64
}

// StreamFrame is what Stream.Push makes of one pose. Its slices belong to
// the Stream and are overwritten by the next Push: copy what you keep.
type StreamFrame struct {
	// Frame and Time are the pose's.
	Frame int
	Time  float64
	// Skeleton names Keypoints: the pose conditioned causally (low scores
	// dropped, leg swaps undone, outliers rejected, short gaps held, One-Euro
	// smoothed), in source pixels, NaN where missing.
	Skeleton  *pose.Skeleton
	Keypoints []pose.Keypoint
	// Person is true when a person is in view (shoulders and hips seen).
	Person bool
	// FPPA is each knee's frontal plane projection angle in degrees
	// (positive valgus), NaN where it is not valid: the person not facing
	// the camera, a leg or the other hip not seen, or the thigh shorter
	// than thresholds.fppa_validity.min_thigh_length_ratio of its standing
	// length.
	FPPA [2]float64
	// KneeOverFoot is how far each knee has moved inside (positive) or
	// outside its standing position over the ankle, in standing shank
	// lengths, NaN where it is not valid: not facing the camera, the leg
	// not seen, or the hips less than streamLoadedDepth below standing
	// (standing still is the reference).
	KneeOverFoot [2]float64
	// Depth is the mid-hip descent below the standing level in leg
	// lengths (NaN when the hips or the legs' length are unknown).
	Depth float64
	// Phase is where the movement is.
	Phase Phase
	// Framing lists what keeps the metrics from being read, most
	// important first; empty when the framing is fine.
	Framing []Framing
	// Ended is set on the frame where a rep ends (plus a short margin):
	// its own frames, to grade with a LiveGrader.
	Ended *RepWindow
}

// Phase says where the movement is.
type Phase string

// Phases of the movement.
const (
	PhaseStanding Phase = "standing"
	PhaseDown     Phase = "descending"
	PhaseUp       Phase = "rising"
)

// FramingCode names a framing problem.
type FramingCode string

// Framing problems, most important first.
const (
	// FramingNoPerson: nobody (shoulders and hips) in view.
	FramingNoPerson FramingCode = "no_person"
	// FramingFeetHidden: the hips are seen but an ankle is not.
	FramingFeetHidden FramingCode = "feet_not_visible"
	// FramingTooSmall: the person fills less than
	// thresholds.quality.min_person_height_fraction of the image height.
	FramingTooSmall FramingCode = "person_too_small"
	// FramingNotFacing: the person is turned away from the camera (the
	// view is not frontal) while frontal metrics are screened.
	FramingNotFacing FramingCode = "not_facing_camera"
)

// numFraming is the number of framing problems.
const numFraming = 4

var framingOrder = [numFraming]Framing{
	{FramingNoPerson, "step into view"},
	{FramingFeetHidden, "step back, feet not visible"},
	{FramingTooSmall, "come closer"},
	{FramingNotFacing, "face the camera"},
}

// Framing is one framing problem and what to do about it.
type Framing struct {
	Code FramingCode `json:"code"`
	// Message says what to do, a few words for the screen.
	Message string `json:"message"`
}

// Live thresholds that are about showing values, not grading them.
const (
	// streamLoadedDepth is the hip descent, in leg lengths, from which a
	// knee's sideways offset over its foot is shown, and streamStandDepth
	// the one below which the offset is the standing reference: the knees
	// have barely bent before the hips drop a twentieth of a leg.
	streamLoadedDepth = 0.05
	streamStandDepth  = 0.02
	// streamFramingTauS is the time constant with which framing problems
	// come and go, so the guide does not flicker with single frames.
	streamFramingTauS = 0.3
	// streamWindowS is how much of the past a stream keeps: the longest
	// rep (maxRepS) and its margins.
	streamWindowS = maxRepS + repContextS + 2
	// streamMaxFPS bounds the frames kept per second of the window, so a
	// source with a bogus rate cannot grow memory without bound.
	streamMaxFPS = 120
)

// NewStream starts a stream of frames of the given upright size at about
// fps frames per second (0: unknown). The skeleton is taken from the first
// pose. opts.Filter sets the causal conditioning (its One-Euro settings
// and outlier test, whatever its Mode) and, as given, the grading of each
// rep's window (LiveGrader.Grade), which thereby screens a rep the way
// Analyze does.
func NewStream(width, height int, fps float64, opts Options) (*Stream, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("screening: stream frame size %dx%d: %w", width, height, ErrInvalidOptions)
	}
	if !(fps > 0) || math.IsInf(fps, 0) {
		fps = 30
	}
	s := &Stream{opts: opts, w: width, h: height, lastT: math.Inf(-1), cutT: math.Inf(-1), cuts: newCutDetector()}
	s.thr = &s.opts.Thresholds
	s.ring = newPoseRing(int(math.Ceil(streamWindowS * math.Min(fps*2, streamMaxFPS))))
	s.cal = newStreamCalibration(fps)
	s.det = newRepDetector(&s.opts, fps)
	f := &s.opts.Filter
	s.width = *filter.NewOneEuro(f.OneEuroMinCutoffHz, f.OneEuroBeta, f.OneEuroDCutoffHz)
	s.kneeBase = [2]float64{nan, nan}
	return s, nil
}

// Push screens the next pose; its Time must increase. The returned frame
// is valid until the next Push.
func (s *Stream) Push(p pose.Pose) (*StreamFrame, error) {
	if s.pushed > 0 && !(p.Time > s.lastT) {
		return nil, fmt.Errorf("screening: stream pose time %.3f s does not follow %.3f s", p.Time, s.lastT)
	}
	if s.sk == nil {
		s.sk = p.Skeleton
		if s.sk == nil {
			s.sk = pose.COCO17
		}
		s.cond = newStreamConditioner(s.sk, &s.opts.Filter, float64(s.h), s.cal.fps)
		s.out.Skeleton = s.sk
		s.out.Keypoints = make([]pose.Keypoint, s.sk.Len())
		s.out.Framing = make([]Framing, 0, numFraming)
	}
	s.pushed++
	s.lastT = p.Time
	s.ring.push(&p)
	ts, seen := trunkOf(&p, s.opts.Filter.MinScore)
	if cut, at := s.cuts.push(p.Time, ts, seen); cut {
		// A new shot: its own scale, no rep across it (as Analyze
		// measures each shot on its own).
		s.cond.reset()
		s.cal.reset()
		s.det.reset()
		s.cutT = at
	}
	o := &s.out
	o.Frame, o.Time, o.Ended = p.Frame, p.Time, nil
	s.cond.push(&p, o.Keypoints)
	s.measure(&p)
	if end := s.det.push(p.Time, s.hipY(), s.cal.legLen); end != nil {
		o.Ended = s.window(end)
	}
	o.Phase = s.det.phase()
	o.Depth = s.det.depth(s.hipY(), s.cal.legLen)
	return o, nil
}

// Flush ends the stream: a rep still rising but most of the way back up
// (as Analyze counts a rep cut by the end of a recording) is handed back
// as a window; otherwise nil.
func (s *Stream) Flush() *RepWindow {
	if end := s.det.flush(s.lastT); end != nil {
		return s.window(end)
	}
	return nil
}

// point is joint j of the conditioned pose.
func (s *Stream) point(j pose.Joint) Point {
	if i, ok := s.sk.Index(j); ok {
		k := s.out.Keypoints[i]
		return Point{k.X, k.Y}
	}
	return Point{nan, nan}
}

// hipY is the mid-hip height in pixels before smoothing (NaN when a hip
// is missing): the rep detector reads it, since a smoothed hip lags the
// rise out of a rep, which would delay the rep's end.
func (s *Stream) hipY() float64 {
	var y [2]float64
	for k, j := range [2]pose.Joint{pose.LeftHip, pose.RightHip} {
		y[k] = nan
		if i, ok := s.sk.Index(j); ok {
			y[k] = s.cond.raw[i].Y
		}
	}
	return (y[0] + y[1]) / 2
}

// measure updates the calibration and computes the live metrics and the
// framing problems of the frame just conditioned.
func (s *Stream) measure(p *pose.Pose) {
	o := &s.out
	var leg [2]struct{ hip, knee, ankle Point }
	for k, sj := range sides {
		leg[k].hip, leg[k].knee, leg[k].ankle = s.point(sj.hip), s.point(sj.knee), s.point(sj.ankle)
	}
	ls, rs := s.point(pose.LeftShoulder), s.point(pose.RightShoulder)
	lh, rh := leg[0].hip, leg[1].hip
	trunk := ls.ok() && rs.ok() && lh.ok() && rh.ok()
	o.Person = p.Person && trunk
	standing := s.det.phase() == PhaseStanding
	depth := s.det.depth(s.hipY(), s.cal.legLen)

	// Calibration: segment lengths at their longest (standing), the
	// width ratio of the view.
	var thigh, shank [2]float64
	for k := range leg {
		thigh[k], shank[k] = nan, nan
		if leg[k].hip.ok() && leg[k].knee.ok() {
			thigh[k] = dist(leg[k].hip, leg[k].knee)
		}
		if leg[k].knee.ok() && leg[k].ankle.ok() {
			shank[k] = dist(leg[k].knee, leg[k].ankle)
		}
	}
	torso, ratio := nan, nan
	if trunk {
		torso = dist(mid(ls, rs), mid(lh, rh))
		if torso > 0 {
			ratio = (dist(ls, rs) + dist(lh, rh)) / torso
		}
	}
	s.cal.push(p.Time, thigh, shank, torso)
	if !math.IsNaN(ratio) && standing {
		ratio = s.width.Filter(p.Time, ratio)
		// The body-width cue of the batch view (view.go): the ratio is
		// r0·cos ψ, r0 the person's frontal ratio, taken as the prior
		// but never below the widest standing frame so far. Hysteresis
		// of 5° around the frontal limit, so a person at the limit does
		// not flicker between views.
		s.widest = math.Max(s.widest, ratio)
		r0 := min(max(frontalWidthPrior, s.widest), frontalWidthMax)
		yaw := math.Acos(math.Min(1, ratio/r0)) * rad2deg
		switch lim := s.thr.View.FrontalMaxYawDeg; {
		case yaw <= lim-5:
			s.facing = true
		case yaw > lim+5:
			s.facing = false
		}
	}
	front := s.frontal()

	for k := range leg {
		h, kn, a := leg[k].hip, leg[k].knee, leg[k].ankle
		o.FPPA[k], o.KneeOverFoot[k] = nan, nan
		if !front {
			continue
		}
		medial := nan
		if other := leg[1-k].hip; h.ok() && other.ok() && h.X != other.X {
			medial = sign(other.X - h.X)
		}
		if st := s.cal.thigh[k]; st > 0 && thigh[k] >= s.thr.FPPAValidity.MinThighLengthRatio*st {
			o.FPPA[k] = FPPA(h, kn, a, medial)
		}
		sh := s.cal.shank[k]
		if !kn.ok() || !a.ok() || math.IsNaN(medial) || !(sh > 0) {
			continue
		}
		off := (kn.X - a.X) * medial / sh
		switch {
		case depth < streamStandDepth:
			// The knee's own standing offset (a wide stance puts it
			// inside the ankle) is the reference, followed slowly.
			if math.IsNaN(s.kneeBase[k]) {
				s.kneeBase[k] = off
			}
			s.kneeBase[k] += 0.1 * (off - s.kneeBase[k])
		case depth >= streamLoadedDepth && !math.IsNaN(s.kneeBase[k]):
			o.KneeOverFoot[k] = off - s.kneeBase[k]
		}
	}
	s.frameProblems(p.Time, o.Person, trunk, leg[0].ankle.ok() && leg[1].ankle.ok(), front)
}

// frontal reports whether frontal metrics can be read: the view is forced
// front, or (auto) the person faces the camera.
func (s *Stream) frontal() bool {
	switch s.opts.View {
	case ViewFront:
		return true
	case ViewAuto:
		return s.facing
	}
	return false
}

// frameProblems debounces this frame's framing problems into o.Framing.
func (s *Stream) frameProblems(t float64, person, trunk, ankles, front bool) {
	height := s.personHeight()
	now := [numFraming]bool{
		!person,
		person && !ankles,
		person && ankles && height < s.thr.Quality.MinPersonHeightFrac,
		person && !front && (s.opts.View == ViewAuto || s.opts.View == ViewFront),
	}
	o := &s.out
	o.Framing = o.Framing[:0]
	for k := range now {
		if s.framing[k].push(t, now[k]) {
			o.Framing = append(o.Framing, framingOrder[k])
		}
	}
	// Without a person no other problem can be judged.
	if len(o.Framing) > 1 && o.Framing[0].Code == FramingNoPerson {
		o.Framing = o.Framing[:1]
	}
}

// personHeight is the person's height in the frame (top of the head to
// the lower ankle) over the image height; NaN when not measurable.
func (s *Stream) personHeight() float64 {
	top := math.Inf(1)
	for _, j := range []pose.Joint{pose.Nose, pose.LeftEye, pose.RightEye, pose.LeftEar, pose.RightEar} {
		if p := s.point(j); p.ok() {
			top = math.Min(top, p.Y)
		}
	}
	bot := math.Inf(-1)
	for _, j := range []pose.Joint{pose.LeftAnkle, pose.RightAnkle} {
		if p := s.point(j); p.ok() {
			bot = math.Max(bot, p.Y)
		}
	}
	if math.IsInf(top, 0) || math.IsInf(bot, 0) {
		return nan
	}
	return (bot - top) / float64(s.h)
}

// framingFilter turns a per-frame yes/no into a steady one: an
// exponential average over streamFramingTauS with hysteresis.
type framingFilter struct {
	level float64
	lastT float64
	on    bool
	seen  bool
}

func (f *framingFilter) push(t float64, v bool) bool {
	x := 0.0
	if v {
		x = 1
	}
	if !f.seen {
		f.level, f.seen = x, true
	} else {
		a := 1 - math.Exp(-math.Max(t-f.lastT, 0)/streamFramingTauS)
		f.level += a * (x - f.level)
	}
	f.lastT = t
	switch {
	case f.level > 0.6:
		f.on = true
	case f.level < 0.4:
		f.on = false
	}
	return f.on
}

// window copies the raw poses of a rep that ended into a RepWindow.
func (s *Stream) window(e *repEnd) *RepWindow {
	tr := &pose.Track{Width: s.w, Height: s.h, FPS: s.cal.fps, Skeleton: s.sk}
	tr.Poses = s.ring.copyRange(math.Max(e.from, s.cutT), e.to)
	return &RepWindow{Track: tr, StartS: e.start, BottomS: e.bottom, EndS: e.end, opts: s.opts}
}
