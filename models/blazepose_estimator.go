package models

import (
	"context"
	"image"
	"math"

	"github.com/kneescreen/kneescreen/models/blazepose"
	"github.com/kneescreen/kneescreen/pose"
)

// blazePoseModel is a loaded BlazePose detector and landmark model behind
// the PoseModel seam.
type blazePoseModel struct {
	name   string
	m      *blazepose.Model
	digest string
}

func (b *blazePoseModel) Digest() string { return b.digest }

func (b *blazePoseModel) Name() string             { return b.name }
func (b *blazePoseModel) Skeleton() *pose.Skeleton { return pose.BlazePose33 }

func (b *blazePoseModel) NewPoseEstimator(threads int) PoseEstimator {
	return &blazePoseEstimator{name: b.name, t: b.m.NewTrackerThreads(threads)}
}

func (b *blazePoseModel) Networks() []Network {
	det, lm := b.m.Networks()
	return []Network{{Name: "blazepose-detector", Model: det}, {Name: b.m.Name(), Model: lm}}
}

// blazePoseEstimator adapts a blazepose.Tracker to PoseEstimator: its
// landmarks become keypoints of pose.BlazePose33.
type blazePoseEstimator struct {
	name string
	t    *blazepose.Tracker
}

func (e *blazePoseEstimator) Name() string             { return e.name }
func (e *blazePoseEstimator) Skeleton() *pose.Skeleton { return pose.BlazePose33 }

// InputSize is the landmark model's input side (256); the detector sees
// 224.
func (e *blazePoseEstimator) InputSize() int { return 256 }
func (e *blazePoseEstimator) Reset()         { e.t.Reset() }
func (e *blazePoseEstimator) Close()         { e.t.Close() }

func (e *blazePoseEstimator) Estimate(ctx context.Context, img image.Image) (pose.Pose, error) {
	p, err := e.t.Estimate(ctx, img)
	if err != nil {
		return pose.Pose{}, err
	}
	return fromBlazePose(&p), nil
}

func (e *blazePoseEstimator) Track(ctx context.Context, img image.Image) (pose.Pose, error) {
	p, err := e.t.Track(ctx, img)
	if err != nil {
		return pose.Pose{}, err
	}
	return fromBlazePose(&p), nil
}

// blazePoseOrder maps blazepose's landmark order to the skeleton's (the
// same order; TestBlazePoseSkeletonOrder in package blazepose checks it,
// this keeps the mapping by name whatever it says).
var blazePoseOrder = func() [blazepose.NumLandmarks]int {
	var o [blazepose.NumLandmarks]int
	for k, n := range blazepose.Names {
		i, ok := pose.BlazePose33.Index(pose.Joint(n))
		if !ok {
			panic("models: BlazePose landmark " + n + " is not in pose.BlazePose33")
		}
		o[k] = i
	}
	return o
}()

// fromBlazePose converts a BlazePose result to a pose. A keypoint's score is
// the lesser of the landmark's visibility (not occluded) and presence
// (inside the frame), as MediaPipe's drawing utilities require both to
// show a landmark; NX, NY are its position across the landmark model's
// square input (the rotated region of interest). Without a person the
// keypoints are zero.
func fromBlazePose(bp *blazepose.Pose) pose.Pose {
	p := pose.NewPose(pose.BlazePose33)
	p.Person = bp.Person
	if !bp.Person {
		return p
	}
	for k, l := range bp.Landmarks {
		nx, ny := bp.Region.FromSource(l.X, l.Y)
		p.Keypoints[blazePoseOrder[k]] = pose.Keypoint{X: l.X, Y: l.Y, NX: nx, NY: ny, Score: math.Min(l.Visibility, l.Presence)}
	}
	return p
}
