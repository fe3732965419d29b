package screening

import (
	"fmt"
	"math"
	"sort"
)

// Thresholds holds every cut-off the indicators and the step-down score
// use. Each field has a stable configuration key (see ThresholdSpecs), a
// default, a unit and a source. Where no published cut-off exists the
// source says "expert default" rather than inventing a citation.
//
// The struct carries mapstructure tags matching the keys below the
// "thresholds." prefix, so a CLI can unmarshal a config sub-tree into it;
// Set and Get give key-based access for flag binding.
type Thresholds struct {
	FPPA          FPPAThresholds          `json:"fppa" mapstructure:"fppa"`
	KneeAnkle     KneeAnkleThresholds     `json:"knee_ankle" mapstructure:"knee_ankle"`
	KneeOverFoot  KneeOverFootThresholds  `json:"knee_over_foot" mapstructure:"knee_over_foot"`
	PelvicDrop    WatchFlag               `json:"pelvic_drop" mapstructure:"pelvic_drop"`
	TrunkLean     WatchFlag               `json:"trunk_lateral_lean" mapstructure:"trunk_lateral_lean"`
	KneeDominance WatchFlag               `json:"knee_hip_flexion_ratio" mapstructure:"knee_hip_flexion_ratio"`
	Shank         ShankThresholds         `json:"shank_inclination" mapstructure:"shank_inclination"`
	HeelRise      HeelRiseThresholds      `json:"heel_rise" mapstructure:"heel_rise"`
	Feet          FeetThresholds          `json:"feet" mapstructure:"feet"`
	LSI           WatchFlag               `json:"lsi" mapstructure:"lsi"`
	StepDown      StepDownThresholds      `json:"step_down" mapstructure:"step_down"`
	Quality       QualityThresholds       `json:"quality" mapstructure:"quality"`
	FPPAValidity  FPPAValidityThresholds  `json:"fppa_validity" mapstructure:"fppa_validity"`
	View          ViewThresholds          `json:"view" mapstructure:"view"`
	Reps          RepSegmentationSettings `json:"reps" mapstructure:"reps"`
}

// WatchFlag is a pair of cut-offs: beyond Watch the level is "watch", beyond
// Flag it is "flag". Whether "beyond" means above or below is fixed per
// indicator (documented on its spec).
type WatchFlag struct {
	Watch float64 `json:"watch" mapstructure:"watch"`
	Flag  float64 `json:"flag" mapstructure:"flag"`
}

// FPPAThresholds grades dynamic knee valgus (peak valgus FPPA, degrees).
type FPPAThresholds struct {
	FemaleWatchDeg      float64 `json:"female_watch_deg" mapstructure:"female_watch_deg"`
	FemaleFlagDeg       float64 `json:"female_flag_deg" mapstructure:"female_flag_deg"`
	MaleWatchDeg        float64 `json:"male_watch_deg" mapstructure:"male_watch_deg"`
	MaleFlagDeg         float64 `json:"male_flag_deg" mapstructure:"male_flag_deg"`
	UnspecifiedWatchDeg float64 `json:"unspecified_watch_deg" mapstructure:"unspecified_watch_deg"`
	UnspecifiedFlagDeg  float64 `json:"unspecified_flag_deg" mapstructure:"unspecified_flag_deg"`
	AsymmetryWatchDeg   float64 `json:"asymmetry_watch_deg" mapstructure:"asymmetry_watch_deg"`
	AsymmetryFlagDeg    float64 `json:"asymmetry_flag_deg" mapstructure:"asymmetry_flag_deg"`
}

// KneeAnkleThresholds grades knees tracking inside the ankles in bilateral
// squats (knee-ankle separation ratio; lower is worse).
type KneeAnkleThresholds struct {
	WatchRatio float64 `json:"watch_ratio" mapstructure:"watch_ratio"`
	FlagRatio  float64 `json:"flag_ratio" mapstructure:"flag_ratio"`
}

// KneeOverFootThresholds grade the knee tracking inside the foot
// (knee_medial_offset, shank lengths; higher is worse) and give the
// foot's turn-out when the track has no foot keypoints.
type KneeOverFootThresholds struct {
	WatchRatio       float64 `json:"watch_ratio" mapstructure:"watch_ratio"`
	FlagRatio        float64 `json:"flag_ratio" mapstructure:"flag_ratio"`
	DefaultToeOutDeg float64 `json:"default_toe_out_deg" mapstructure:"default_toe_out_deg"`
}

// ShankThresholds grades limited forward shank inclination at the bottom of
// a squat (lower is worse), assessed only when the knee flexes at least
// MinKneeFlexionDeg.
type ShankThresholds struct {
	WatchDeg          float64 `json:"watch_deg" mapstructure:"watch_deg"`
	FlagDeg           float64 `json:"flag_deg" mapstructure:"flag_deg"`
	MinKneeFlexionDeg float64 `json:"min_knee_flexion_deg" mapstructure:"min_knee_flexion_deg"`
}

