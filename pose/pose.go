package pose

import "math"

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
//
// Keypoints is a slice: copying a Pose shares it. Use Clone for a copy that
// can be changed on its own.
type Pose struct {
	// Frame is the zero-based index of the frame in its source.
	Frame int
	// Time is the frame's timestamp in seconds from the start of the source.
	Time float64
	// Skeleton names the keypoints.
	Skeleton *Skeleton
	// Keypoints are in the skeleton's order, one per joint.
	Keypoints []Keypoint
	// Person is false when the model found nobody in the frame (all scores
	// low); the keypoints are then still the model's best guess.
	Person bool
}

// NewPose returns a pose of skeleton s with every keypoint zero.
func NewPose(s *Skeleton) Pose {
	return Pose{Skeleton: s, Keypoints: make([]Keypoint, s.Len())}
}

// Get returns the keypoint of joint j, and false when the pose's skeleton
// has no such joint.
func (p *Pose) Get(j Joint) (Keypoint, bool) {
	i, ok := p.Skeleton.Index(j)
	if !ok || i >= len(p.Keypoints) {
		return Keypoint{}, false
	}
	return p.Keypoints[i], true
}

// At returns a pointer to the keypoint of joint j, or nil when the pose's
// skeleton has no such joint.
func (p *Pose) At(j Joint) *Keypoint {
	i, ok := p.Skeleton.Index(j)
	if !ok || i >= len(p.Keypoints) {
		return nil
	}
	return &p.Keypoints[i]
}

// MeanScore is the mean keypoint score of the pose (0 without keypoints).
func (p *Pose) MeanScore() float64 {
	if len(p.Keypoints) == 0 {
		return 0
	}
	var s float64
	for _, k := range p.Keypoints {
		s += k.Score
	}
	return s / float64(len(p.Keypoints))
}

// Clone returns a copy of p with keypoints of its own.
func (p *Pose) Clone() Pose {
	q := *p
	q.Keypoints = append([]Keypoint(nil), p.Keypoints...)
	return q
}

// Mirror turns p, in place, into the pose seen in the same image flipped
// left-right, for an image width pixels wide: x becomes width - x, the
// model coordinate NX becomes 1 - NX, and each joint trades places with
// its mirror (left and right of the body swap). It is the one mirror
// implementation: Track.Mirror and the pipeline's symmetric estimation use
// it.
func (p *Pose) Mirror(width float64) {
	for i := range p.Keypoints {
		k := &p.Keypoints[i]
		k.X = width - k.X
		k.NX = 1 - k.NX
	}
	if p.Skeleton == nil {
		return
	}
	for i := range p.Keypoints {
		if m := p.Skeleton.Mirror(i); m > i && m < len(p.Keypoints) {
			p.Keypoints[i], p.Keypoints[m] = p.Keypoints[m], p.Keypoints[i]
		}
	}
}

// Track is a sequence of poses from one source, in frame order.
type Track struct {
	// Width and Height are the upright source image size in pixels.
	Width, Height int
	// FPS is the source's nominal frame rate (0 when unknown).
	FPS float64
	// Skeleton names the keypoints of every pose (nil for a track built
	// without one; see PoseSkeleton).
	Skeleton *Skeleton
	// Poses holds one entry per decoded frame, in order.
	Poses []Pose
}

// PoseSkeleton returns the skeleton of the track's poses: Skeleton when
// set, else the first pose's, else nil.
func (t *Track) PoseSkeleton() *Skeleton {
	if t.Skeleton != nil {
		return t.Skeleton
	}
	for i := range t.Poses {
		if s := t.Poses[i].Skeleton; s != nil {
			return s
		}
	}
	return nil
}

// Mirror returns the track as it would be seen in a horizontally mirrored
// image: x becomes Width - x and left and right joints swap.
func (t *Track) Mirror() *Track {
	out := &Track{Width: t.Width, Height: t.Height, FPS: t.FPS, Skeleton: t.Skeleton, Poses: make([]Pose, len(t.Poses))}
	for i := range t.Poses {
		out.Poses[i] = t.Poses[i].Clone()
		out.Poses[i].Mirror(float64(t.Width))
	}
	return out
}
