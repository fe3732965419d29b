// Package pose defines the body keypoints that flow from the pose models to
// the screening code: the 17 COCO joints, one frame's Pose and a Track of
// poses over time. It has no dependencies beyond the standard library so that
// both sides of the pipeline, and their tests, can share it.
package pose

import (
	"fmt"
	"math"
)

// Joint indexes a keypoint in COCO order, the order MoveNet emits.
type Joint int

// The 17 COCO keypoints; left before right.
const (
	Nose Joint = iota
	LeftEye
	RightEye
	LeftEar
	RightEar
	LeftShoulder
	RightShoulder
	LeftElbow
	RightElbow
	LeftWrist
	RightWrist
	LeftHip
	RightHip
	LeftKnee
	RightKnee
	LeftAnkle
	RightAnkle
	// NumJoints is the number of keypoints in a Pose.
	NumJoints
)

var jointNames = [NumJoints]string{
	"nose", "left_eye", "right_eye", "left_ear", "right_ear",
	"left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
	"left_wrist", "right_wrist", "left_hip", "right_hip",
	"left_knee", "right_knee", "left_ankle", "right_ankle",
}

// String returns the snake_case COCO name, e.g. "left_knee".
func (j Joint) String() string {
	if j < 0 || j >= NumJoints {
		return fmt.Sprintf("joint(%d)", int(j))
	}
	return jointNames[j]
}

// ParseJoint returns the joint with the given COCO name.
func ParseJoint(name string) (Joint, error) {
	for i, n := range jointNames {
		if n == name {
			return Joint(i), nil
		}
	}
	return 0, fmt.Errorf("pose: unknown joint %q", name)
}

// Mirror returns the joint on the other side of the body (nose stays nose).
// Mirroring an image horizontally turns every joint into its Mirror.
func (j Joint) Mirror() Joint {
	if j == Nose || j < 0 || j >= NumJoints {
		return j
	}
	// Paired joints alternate left (odd) and right (even).
	if j%2 == 1 {
		return j + 1
	}
	return j - 1
}

// Keypoint is one joint in one frame.
type Keypoint struct {
	// X and Y are in source-image pixels, origin top left, y down.
	X, Y float64
	// NX and NY are the model's own coordinates, normalised to the model
	// input square (0..1); kept so model fidelity can be checked.
	NX, NY float64
	// Score is the model's confidence, 0..1.
	Score float64
}

// Valid reports whether the keypoint has finite coordinates and a score of at
// least minScore.
func (k Keypoint) Valid(minScore float64) bool {
	return k.Score >= minScore && !math.IsNaN(k.X) && !math.IsNaN(k.Y) &&
		!math.IsInf(k.X, 0) && !math.IsInf(k.Y, 0)
}

// Pose is the model's estimate of one person in one frame.
type Pose struct {
	// Frame is the zero-based index of the frame in its source.
	Frame int
	// Time is the frame's timestamp in seconds from the start of the source.
	Time float64
	// Keypoints are indexed by Joint.
	Keypoints [NumJoints]Keypoint
	// Person is false when the model found nobody in the frame (all scores
	// low); the keypoints are then still the model's best guess.
	Person bool
}

// MeanScore is the mean keypoint score of the pose.
func (p *Pose) MeanScore() float64 {
	var s float64
	for _, k := range p.Keypoints {
		s += k.Score
	}
	return s / float64(NumJoints)
}

// Track is a sequence of poses from one source, in frame order.
type Track struct {
	// Width and Height are the upright source image size in pixels.
	Width, Height int
	// FPS is the source's nominal frame rate (0 when unknown).
	FPS float64
	// Poses holds one entry per decoded frame, in order.
	Poses []Pose
}

// Mirror returns the track as it would be seen in a horizontally mirrored
// image: x becomes Width - x and left and right joints swap.
func (t *Track) Mirror() *Track {
	out := &Track{Width: t.Width, Height: t.Height, FPS: t.FPS, Poses: make([]Pose, len(t.Poses))}
	for i, p := range t.Poses {
		q := p
		for j := Joint(0); j < NumJoints; j++ {
			k := p.Keypoints[j]
			k.X = float64(t.Width) - k.X
			k.NX = 1 - k.NX
			q.Keypoints[j.Mirror()] = k
		}
		out.Poses[i] = q
	}
	return out
}
