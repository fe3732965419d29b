package screening

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/kneescreen/kneescreen/pose"
)

// SchemaVersion is the version of the report.json schema the Report
// marshals to. Its major part changes only when a field or a value is
// renamed or removed: 2.0 replaced the knee_medial_ratio metric with
// knee_medial_offset (and added per-rep movement, view, yaw and findings).
const SchemaVersion = "2.0"

// Report is the outcome of one analysis. It marshals to report.json; the
// per-frame Series is excluded from JSON (it is written as angles.csv).
//
// Missing data policy: numbers that could not be measured are NaN in Go and
// null (or omitted) in JSON; metrics that the view or movement cannot
// support are listed in Metrics with assessable=false and left out of each
// rep; indicators then carry level "not_assessable" and a reason.
type Report struct {
	SchemaVersion string `json:"schema_version"`
	Source        Source `json:"source"`
	// Movement as classified or forced; MovementConfidence is 1 when forced.
	Movement           Movement `json:"movement"`
	MovementConfidence float64  `json:"movement_confidence"`
	MovementForced     bool     `json:"movement_forced"`
	// View as classified or forced; ViewConfidence is 1 when forced. A
	// clip whose reps are filmed from different views (the person turns,
	// the camera moves) reports the view of most reps here; each rep
	// carries its own, and ViewSegments lists the clip's views in time.
	View           View    `json:"view"`
	ViewConfidence float64 `json:"view_confidence"`
	ViewForced     bool    `json:"view_forced"`
	// YawDeg is the camera's median yaw relative to the person over the
	// reps (over the frames without reps): 0° square-on front or back,
	// 90° profile. Null when unmeasured.
	YawDeg Number `json:"yaw_deg"`
	// ViewSegments are the clip's stretches of one view, in time order.
	ViewSegments []ViewSegment `json:"view_segments"`
	// Stance is the stance leg of single-leg tasks (left/right; "both"
	// for bilateral squats and for single-leg reps done on each leg, see
	// each rep's side).
	Stance Side `json:"stance"`
	Sex    Sex  `json:"sex"`
	// Metrics describes every metric: unit, the views it is valid in and
	// whether it could be assessed here.
	Metrics []MetricInfo `json:"metrics"`
	// Reps in time order, numbered from 1.
	Reps []Rep `json:"reps"`
	// Summary aggregates each metric over reps: mean, rep-to-rep
	// variability and left/right asymmetry.
	Summary []MetricSummary `json:"summary"`
	// Asymmetry compares left and right for each per-side metric.
	Asymmetry []Asymmetry `json:"asymmetry"`
	// Indicators are the graded screening signs, with sources and
	// corrective focus.
	Indicators []Indicator `json:"indicators"`
	// StepDownScore is set for step-down (and single-leg squat) tasks:
	// the score of the leg with the most reps. StepDownScores holds one per
	// stance leg tested (the first is StepDownScore).
	StepDownScore  *StepDownScore  `json:"step_down_score,omitempty"`
	StepDownScores []StepDownScore `json:"step_down_scores,omitempty"`
	Quality        Quality         `json:"quality"`
	// Thresholds lists every threshold used, with unit and source.
	Thresholds []ThresholdValue `json:"thresholds"`
	// Notes are plain-language remarks for the reader (e.g. why a metric
	// is not assessable).
	Notes []string `json:"notes"`
	// Disclaimer frames the report as screening guidance.
	Disclaimer string `json:"disclaimer"`

	// Series holds the per-frame conditioned keypoints and metric values
	// (angles.csv, plots); nil when the track was empty.
	Series *Series `json:"-"`
	// blocked is why no finding could be graded ("" when they could), for
	// a LiveGrader that grades a window's rep again.
	blocked string
}

// Disclaimer is the plain-language framing every report carries.
const Disclaimer = "Screening aid for a qualified professional, not a diagnosis. " +
	"Values come from 2D video keypoints and depend on camera placement; indicators " +
	"suggest where to look, they do not establish a muscle imbalance."

// Source describes the input track.
type Source struct {
	Path      string  `json:"path"`
	Width     int     `json:"width"`
	Height    int     `json:"height"`
	FPS       float64 `json:"fps"`
	Frames    int     `json:"frames"`
	DurationS float64 `json:"duration_s"`
}