// HeelRiseThresholds grade the heels lifting in a squat (heel_rise, foot
// lengths; higher is worse).
type HeelRiseThresholds struct {
	WatchRatio float64 `json:"watch_ratio" mapstructure:"watch_ratio"`
	FlagRatio  float64 `json:"flag_ratio" mapstructure:"flag_ratio"`
}

// FeetThresholds decide when the foot metrics read a foot.
type FeetThresholds struct {
	// MinScore is the least keypoint score of the foot's keypoints (heel,
	// foot index) for a frame to count: the model's own judgement that the
	// foot is in plain view.
	MinScore float64 `json:"min_score" mapstructure:"min_score"`
	// MaxToeShiftRatio is how far, in foot lengths, the toe may lie
	// from where it stood for a frame to count.
	MaxToeShiftRatio float64 `json:"max_toe_shift_ratio" mapstructure:"max_toe_shift_ratio"`
	// ToeShiftFloorPx is the least toe tolerance in source pixels, the
	// toe keypoint's noise band on the source's pixel grid: the
	// MaxToeShiftRatio tolerance never falls below it, however small
	// the foot in the image.
	ToeShiftFloorPx float64 `json:"toe_shift_floor_px" mapstructure:"toe_shift_floor_px"`
}

// StepDownThresholds are the proxies behind the Piva 2006 step-down items.
type StepDownThresholds struct {
	HandOffWaistRatio   float64 `json:"hand_off_waist_ratio" mapstructure:"hand_off_waist_ratio"`
	TrunkLeanDeg        float64 `json:"trunk_lean_deg" mapstructure:"trunk_lean_deg"`
	PelvisTiltDeg       float64 `json:"pelvis_tilt_deg" mapstructure:"pelvis_tilt_deg"`
	KneeMedialRatio     float64 `json:"knee_medial_ratio" mapstructure:"knee_medial_ratio"`
	KneeFarMedialRatio  float64 `json:"knee_far_medial_ratio" mapstructure:"knee_far_medial_ratio"`
	KneeMedialFPPADeg   float64 `json:"knee_medial_fppa_deg" mapstructure:"knee_medial_fppa_deg"`
	KneeFarMedialFPPA   float64 `json:"knee_far_medial_fppa_deg" mapstructure:"knee_far_medial_fppa_deg"`
	StanceAnkleMove     float64 `json:"stance_ankle_move_ratio" mapstructure:"stance_ankle_move_ratio"`
	StepHeightRatio     float64 `json:"step_height_ratio" mapstructure:"step_height_ratio"`
	TouchdownMargin     float64 `json:"touchdown_margin_ratio" mapstructure:"touchdown_margin_ratio"`
	TouchdownMinS       float64 `json:"touchdown_min_s" mapstructure:"touchdown_min_s"`
	TouchdownMinReps    float64 `json:"touchdown_min_reps" mapstructure:"touchdown_min_reps"`
	ItemRepFraction     float64 `json:"item_rep_fraction" mapstructure:"item_rep_fraction"`
	ModerateTotalPoints float64 `json:"moderate_total" mapstructure:"moderate_total"`
	PoorTotalPoints     float64 `json:"poor_total" mapstructure:"poor_total"`
}

// QualityThresholds decide when the data is too poor to grade indicators.
type QualityThresholds struct {
	MinPersonFraction   float64 `json:"min_person_fraction" mapstructure:"min_person_fraction"`
	MinPersonHeightFrac float64 `json:"min_person_height_fraction" mapstructure:"min_person_height_fraction"`
	MinConfidence       float64 `json:"min_confidence" mapstructure:"min_confidence"`
}

// FPPAValidityThresholds limit FPPA to frames where the thigh is not too
// foreshortened (see the fppa_deg metric).
type FPPAValidityThresholds struct {
	MinThighLengthRatio float64 `json:"min_thigh_length_ratio" mapstructure:"min_thigh_length_ratio"`
	MaxAbsDeg           float64 `json:"max_abs_deg" mapstructure:"max_abs_deg"`
}

// ViewThresholds bound the camera yaw (0° front or back, 90° profile)
// within which frontal metrics are read, and beyond which sagittal ones
// are.
type ViewThresholds struct {
	FrontalMaxYawDeg  float64 `json:"frontal_max_yaw_deg" mapstructure:"frontal_max_yaw_deg"`
	SagittalMinYawDeg float64 `json:"sagittal_min_yaw_deg" mapstructure:"sagittal_min_yaw_deg"`
}

