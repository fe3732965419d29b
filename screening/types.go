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
	// MovementUnknown is reported when no movement could be recognised
	// (no person, no usable frames).
	MovementUnknown Movement = "unknown"
)

// SingleLeg reports whether the movement is performed on one leg.
func (m Movement) SingleLeg() bool {
	return m == MovementSingleLegSquat || m == MovementStepDown
}

// ParseMovement parses a CLI/config value ("auto", "squat",
// "single-leg-squat", "step-down"); "" means auto.
func ParseMovement(s string) (Movement, error) {
	switch m := Movement(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return MovementAuto, nil
	case MovementAuto, MovementSquat, MovementSingleLegSquat, MovementStepDown:
		return m, nil
	}
	return "", fmt.Errorf("screening: unknown movement %q (want auto, squat, single-leg-squat or step-down): %w", s, ErrInvalidOptions)
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