// ViewSegment is a stretch of a clip filmed from one view.
type ViewSegment struct {
	View View `json:"view"`
	// YawDeg is the segment's median yaw.
	YawDeg     Number  `json:"yaw_deg"`
	StartS     float64 `json:"start_s"`
	EndS       float64 `json:"end_s"`
	StartFrame int     `json:"start_frame"`
	EndFrame   int     `json:"end_frame"`
}

// Rep is one repetition.
type Rep struct {
	// Index counts from 1.
	Index int `json:"index"`
	// Side is the stance leg for single-leg tasks, "both" for squats.
	Side Side `json:"side"`
	// Movement is the rep's own movement (a clip may mix them; the
	// report's movement is that of most reps).
	Movement Movement `json:"movement"`
	// View and YawDeg are the rep's view and the camera's yaw relative to
	// the person during it: the rep's metrics are those its view allows.
	View   View   `json:"view"`
	YawDeg Number `json:"yaw_deg"`
	// Times in seconds from the start of the source.
	StartS  float64 `json:"start_s"`
	BottomS float64 `json:"bottom_s"`
	EndS    float64 `json:"end_s"`
	// Frame indices (pose.Pose.Frame) of start, bottom (deepest point) and
	// end; BottomFrame is the frame to show for the rep.
	StartFrame  int `json:"start_frame"`
	BottomFrame int `json:"bottom_frame"`
	EndFrame    int `json:"end_frame"`
	// Metrics maps a metric name to its value at the bottom of the rep
	// (for fppa_deg: its peak valgus over the valid descent and bottom).
	// Only the metrics the rep's view and movement allow appear; a side
	// they allow but the rep could not read is null, with its reason in
	// NotAssessable.
	Metrics map[string]MetricValue `json:"metrics"`
	// NotAssessable says, for every metric in Metrics with a null value
	// (per side for per-side metrics), why the rep could not read it.
	NotAssessable map[string]MetricReasons `json:"not_assessable,omitempty"`
	// FPPA details the frontal plane projection angle per side (front view
	// only).
	FPPA *FPPARep `json:"fppa,omitempty"`
	// KneeOverFoot details knee_medial_offset per side (front view only).
	KneeOverFoot *KneeOverFootRep `json:"knee_over_foot,omitempty"`
	// Findings are the rep's own verdicts: every indicator its movement
	// lists, on each leg it loads.
	Findings []Finding `json:"findings"`
}

// KneeOverFootRep details the knee's position over the foot in one rep.
type KneeOverFootRep struct {
	Left  KneeOverFootSide `json:"left"`
	Right KneeOverFootSide `json:"right"`
}

func (k *KneeOverFootRep) side(s int) KneeOverFootSide { return *k.sideRef(s) }

func (k *KneeOverFootRep) sideRef(s int) *KneeOverFootSide {
	if s == 1 {
		return &k.Right
	}
	return &k.Left
}

// KneeOverFootSide details knee_medial_offset for one rep and side, in
// shank lengths, positive with the knee inside the foot's line; NaN
// (null) when not read.
type KneeOverFootSide struct {
	// PeakRatio is the most medial value over the rep's loaded frames
	// (= metric knee_medial_offset), at PeakS and PeakFrame (-1: none).
	PeakRatio Number `json:"peak_ratio"`
	PeakS     Number `json:"peak_s"`
	PeakFrame int    `json:"peak_frame"`
	// TrackingDeg is the direction of the knee's travel at its deepest,
	// relative to straight ahead (positive outward), and ForwardRatio how
	// far it travelled forward, in shank lengths (95th percentile over
	// the loaded frames).
	TrackingDeg  Number `json:"tracking_deg"`
	ForwardRatio Number `json:"forward_ratio"`
	// ChangeFromBest is how much further inside the knee sat than in the
	// person's best rep on this side (the one tracking furthest out), at
	// the same forward travel, at most over the range both reps reached,
	// in shank lengths. Comparing at the same forward travel keeps a
	// shallower rep from reading as caving.
	ChangeFromBest Number `json:"change_from_best"`
	// ToeOutDeg is the foot's turn-out used for the foot's line and
	// ToeOutSource where it came from: "feet" (heel and toe keypoints)
	// or "default" (thresholds.knee_over_foot.default_toe_out_deg).
	ToeOutDeg    float64 `json:"toe_out_deg"`
	ToeOutSource string  `json:"toe_out_source"`
	// Reason says why the side was not read.
	Reason string `json:"reason,omitempty"`

	// track is the knee's fitted path, for the comparison with the best
	// rep.
	track *kneeTrack
}