// RepSegmentationSettings tune rep detection.
type RepSegmentationSettings struct {
	MinDescentRatio          float64 `json:"min_descent_ratio" mapstructure:"min_descent_ratio"`
	SingleLegMinDescentRatio float64 `json:"single_leg_min_descent_ratio" mapstructure:"single_leg_min_descent_ratio"`
	MinDurationS             float64 `json:"min_duration_s" mapstructure:"min_duration_s"`
}

// ThresholdSpec documents one threshold: its configuration key, default,
// unit, source and meaning.
type ThresholdSpec struct {
	// Key is the stable configuration key, e.g.
	// "thresholds.fppa.female_flag_deg".
	Key string `json:"key"`
	// Default is the value used when configuration does not override it.
	Default float64 `json:"default"`
	// Unit is "deg", "ratio", "%", "s", "points", "reps", "fraction" or
	// "px".
	Unit string `json:"unit"`
	// Source cites the literature or says "expert default".
	Source string `json:"source"`
	// Description says what crossing the threshold means.
	Description string `json:"description"`
	// Min and Max bound valid values (inclusive).
	Min, Max float64 `json:"-"`
	field    func(*Thresholds) *float64
}

// ThresholdValue is a threshold as used in one analysis, for the report.
type ThresholdValue struct {
	Key    string  `json:"key"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Source string  `json:"source"`
}

const (
	srcHerrington2010 = "Herrington & Munro 2010 (normative single-leg squat FPPA)"
	srcHerrington2014 = "Herrington 2014 (patellofemoral pain women 16.8±5.4° vs controls 8.4±5.1°)"
	srcMunro2012      = "Munro et al. 2012 (FPPA SEM 2.7-3.0°, smallest detectable difference 7.5-8.9°)"
	srcLSI            = "limb symmetry index < 90% (common return-to-sport criterion)"
	srcPiva2006       = "Piva et al. 2006 lateral step-down test; proxy cut-off: expert default"
	srcExpert         = "expert default"
	srcWillsonOnly    = "expert default (keeps the thigh within about 45° of the image plane, where Willson 2006 FPPA is meaningful)"
	srcKneeWatch      = "Piva et al. 2006 knee-position sign (+1: knee medial to the second toe), past the measurement's uncertainty: expert default of 0.08 shank lengths, about 3.5 cm for an adult"
	srcKneeFlag       = "Piva et al. 2006 knee-position sign (+2: knee medial to the foot's medial border): half a foot breadth (0.055 H, Drillis & Contini 1966) is 0.11 of the shank (0.246 H), plus the watch margin"
	srcToeOut         = "expert default: squat guidelines allow the toes forward or turned out up to about 10° (as reviewed by Lorenzetti et al. 2018) and self-chosen wide stances turn them out more, so no single angle fits; 0° reads only a knee that travels inward as inside, never one that tracks straight over a straight foot, and a knee that caves relative to a toed-out foot shows as a change from the person's best rep"
	srcFPPABound      = "physiological bound (expert default): 2D FPPA in squats, step-downs and landings stays well within ±30° (Herrington 2014: 16.8 ± 5.4° in women with patellofemoral pain; Herrington & Munro 2010 norms 3-13°); a larger angle means a foreshortened thigh or a camera off square-on, not a knee"
	srcFrontalYaw     = "expert default: 2D frontal knee angles agree with 3D when the body faces the camera and not when it turns (McLean et al. 2005, RMS error 1.5-1.7° facing, 16° turning); uncorrected, a squat's knee travelling 0.3 m forward shifts sideways by 0.3 m × sin(yaw) in the image, about 20° of FPPA per 10° of yaw at 45° hip flexion (synthetic body), which the yaw correction removes"
	srcHeelFlag       = "Cook, Burton & Hoogenboom 2006 (FMS deep squat: the heels stay on the floor; those who cannot get a 2x6 board, 3.8 cm, under them): 3.8 cm is 0.14 of an adult's 27 cm foot"
	srcHeelWatch      = "expert default: half the FMS board's height, about 2 cm, twice the frame-to-frame noise of the heel keypoint (0.02-0.04 foot lengths)"
	srcFootScore      = "expert default: in the shared side-view clips BlazePose scores a foot hidden behind the other leg (whose heel it then places too high) 0.35-0.8, a foot in plain view above 0.9"
	srcToeFloor       = "geometric bound: BlazePose reads the foot from a 256-px crop about 1.4 body heights wide (MediaPipe's region: twice the hip-to-scale-point distance, enlarged 1.25 times), so the foot spans the same share of the model's input at any image size and the ratio scales its noise; where the person is under about 180 px tall the crop samples the source finer than its pixels, and in any video a keypoint is located no better than about one source pixel (grid and compression, σ ≈ 1 px); 3 px is three σ, as the ratio is three times the jitter; it decides below a foot of about 38 px, where 0.08 foot lengths is 3 px"
	srcToeShift       = "expert default: a planted foot's toe does not move; 0.08 foot lengths is three times the toe keypoint's frame-to-frame jitter on the shared clips, while BlazePose's foot estimate drifting up in a deep squat moves it 0.1-0.15"
	srcSagittalYaw    = "expert default: beyond 70° a sagittal segment's horizontal image extent is within 6% of its true extent (sin 70° = 0.94); 2D sagittal angles agree with 3D within 1-3° with the camera perpendicular (Schurr et al. 2017)"
)

var thresholdSpecs = []ThresholdSpec{
	{Key: "thresholds.fppa.female_watch_deg", Default: 13, Unit: "deg", Min: 0, Max: 60, Source: srcHerrington2010,
		Description: "peak valgus FPPA above the upper normative value for women (7-13°)",
		field:       func(t *Thresholds) *float64 { return &t.FPPA.FemaleWatchDeg }},
	{Key: "thresholds.fppa.female_flag_deg", Default: 16.8, Unit: "deg", Min: 0, Max: 60, Source: srcHerrington2014,
		Description: "peak valgus FPPA at the mean of women with patellofemoral pain",
		field:       func(t *Thresholds) *float64 { return &t.FPPA.FemaleFlagDeg }},
	{Key: "thresholds.fppa.male_watch_deg", Default: 8, Unit: "deg", Min: 0, Max: 60, Source: srcHerrington2010,
		Description: "peak valgus FPPA above the upper normative value for men (3-8°)",
		field:       func(t *Thresholds) *float64 { return &t.FPPA.MaleWatchDeg }},
	{Key: "thresholds.fppa.male_flag_deg", Default: 12, Unit: "deg", Min: 0, Max: 60, Source: srcExpert + " (male normative upper value + 4°; no published male cut-off)",
		Description: "peak valgus FPPA well above the male normative range",
		field:       func(t *Thresholds) *float64 { return &t.FPPA.MaleFlagDeg }},
	{Key: "thresholds.fppa.unspecified_watch_deg", Default: 10, Unit: "deg", Min: 0, Max: 60, Source: srcExpert + " (between the sex-specific normative upper values of Herrington & Munro 2010)",
		Description: "peak valgus FPPA when the sex is not given",
		field:       func(t *Thresholds) *float64 { return &t.FPPA.UnspecifiedWatchDeg }},
	{Key: "thresholds.fppa.unspecified_flag_deg", Default: 15, Unit: "deg", Min: 0, Max: 60, Source: srcExpert + " (between the sex-specific flag values)",
		Description: "peak valgus FPPA when the sex is not given",
		field:       func(t *Thresholds) *float64 { return &t.FPPA.UnspecifiedFlagDeg }},
	{Key: "thresholds.fppa.asymmetry_watch_deg", Default: 5.5, Unit: "deg", Min: 0, Max: 60, Source: srcExpert + " (about twice the SEM of Munro 2012)",
		Description: "left/right difference of peak valgus FPPA",
		field:       func(t *Thresholds) *float64 { return &t.FPPA.AsymmetryWatchDeg }},
	{Key: "thresholds.fppa.asymmetry_flag_deg", Default: 8, Unit: "deg", Min: 0, Max: 60, Source: srcMunro2012,
		Description: "left/right difference of peak valgus FPPA beyond the smallest detectable difference",
		field:       func(t *Thresholds) *float64 { return &t.FPPA.AsymmetryFlagDeg }},
	{Key: "thresholds.knee_ankle.watch_ratio", Default: 0.9, Unit: "ratio", Min: 0, Max: 3, Source: srcExpert,
		Description: "knee separation below ankle separation at the bottom of a bilateral squat (lower is worse)",
		field:       func(t *Thresholds) *float64 { return &t.KneeAnkle.WatchRatio }},
	{Key: "thresholds.knee_ankle.flag_ratio", Default: 0.75, Unit: "ratio", Min: 0, Max: 3, Source: srcExpert,
		Description: "knees clearly inside the ankles at the bottom of a bilateral squat (lower is worse)",
		field:       func(t *Thresholds) *float64 { return &t.KneeAnkle.FlagRatio }},
	{Key: "thresholds.knee_over_foot.watch_ratio", Default: 0.08, Unit: "ratio", Min: 0, Max: 1, Source: srcKneeWatch,
		Description: "knee inside its foot's line by this share of shank length at its most medial in a rep: medial of the second toe",
		field:       func(t *Thresholds) *float64 { return &t.KneeOverFoot.WatchRatio }},
	{Key: "thresholds.knee_over_foot.flag_ratio", Default: 0.16, Unit: "ratio", Min: 0, Max: 1, Source: srcKneeFlag,
		Description: "knee inside its foot's line by this share of shank length: medial of the foot's medial border",
		field:       func(t *Thresholds) *float64 { return &t.KneeOverFoot.FlagRatio }},
	{Key: "thresholds.knee_over_foot.default_toe_out_deg", Default: 0, Unit: "deg", Min: 0, Max: 45, Source: srcToeOut,
		Description: "each foot's turn-out assumed when the track has no foot keypoints (MoveNet): the direction of the foot's line the knee is read against; heel and toe keypoints (BlazePose) measure it",
		field:       func(t *Thresholds) *float64 { return &t.KneeOverFoot.DefaultToeOutDeg }},
	{Key: "thresholds.pelvic_drop.watch", Default: 5, Unit: "deg", Min: 0, Max: 45, Source: srcExpert,
		Description: "pelvic drop of the unsupported side at the bottom of a single-leg task",
		field:       func(t *Thresholds) *float64 { return &t.PelvicDrop.Watch }},
	{Key: "thresholds.pelvic_drop.flag", Default: 10, Unit: "deg", Min: 0, Max: 45, Source: srcExpert,
		Description: "marked pelvic drop of the unsupported side in a single-leg task",
		field:       func(t *Thresholds) *float64 { return &t.PelvicDrop.Flag }},
	{Key: "thresholds.trunk_lateral_lean.watch", Default: 5, Unit: "deg", Min: 0, Max: 45, Source: srcExpert,
		Description: "trunk lateral lean from vertical at the bottom of a single-leg task",
		field:       func(t *Thresholds) *float64 { return &t.TrunkLean.Watch }},
	{Key: "thresholds.trunk_lateral_lean.flag", Default: 10, Unit: "deg", Min: 0, Max: 45, Source: srcExpert,
		Description: "marked trunk lateral lean in a single-leg task",
		field:       func(t *Thresholds) *float64 { return &t.TrunkLean.Flag }},
	{Key: "thresholds.knee_hip_flexion_ratio.watch", Default: 1.3, Unit: "ratio", Min: 0.5, Max: 5, Source: srcExpert,
		Description: "knee flexion exceeds hip flexion at the bottom (knee-dominant pattern; higher is worse)",
		field:       func(t *Thresholds) *float64 { return &t.KneeDominance.Watch }},
	{Key: "thresholds.knee_hip_flexion_ratio.flag", Default: 1.6, Unit: "ratio", Min: 0.5, Max: 5, Source: srcExpert,
		Description: "strongly knee-dominant pattern (higher is worse)",
		field:       func(t *Thresholds) *float64 { return &t.KneeDominance.Flag }},
	{Key: "thresholds.shank_inclination.watch_deg", Default: 25, Unit: "deg", Min: 0, Max: 60, Source: srcExpert,
		Description: "forward shank inclination at the bottom below this (ankle dorsiflexion proxy; lower is worse)",
		field:       func(t *Thresholds) *float64 { return &t.Shank.WatchDeg }},
	{Key: "thresholds.shank_inclination.flag_deg", Default: 18, Unit: "deg", Min: 0, Max: 60, Source: srcExpert,
		Description: "markedly limited forward shank inclination (lower is worse)",
		field:       func(t *Thresholds) *float64 { return &t.Shank.FlagDeg }},
	{Key: "thresholds.shank_inclination.min_knee_flexion_deg", Default: 60, Unit: "deg", Min: 0, Max: 150, Source: srcExpert,
		Description: "reps shallower than this knee flexion do not grade shank inclination",
		field:       func(t *Thresholds) *float64 { return &t.Shank.MinKneeFlexionDeg }},
	{Key: "thresholds.heel_rise.watch_ratio", Default: 0.07, Unit: "ratio", Min: 0, Max: 1, Source: srcHeelWatch,
		Description: "heel rise relative to the toe, in foot lengths, above this in a rep (higher is worse)",
		field:       func(t *Thresholds) *float64 { return &t.HeelRise.WatchRatio }},
	{Key: "thresholds.heel_rise.flag_ratio", Default: 0.14, Unit: "ratio", Min: 0, Max: 1, Source: srcHeelFlag,
		Description: "heel rise relative to the toe, in foot lengths, above this in a rep: the heels clearly leave the floor (higher is worse)",
		field:       func(t *Thresholds) *float64 { return &t.HeelRise.FlagRatio }},
	{Key: "thresholds.feet.min_score", Default: 0.8, Unit: "fraction", Min: 0, Max: 1, Source: srcFootScore,
		Description: "heel_rise and ankle_dorsiflexion_deg read a frame only where the model scores the foot's keypoints (heel, foot index) at least this",
		field:       func(t *Thresholds) *float64 { return &t.Feet.MinScore }},
	{Key: "thresholds.feet.max_toe_shift_ratio", Default: 0.08, Unit: "ratio", Min: 0, Max: 1, Source: srcToeShift,
		Description: "heel_rise and ankle_dorsiflexion_deg read a frame only while the toe lies within this many foot lengths of where it stood",
		field:       func(t *Thresholds) *float64 { return &t.Feet.MaxToeShiftRatio }},
	{Key: "thresholds.feet.toe_shift_floor_px", Default: 3, Unit: "px", Min: 0, Max: 50, Source: srcToeFloor,
		Description: "the toe's tolerance (thresholds.feet.max_toe_shift_ratio foot lengths) is never less than this many source pixels, the keypoint noise of a small image",
		field:       func(t *Thresholds) *float64 { return &t.Feet.ToeShiftFloorPx }},
	{Key: "thresholds.lsi.watch", Default: 95, Unit: "%", Min: 0, Max: 100, Source: srcExpert,
		Description: "limb symmetry index of flexion-type measures below this (lower is worse)",
		field:       func(t *Thresholds) *float64 { return &t.LSI.Watch }},
	{Key: "thresholds.lsi.flag", Default: 90, Unit: "%", Min: 0, Max: 100, Source: srcLSI,
		Description: "limb symmetry index of flexion-type measures below this (lower is worse)",
		field:       func(t *Thresholds) *float64 { return &t.LSI.Flag }},
	{Key: "thresholds.step_down.hand_off_waist_ratio", Default: 0.25, Unit: "ratio", Min: 0, Max: 2, Source: srcPiva2006,
		Description: "wrist moves this far from its standing place, relative to trunk length: hand leaves the waist (+1)",
		field:       func(t *Thresholds) *float64 { return &t.StepDown.HandOffWaistRatio }},
	{Key: "thresholds.step_down.trunk_lean_deg", Default: 10, Unit: "deg", Min: 0, Max: 45, Source: srcPiva2006,
		Description: "trunk leans to either side by this much (+1)",
		field:       func(t *Thresholds) *float64 { return &t.StepDown.TrunkLeanDeg }},
	{Key: "thresholds.step_down.pelvis_tilt_deg", Default: 5, Unit: "deg", Min: 0, Max: 45, Source: srcPiva2006,
		Description: "pelvis not level: hip line tilts from its standing angle by this much (+1)",
		field:       func(t *Thresholds) *float64 { return &t.StepDown.PelvisTiltDeg }},
	{Key: "thresholds.step_down.knee_medial_ratio", Default: 0.05, Unit: "ratio", Min: 0, Max: 1, Source: srcPiva2006,
		Description: "knee inside its foot's line by this fraction of shank length (knee_medial_offset: medial to the second toe; +1)",
		field:       func(t *Thresholds) *float64 { return &t.StepDown.KneeMedialRatio }},
	{Key: "thresholds.step_down.knee_far_medial_ratio", Default: 0.15, Unit: "ratio", Min: 0, Max: 1, Source: srcPiva2006,
		Description: "knee inside its foot's line by this fraction of shank length (knee_medial_offset: medial to the foot's medial border; +2)",
		field:       func(t *Thresholds) *float64 { return &t.StepDown.KneeFarMedialRatio }},
	{Key: "thresholds.step_down.knee_medial_fppa_deg", Default: 10, Unit: "deg", Min: 0, Max: 60, Source: srcPiva2006,
		Description: "peak valgus FPPA that also counts as knee medial to the foot (+1)",
		field:       func(t *Thresholds) *float64 { return &t.StepDown.KneeMedialFPPADeg }},
	{Key: "thresholds.step_down.knee_far_medial_fppa_deg", Default: 20, Unit: "deg", Min: 0, Max: 60, Source: srcPiva2006,
		Description: "peak valgus FPPA that counts as knee far medial (+2)",
		field:       func(t *Thresholds) *float64 { return &t.StepDown.KneeFarMedialFPPA }},
	{Key: "thresholds.step_down.stance_ankle_move_ratio", Default: 0.06, Unit: "ratio", Min: 0, Max: 1, Source: srcPiva2006,
		Description: "stance ankle moves this fraction of leg length from its standing place: loss of balance (+1)",
		field:       func(t *Thresholds) *float64 { return &t.StepDown.StanceAnkleMove }},
	{Key: "thresholds.step_down.step_height_ratio", Default: 0.23, Unit: "ratio", Min: 0, Max: 1,
		Source:      "Piva et al. 2006 (20 cm step) ÷ an adult's hip-to-ankle length (about 0.87 m): expert default",
		Description: "step height ÷ standing leg length; in a step-down the floor the free foot could touch lies this far below the stance ankle",
		field:       func(t *Thresholds) *float64 { return &t.StepDown.StepHeightRatio }},
	{Key: "thresholds.step_down.touchdown_margin_ratio", Default: 0.04, Unit: "ratio", Min: 0, Max: 0.5, Source: srcExpert,
		Description: "the free ankle within this fraction of leg length above the floor counts as on the floor",
		field:       func(t *Thresholds) *float64 { return &t.StepDown.TouchdownMargin }},
	{Key: "thresholds.step_down.touchdown_min_s", Default: 0.5, Unit: "s", Min: 0, Max: 5, Source: srcExpert,
		Description: "the free foot held at floor level at least this long is a touchdown (loss of balance); shorter stays are noise or the brief heel tap of the protocol",
		field:       func(t *Thresholds) *float64 { return &t.StepDown.TouchdownMinS }},
	{Key: "thresholds.step_down.touchdown_min_reps", Default: 1, Unit: "reps", Min: 1, Max: 20, Source: srcExpert,
		Description: "touchdowns in at least this many reps score steady stance (+1): a step onto the free limb is a loss of balance even once",
		field:       func(t *Thresholds) *float64 { return &t.StepDown.TouchdownMinReps }},
	{Key: "thresholds.step_down.item_rep_fraction", Default: 0.5, Unit: "fraction", Min: 0, Max: 1, Source: srcExpert,
		Description: "an item scores when it is seen in at least this share of reps",
		field:       func(t *Thresholds) *float64 { return &t.StepDown.ItemRepFraction }},
	{Key: "thresholds.step_down.moderate_total", Default: 2, Unit: "points", Min: 0, Max: 6, Source: "Piva et al. 2006 (0-1 good, 2-3 moderate, ≥4 poor)",
		Description: "total from which the quality of movement is moderate",
		field:       func(t *Thresholds) *float64 { return &t.StepDown.ModerateTotalPoints }},
	{Key: "thresholds.step_down.poor_total", Default: 4, Unit: "points", Min: 0, Max: 6, Source: "Piva et al. 2006 (0-1 good, 2-3 moderate, ≥4 poor)",
		Description: "total from which the quality of movement is poor",
		field:       func(t *Thresholds) *float64 { return &t.StepDown.PoorTotalPoints }},
	{Key: "thresholds.quality.min_person_fraction", Default: 0.5, Unit: "fraction", Min: 0, Max: 1, Source: srcExpert,
		Description: "share of frames with a person below which the report warns",
		field:       func(t *Thresholds) *float64 { return &t.Quality.MinPersonFraction }},
	{Key: "thresholds.quality.min_person_height_fraction", Default: 0.15, Unit: "fraction", Min: 0, Max: 1, Source: srcExpert,
		Description: "median person height as a share of image height below which indicators are not assessable",
		field:       func(t *Thresholds) *float64 { return &t.Quality.MinPersonHeightFrac }},
	{Key: "thresholds.quality.min_confidence", Default: 0.3, Unit: "fraction", Min: 0, Max: 1, Source: srcExpert,
		Description: "indicators with a confidence below this are not assessable",
		field:       func(t *Thresholds) *float64 { return &t.Quality.MinConfidence }},
	{Key: "thresholds.fppa_validity.min_thigh_length_ratio", Default: 0.7, Unit: "ratio", Min: 0, Max: 1, Source: srcWillsonOnly,
		Description: "FPPA is valid only while the thigh's image length is at least this share of its standing length",
		field:       func(t *Thresholds) *float64 { return &t.FPPAValidity.MinThighLengthRatio }},
	{Key: "thresholds.fppa_validity.max_abs_deg", Default: 45, Unit: "deg", Min: 10, Max: 90, Source: srcFPPABound,
		Description: "FPPA beyond ± this is not read: such a frame is not valid, and a rep whose valgus reaches it in its valid phase is not assessable for FPPA",
		field:       func(t *Thresholds) *float64 { return &t.FPPAValidity.MaxAbsDeg }},
	{Key: "thresholds.view.frontal_max_yaw_deg", Default: 20, Unit: "deg", Min: 0, Max: 45, Source: srcFrontalYaw,
		Description: "frontal metrics (FPPA, knee over foot, pelvic drop, lateral trunk lean) are read only in reps filmed within this yaw of square-on front or back; within it the keypoints are corrected for the remaining yaw",
		field:       func(t *Thresholds) *float64 { return &t.View.FrontalMaxYawDeg }},
	{Key: "thresholds.view.sagittal_min_yaw_deg", Default: 70, Unit: "deg", Min: 45, Max: 90, Source: srcSagittalYaw,
		Description: "sagittal metrics (knee and hip flexion, trunk forward lean, shank inclination) are read only in reps filmed at least this far round towards profile",
		field:       func(t *Thresholds) *float64 { return &t.View.SagittalMinYawDeg }},
	{Key: "thresholds.reps.min_descent_ratio", Default: 0.2, Unit: "ratio", Min: 0.01, Max: 1, Source: srcExpert,
		Description: "a rep's mid-hip descent (prominence) must reach this share of standing leg length",
		field:       func(t *Thresholds) *float64 { return &t.Reps.MinDescentRatio }},
	{Key: "thresholds.reps.single_leg_min_descent_ratio", Default: 0.1, Unit: "ratio", Min: 0.01, Max: 1, Source: srcExpert + " (a single-leg squat to 45-60° knee flexion lowers the hips only 10-15% of leg length)",
		Description: "minimum mid-hip descent of a rep in single-leg squats and step-downs",
		field:       func(t *Thresholds) *float64 { return &t.Reps.SingleLegMinDescentRatio }},
	{Key: "thresholds.reps.min_duration_s", Default: 0.4, Unit: "s", Min: 0, Max: 30, Source: srcExpert,
		Description: "a rep must last at least this long",
		field:       func(t *Thresholds) *float64 { return &t.Reps.MinDurationS }},
}

// ThresholdSpecs lists every threshold with its key, default, unit and
// source, in a stable order. The returned slice is a copy.
func ThresholdSpecs() []ThresholdSpec {
	return append([]ThresholdSpec(nil), thresholdSpecs...)
}

// DefaultThresholds returns the thresholds with every default applied.
func DefaultThresholds() Thresholds {
	var t Thresholds
	for _, s := range thresholdSpecs {
		*s.field(&t) = s.Default
	}
	return t
}

func specFor(key string) (ThresholdSpec, bool) {
	for _, s := range thresholdSpecs {
		if s.Key == key {
			return s, true
		}
	}
	return ThresholdSpec{}, false
}

// Get returns the threshold with the given configuration key.
func (t *Thresholds) Get(key string) (float64, bool) {
	s, ok := specFor(key)
	if !ok {
		return 0, false
	}
	return *s.field(t), true
}

// Set changes the threshold with the given configuration key; it rejects
// unknown keys and values outside the documented range.
func (t *Thresholds) Set(key string, v float64) error {
	s, ok := specFor(key)
	if !ok {
		return fmt.Errorf("screening: unknown threshold %q: %w", key, ErrInvalidOptions)
	}
	if math.IsNaN(v) || v < s.Min || v > s.Max {
		return fmt.Errorf("screening: threshold %s = %g outside [%g, %g] %s: %w", key, v, s.Min, s.Max, s.Unit, ErrInvalidOptions)
	}
	*s.field(t) = v
	return nil
}

// Validate checks every threshold against its documented range and that
// every indicator's flag cut-off is at least as severe as its watch
// cut-off.
func (t *Thresholds) Validate() error {
	for _, s := range thresholdSpecs {
		v := *s.field(t)
		if math.IsNaN(v) || v < s.Min || v > s.Max {
			return fmt.Errorf("screening: threshold %s = %g outside [%g, %g] %s: %w", s.Key, v, s.Min, s.Max, s.Unit, ErrInvalidOptions)
		}
	}
	if t.View.FrontalMaxYawDeg >= t.View.SagittalMinYawDeg {
		return fmt.Errorf("screening: thresholds.view.frontal_max_yaw_deg = %g must be below thresholds.view.sagittal_min_yaw_deg = %g: %w",
			t.View.FrontalMaxYawDeg, t.View.SagittalMinYawDeg, ErrInvalidOptions)
	}
	// Each indicator's flag cut-off must be at least as severe as its
	// watch cut-off.
	for _, g := range gradings() {
		for _, cut := range g.allCutoffs() {
			watch, _ := t.Get(cut.watch)
			flag, _ := t.Get(cut.flag)
			worse, milder := "higher", flag < watch
			if !g.higherIsWorse() {
				worse, milder = "lower", flag > watch
			}
			if milder {
				return fmt.Errorf("screening: %s = %g is milder than %s = %g (%s values are worse): %w",
					cut.flag, flag, cut.watch, watch, worse, ErrInvalidOptions)
			}
		}
	}
	return nil
}

// Used lists the thresholds with their current values, units and sources,
// sorted by key, for the report.
func (t *Thresholds) Used() []ThresholdValue {
	out := make([]ThresholdValue, 0, len(thresholdSpecs))
	for _, s := range thresholdSpecs {
		out = append(out, ThresholdValue{Key: s.Key, Value: *s.field(t), Unit: s.Unit, Source: s.Source})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
