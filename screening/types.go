package screening

import (
	"fmt"
	"strings"
)

// Movement names the screened task. The string values are the ones the CLI
// accepts and report.json carries.
type Movement string

// Movements.
const (
	// MovementAuto asks Analyze to classify the movement.
	MovementAuto Movement = "auto"
	// MovementSquat is a bilateral (two-legged) squat.
	MovementSquat Movement = "squat"
	// MovementSingleLegSquat is a squat on one leg with the free foot off
	// the floor.
	MovementSingleLegSquat Movement = "single-leg-squat"
	// MovementStepDown is a lateral or forward step-down from a step (Piva
	// 2006): the free foot reaches below the stance foot.
	MovementStepDown Movement = "step-down"
	// MovementLunge is a split-stance squat (static split squat or
	// lunge): both feet on the floor, one ahead of the other; the front
	// leg is the stance leg.
	MovementLunge Movement = "lunge"
	// MovementHipHinge is a hip hinge (a kettlebell pick-up, a Romanian
	// deadlift): the trunk bends far forward with little knee flexion.
	// It is not a squat: its reps are listed but squat metrics are not
	// read from them.
	MovementHipHinge Movement = "hip-hinge"
	// MovementUnknown is reported when no movement could be recognised
	// (no person, no usable frames).
	MovementUnknown Movement = "unknown"
)

// SingleLeg reports whether the movement is performed on one leg.
func (m Movement) SingleLeg() bool {
	return m == MovementSingleLegSquat || m == MovementStepDown
}

// Unilateral reports whether one leg carries the movement: the stance leg
// of a single-leg task, the front leg of a lunge. Such reps grade that
// leg only.
func (m Movement) Unilateral() bool {
	return m.SingleLeg() || m == MovementLunge
}

// ParseMovement parses a CLI/config value ("auto", "squat",
// "single-leg-squat", "step-down", "lunge", "hip-hinge"); "" means auto.
func ParseMovement(s string) (Movement, error) {
	switch m := Movement(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return MovementAuto, nil
	case MovementAuto, MovementSquat, MovementSingleLegSquat, MovementStepDown, MovementLunge, MovementHipHinge:
		return m, nil
	}
	return "", fmt.Errorf("screening: unknown movement %q (want auto, squat, single-leg-squat, step-down, lunge or hip-hinge): %w", s, ErrInvalidOptions)
}

// UnmarshalText parses a configuration value as ParseMovement does, and
// also accepts the value reports carry for an unrecognised movement
// (unknown), so a report reads back; Options.Validate rejects that one as
// an option.
func (m *Movement) UnmarshalText(b []byte) error {
	return unmarshalEnum(m, b, ParseMovement, MovementUnknown)
}

// View is the camera's view of the person.
type View string

// Views.
const (
	// ViewAuto asks Analyze to classify the view from body proportions.
	ViewAuto View = "auto"
	// ViewFront: the camera faces the person's front or back (frontal
	// plane visible).
	ViewFront View = "front"
	// ViewSide: the camera sees the person in profile (sagittal plane).
	ViewSide View = "side"
	// ViewOblique: in between; neither plane is measured reliably.
	ViewOblique View = "oblique"
	// ViewUnknown is reported when the view could not be classified.
	ViewUnknown View = "unknown"
)

// ParseView parses "auto", "front", "side" or "oblique"; "" means auto.
func ParseView(s string) (View, error) {
	switch v := View(strings.ToLower(strings.TrimSpace(s))); v {
	case "":
		return ViewAuto, nil
	case ViewAuto, ViewFront, ViewSide, ViewOblique:
		return v, nil
	}
	return "", fmt.Errorf("screening: unknown view %q (want auto, front, side or oblique): %w", s, ErrInvalidOptions)
}

// UnmarshalText parses a configuration value as ParseView does, and also
// accepts the value reports carry for an unclassified view (unknown).
func (v *View) UnmarshalText(b []byte) error {
	return unmarshalEnum(v, b, ParseView, ViewUnknown)
}

// Side is a body side. Reports use "left" and "right" for the person's own
// sides (not the image's), "both" for bilateral values and "" when a side
// does not apply.
type Side string

// Sides.
const (
	SideAuto  Side = "auto"
	SideLeft  Side = "left"
	SideRight Side = "right"
	SideBoth  Side = "both"
	SideNone  Side = ""
)

// Other returns the opposite side; both and none map to themselves.
func (s Side) Other() Side {
	switch s {
	case SideLeft:
		return SideRight
	case SideRight:
		return SideLeft
	}
	return s
}

// ParseStance parses a stance leg option: "auto", "left" or "right"; ""
// means auto.
func ParseStance(s string) (Side, error) {
	switch v := Side(strings.ToLower(strings.TrimSpace(s))); v {
	case "":
		return SideAuto, nil
	case SideAuto, SideLeft, SideRight:
		return v, nil
	}
	return "", fmt.Errorf("screening: unknown stance %q (want auto, left or right): %w", s, ErrInvalidOptions)
}

// UnmarshalText accepts every side as reports write it: auto, left,
// right, both, and "" for none (which, as a stance option, means auto, as
// in ParseStance). Options.Validate keeps stance options to auto, left and
// right.
func (s *Side) UnmarshalText(b []byte) error {
	if len(strings.TrimSpace(string(b))) == 0 {
		*s = SideNone
		return nil
	}
	return unmarshalEnum(s, b, ParseStance, SideBoth)
}

// Sex selects sex-specific thresholds where the literature gives them.
type Sex string

// Sexes.
const (
	SexUnspecified Sex = "unspecified"
	SexFemale      Sex = "female"
	SexMale        Sex = "male"
)

// ParseSex parses "unspecified", "female" or "male"; "" means unspecified.
func ParseSex(s string) (Sex, error) {
	switch v := Sex(strings.ToLower(strings.TrimSpace(s))); v {
	case "":
		return SexUnspecified, nil
	case SexUnspecified, SexFemale, SexMale:
		return v, nil
	}
	return "", fmt.Errorf("screening: unknown sex %q (want unspecified, female or male): %w", s, ErrInvalidOptions)
}

// UnmarshalText parses a configuration value as ParseSex does.
func (s *Sex) UnmarshalText(b []byte) error {
	return unmarshalEnum(s, b, ParseSex)
}

// unmarshalEnum sets *dst from b with parse, or to one of the extra values
// (matched as parse matches, ignoring case and surrounding space), which
// reports carry but options do not accept.
func unmarshalEnum[T ~string](dst *T, b []byte, parse func(string) (T, error), extra ...T) error {
	for _, e := range extra {
		if T(strings.ToLower(strings.TrimSpace(string(b)))) == e {
			*dst = e
			return nil
		}
	}
	v, err := parse(string(b))
	if err != nil {
		return err
	}
	*dst = v
	return nil
}

// Level grades an indicator.
type Level string

// Levels, from best to worst; LevelNotAssessable when the data or the view
// cannot support the indicator.
const (
	LevelOK            Level = "ok"
	LevelWatch         Level = "watch"
	LevelFlag          Level = "flag"
	LevelNotAssessable Level = "not_assessable"
)

// Category is the muscle-balance question an indicator speaks to.
type Category string

// Categories (the seed categories of the screening brief).
const (
	CategoryQuadsVsHamstrings Category = "quadriceps_vs_hamstrings"
	CategoryInnerVsOuterThigh Category = "inner_vs_outer_thigh"
	CategoryHipVsKnee         Category = "hip_vs_knee"
	CategoryCalfAndAnkle      Category = "calf_and_ankle"
	CategoryAsymmetry         Category = "asymmetry"
)