// FPPARep details FPPA for one rep.
type FPPARep struct {
	Left  FPPASide `json:"left"`
	Right FPPASide `json:"right"`
}

// FPPASide details FPPA for one rep and side. Angles in degrees, positive
// for valgus; NaN (null) when no frame was valid.
type FPPASide struct {
	// PeakDeg is the most valgus FPPA over the valid part of the descent
	// and bottom (= metric fppa_deg).
	PeakDeg Number `json:"peak_deg"`
	// PeakS is the time of the peak.
	PeakS Number `json:"peak_s"`
	// PeakFrame is the frame of the peak (-1 when none).
	PeakFrame int `json:"peak_frame"`
	// ChangeDeg is PeakDeg minus the person's standing FPPA.
	ChangeDeg Number `json:"change_deg"`
	// StandingDeg is the person's own standing FPPA.
	StandingDeg Number `json:"standing_deg"`
	// BottomDeg is the value at peak flexion: FPPA as a function of hip
	// depth over the rep's valid frames, read at the bottom's depth (a
	// fit over ±0.45 s around the bottom frame, or that frame's value,
	// when there are too few frames). BottomValid says whether the thigh
	// was long enough at the bottom frame for it to be meaningful; an
	// invalid bottom is null, never extrapolated.
	BottomDeg   Number `json:"bottom_deg"`
	BottomValid bool   `json:"bottom_valid"`
	// ValidFraction is the share of the descent's frames where FPPA was
	// valid.
	ValidFraction float64 `json:"valid_fraction"`
	// Reason says why the side was not read (an implausible angle in the
	// valid phase); the other fields are then null.
	Reason string `json:"reason,omitempty"`
}

// Number is a float64 that marshals NaN and ±Inf as JSON null.
type Number float64

// MarshalJSON writes null for non-finite values.
func (n Number) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(round(f, 4))
}

// UnmarshalJSON reads null as NaN.
func (n *Number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Number(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("screening: number: %w", err)
	}
	*n = Number(f)
	return nil
}

// Valid reports whether n is finite.
func (n Number) Valid() bool {
	f := float64(n)
	return !math.IsNaN(f) && !math.IsInf(f, 0)
}

func round(f float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(f*p) / p
}

// MetricValue is one metric in one rep: a single number for whole-body
// metrics, or a left and a right value for per-side metrics. Missing values
// are NaN and marshal as null.
type MetricValue struct {
	// PerSide selects Left/Right over Value.
	PerSide     bool
	Value       float64
	Left, Right float64
}

// Scalar returns a whole-body metric value.
func Scalar(v float64) MetricValue { return MetricValue{Value: v} }

// Sided returns a per-side metric value.
func Sided(left, right float64) MetricValue {
	return MetricValue{PerSide: true, Left: left, Right: right, Value: math.NaN()}
}

// Side returns the value for side (left, right) or the scalar value for
// SideBoth/SideNone.
func (m MetricValue) Side(s Side) float64 {
	if !m.PerSide {
		return m.Value
	}
	switch s {
	case SideLeft:
		return m.Left
	case SideRight:
		return m.Right
	}
	return math.NaN()
}

// HasValue reports whether the value is known: the whole-body value, or
// either side of a per-side one.
func (m MetricValue) HasValue() bool {
	if !m.PerSide {
		return !math.IsNaN(m.Value)
	}
	return !math.IsNaN(m.Left) || !math.IsNaN(m.Right)
}

// MarshalJSON writes a number (or null), or {"left":..,"right":..}.
func (m MetricValue) MarshalJSON() ([]byte, error) {
	if !m.PerSide {
		return json.Marshal(Number(m.Value))
	}
	return json.Marshal(struct {
		Left  Number `json:"left"`
		Right Number `json:"right"`
	}{Number(m.Left), Number(m.Right)})
}

// UnmarshalJSON reads either form.
func (m *MetricValue) UnmarshalJSON(b []byte) error {
	var side struct {
		Left  Number `json:"left"`
		Right Number `json:"right"`
	}
	if len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &side); err != nil {
			return fmt.Errorf("screening: metric value: %w", err)
		}
		*m = Sided(float64(side.Left), float64(side.Right))
		return nil
	}
	var n Number
	if err := n.UnmarshalJSON(b); err != nil {
		return err
	}
	*m = Scalar(float64(n))
	return nil
}

// MetricReasons says why a rep has no value of a metric: on each side
// of a per-side metric (Left, Right), or for a whole-body one (Value);
// empty where the rep has a value.
type MetricReasons struct {
	Left  string `json:"left,omitempty"`
	Right string `json:"right,omitempty"`
	Value string `json:"value,omitempty"`
}

// Side returns the reason for side (left, right), or the whole-body
// reason for SideBoth and SideNone.
func (m MetricReasons) Side(s Side) string {
	switch s {
	case SideLeft:
		return m.Left
	case SideRight:
		return m.Right
	}
	return m.Value
}

// MetricInfo describes a metric and whether this analysis could assess it.
type MetricInfo struct {
	Name        string     `json:"name"`
	Unit        string     `json:"unit"`
	PerSide     bool       `json:"per_side"`
	Views       []View     `json:"views"`
	Movements   []Movement `json:"movements"`
	Description string     `json:"description"`
	Assessable  bool       `json:"assessable"`
	// Reason says why a metric is not assessable.
	Reason string `json:"reason,omitempty"`
	// Reps lists the reps that read the metric: their view and movement
	// allow it and it has a value on at least one side. A metric is
	// assessable only when some rep reads it (or, in a clip without
	// reps, when the clip's view and movement allow it).
	Reps []int `json:"reps,omitempty"`
}

// MetricSummary aggregates a metric over reps.
type MetricSummary struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
	// Side is left, right or both (whole-body metrics).
	Side Side `json:"side"`
	// N reps with a value; Mean, SD (rep-to-rep variability), Min, Max.
	N    int    `json:"n"`
	Mean Number `json:"mean"`
	SD   Number `json:"sd"`
	Min  Number `json:"min"`
	Max  Number `json:"max"`
}

// Asymmetry compares the left and right means of a per-side metric.
type Asymmetry struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
	// Diff is left mean minus right mean.
	Diff Number `json:"diff"`
	// LSI is the limb symmetry index, 100 × smaller/larger magnitude.
	LSI Number `json:"lsi_pct"`
}

// Indicator is one graded screening sign.
type Indicator struct {
	// ID is stable, e.g. "dynamic_knee_valgus".
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Category Category `json:"category"`
	Side     Side     `json:"side"`
	Level    Level    `json:"level"`
	// Value is the measured value compared with the thresholds (null when
	// not assessable).
	Value Number `json:"value"`
	// Threshold is the flag cut-off and WatchThreshold the watch cut-off;
	// Direction says whether values "above" or "below" them are worse.
	Threshold      Number `json:"threshold"`
	WatchThreshold Number `json:"watch_threshold"`
	Direction      string `json:"direction"`
	Unit           string `json:"unit"`
	Source         string `json:"source"`
	// ConfigKey is the key of the flag threshold.
	ConfigKey string `json:"config_key"`
	// Confidence 0..1 from keypoint scores, view confidence and the share
	// of reps that could be measured.
	Confidence float64 `json:"confidence"`
	// Reps lists the rep indices that contributed; RepsAssessed counts
	// them, RepsWatch those at watch or worse and RepsFlag those at flag
	// (the level follows SummaryRule).
	Reps         []int `json:"reps,omitempty"`
	RepsAssessed int   `json:"reps_assessed"`
	RepsWatch    int   `json:"reps_watch"`
	RepsFlag     int   `json:"reps_flag"`
	// EvidenceFrame is the frame that shows the sign best (-1 when none).
	EvidenceFrame int `json:"evidence_frame"`
	// Reason explains not_assessable.
	Reason string `json:"reason,omitempty"`
	// Focus is a short corrective focus for a professional, set when the
	// level is watch or flag.
	Focus string `json:"focus,omitempty"`
}

// StepDownScore is the lateral/forward step-down quality-of-movement score
// after Piva et al. 2006, computed from keypoint proxies.
type StepDownScore struct {
	Assessable bool   `json:"assessable"`
	Reason     string `json:"reason,omitempty"`
	// Side is the stance leg.
	Side  Side           `json:"side"`
	Items []StepDownItem `json:"items"`
	// Total is the sum of item points (0-6).
	Total int `json:"total"`
	// Rating: good (0-1), moderate (2-3), poor (≥ 4).
	Rating string `json:"rating"`
	Source string `json:"source"`
}

// StepDownItem is one item of the step-down score.
type StepDownItem struct {
	// ID: arm_strategy, trunk_alignment, pelvis_plane, knee_position,
	// steady_stance.
	ID          string `json:"id"`
	Description string `json:"description"`
	Points      int    `json:"points"`
	// Value is the worst proxy value over reps, with its unit.
	Value Number `json:"value"`
	Unit  string `json:"unit"`
	// RepsSeen counts reps where the item scored.
	RepsSeen int `json:"reps_seen"`
	// EvidenceFrame is the frame of the worst occurrence (-1 when none);
	// for steady stance a free-foot touchdown, when there is one, is the
	// worst occurrence.
	EvidenceFrame int    `json:"evidence_frame"`
	Proxy         string `json:"proxy"`
	// Evidence lists each rep where the item was seen, with its frame.
	Evidence []StepDownEvidence `json:"evidence,omitempty"`
}

// Step-down signs named in StepDownEvidence.
const (
	SignHandOffWaist  = "hand_off_waist"
	SignTrunkLean     = "trunk_lean"
	SignPelvisTilt    = "pelvis_tilt"
	SignKneeMedial    = "knee_medial"
	SignKneeFarMedial = "knee_far_medial"
	// SignFreeFootTouchdown: the free foot came down to the floor and
	// stayed there (Value: seconds on the floor).
	SignFreeFootTouchdown = "free_foot_touchdown"
	// SignStanceAnkleMoved: the stance ankle left its standing place
	// (Value: displacement ÷ leg length).
	SignStanceAnkleMoved = "stance_ankle_moved"
)

// StepDownEvidence is one rep's sighting of a step-down item.
type StepDownEvidence struct {
	// Rep is the rep's index in Report.Reps (1-based).
	Rep int `json:"rep"`
	// Sign names what was seen (Sign* constants).
	Sign string `json:"sign"`
	// Frame shows it: the worst frame of the rep, or for a touchdown the
	// frame where the free ankle is lowest.
	Frame int    `json:"frame"`
	Value Number `json:"value"`
	Unit  string `json:"unit"`
}

// Quality summarises how trustworthy the input was.
type Quality struct {
	Frames         int     `json:"frames"`
	PersonFrames   int     `json:"person_frames"`
	PersonFraction float64 `json:"person_fraction"`
	// MeanScore is the mean keypoint score over frames with a person.
	MeanScore Number `json:"mean_score"`
	// KeypointsDropped counts keypoints below the minimum score (in frames
	// with a person); DroppedFraction is their share.
	KeypointsDropped int     `json:"keypoints_dropped"`
	DroppedFraction  float64 `json:"dropped_fraction"`
	// OutliersRejected by the Hampel filter; GapSamplesFilled by
	// interpolation; SwapsCorrected counts frames whose left and right
	// legs were exchanged back.
	OutliersRejected int `json:"outliers_rejected"`
	GapSamplesFilled int `json:"gap_samples_filled"`
	SwapsCorrected   int `json:"swaps_corrected"`
	// CameraCuts counts edits (zoomed cut-ins) found in the video; each
	// shot between cuts is measured at its own scale.
	CameraCuts int `json:"camera_cuts"`
	// PersonHeightFraction is the median standing person height (nose to
	// ankles) as a share of image height.
	PersonHeightFraction Number `json:"person_height_fraction"`
	// FilterCutoffHz is the Butterworth cutoff actually used (0 when not
	// used).
	FilterCutoffHz float64 `json:"filter_cutoff_hz"`
	// Problems are conditions that limit the analysis.
	Problems []Problem `json:"problems"`
}

// ProblemCode identifies a data problem.
type ProblemCode string

// Problem codes.
const (
	// ProblemEmptyTrack: the track has no frames.
	ProblemEmptyTrack ProblemCode = "empty_track"
	// ProblemNoPerson: too few frames with a person to analyse anything.
	ProblemNoPerson ProblemCode = "no_person"
	// ProblemPersonRarelyVisible: a person is found in less than the
	// minimum share of frames; the analysis uses the frames there are.
	ProblemPersonRarelyVisible ProblemCode = "person_rarely_visible"
	// ProblemPersonTooSmall: the person is too small in the image for
	// reliable angles; indicators are not assessable.
	ProblemPersonTooSmall ProblemCode = "person_too_small"
	// ProblemWrongView: the view does not suit the movement's key metrics.
	ProblemWrongView ProblemCode = "wrong_view"
	// ProblemNoReps: no complete repetition was found.
	ProblemNoReps ProblemCode = "no_reps"
	// ProblemLowFrameRate: the frame rate is too low for the filter or
	// for rep timing.
	ProblemLowFrameRate ProblemCode = "low_frame_rate"
	// ProblemLegsHidden: hips, knees or ankles are rarely visible.
	ProblemLegsHidden ProblemCode = "legs_hidden"
)

// Problem is one data problem with a plain-language message.
type Problem struct {
	Code    ProblemCode `json:"code"`
	Message string      `json:"message"`
}

// HasProblem reports whether the report's quality lists code.
func (r *Report) HasProblem(code ProblemCode) bool {
	for _, p := range r.Quality.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}

// Indicator returns the indicator with the given id and side, if present.
func (r *Report) Indicator(id string, side Side) (Indicator, bool) {
	for _, in := range r.Indicators {
		if in.ID == id && in.Side == side {
			return in, true
		}
	}
	return Indicator{}, false
}

// Series holds per-frame values aligned with the track's poses: the
// conditioned keypoints and every metric per side per frame. Values that
// could not be measured are NaN; Valid says whether a value is meaningful
// (e.g. FPPA with a foreshortened thigh is computed but not valid).
type Series struct {
	// Frame and Time per sample (one per pose of the track).
	Frame []int
	Time  []float64
	// Person says whether the frame had a person.
	Person []bool
	// Skeleton names the keypoints.
	Skeleton *pose.Skeleton
	// Keypoints are the conditioned keypoints in pixels, in the skeleton's
	// order; X and Y are NaN where missing; Score is the raw model score.
	Keypoints [][]pose.Keypoint
	// Metrics in a stable order (MetricNames order, left before right).
	Metrics []MetricSeries
	// RepIndex is the 1-based rep a frame belongs to, 0 outside reps.
	RepIndex []int
}

// Len is the number of samples.
func (s *Series) Len() int { return len(s.Time) }

// Metric returns the series of one metric and side (SideBoth for
// whole-body metrics), or nil.
func (s *Series) Metric(name string, side Side) *MetricSeries {
	for i := range s.Metrics {
		if s.Metrics[i].Name == name && s.Metrics[i].Side == side {
			return &s.Metrics[i]
		}
	}
	return nil
}

// MetricSeries is one metric for one side over time.
type MetricSeries struct {
	Name string
	// Side is left, right, or both for whole-body metrics.
	Side Side
	Unit string
	// Values per frame, NaN where not measurable.
	Values []float64
	// Valid per frame: the value is measurable and meaningful in this
	// frame (view, foreshortening).
	Valid []bool
	// Assessable is false when the view or movement rules the metric out
	// altogether; Values are then still computed for plots but must not
	// be read as findings.
	Assessable bool
}

// Column returns the CSV column name, e.g. "fppa_deg_left" or
// "depth_ratio".
func (m *MetricSeries) Column() string {
	if m.Side == SideLeft || m.Side == SideRight {
		return m.Name + "_" + string(m.Side)
	}
	return m.Name
}

// XY returns time and value of sample i, the gonum/plot XYer shape.
func (m *MetricSeries) XY(s *Series, i int) (float64, float64) { return s.Time[i], m.Values[i] }
