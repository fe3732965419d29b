package pipeline

import (
	"context"
	"errors"
	"image"
	"io"
	"math"
	"reflect"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/pose"
)

// A FrameEstimator estimating a video's frames one by one gives the poses
// the pose pass gives: with Symmetric, the pass's plain lane and its
// mirror lane track the same frames its two estimators track; frames
// reduced below MaxSide are scaled back alike.
func TestFrameEstimatorMatchesTrack(t *testing.T) {
	path := testenv.Testdata(t, "squat_640x360.mp4")
	for _, tc := range []struct {
		name string
		opts TrackOptions
	}{
		{"symmetric", TrackOptions{Symmetric: true, Lanes: 2, Threads: 2}},
		{"plain, reduced", TrackOptions{Lanes: 1, Threads: 1, MaxSide: 320}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.NewEstimator = lightning(t)
			src, err := Open(path, 30)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Track(context.Background(), src, tc.opts)
			src.Close()
			if err != nil {
				t.Fatal(err)
			}
			fe, err := NewFrameEstimator(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer fe.Close()
			src, err = Open(path, 30)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			for i := 0; ; i++ {
				f, err := src.Next(context.Background())
				if errors.Is(err, io.EOF) {
					if i != len(want.Poses) {
						t.Fatalf("%d frames, the pass had %d", i, len(want.Poses))
					}
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				p, err := fe.Track(context.Background(), f.Image)
				if err != nil {
					t.Fatal(err)
				}
				samePose(t, i, p, want.Poses[i])
			}
		})
	}
}

func samePose(t *testing.T, i int, got, want pose.Pose) {
	t.Helper()
	if len(got.Keypoints) != len(want.Keypoints) || got.Person != want.Person {
		t.Fatalf("frame %d: %d keypoints, person %v; want %d, %v", i, len(got.Keypoints), got.Person, len(want.Keypoints), want.Person)
	}
	for k := range got.Keypoints {
		g, w := got.Keypoints[k], want.Keypoints[k]
		// The same arithmetic on the same pixels: equal but for the
		// order of floating-point operations.
		if math.Abs(g.X-w.X) > 1e-6 || math.Abs(g.Y-w.Y) > 1e-6 || math.Abs(g.Score-w.Score) > 1e-6 {
			t.Fatalf("frame %d, keypoint %d: %+v, the pass's %+v", i, k, g, w)
		}
	}
}

// A failing estimator's error reaches the caller, naming the frame step.
func TestFrameEstimatorError(t *testing.T) {
	boom := errors.New("boom")
	fe, err := NewFrameEstimator(TrackOptions{Symmetric: true, NewEstimator: func(int) (Estimator, error) { return failing{boom}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer fe.Close()
	if _, err := fe.Track(context.Background(), image.NewRGBA(image.Rect(0, 0, 64, 48))); !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
	if _, err := NewFrameEstimator(TrackOptions{}); !errors.Is(err, ErrNoEstimator) {
		t.Errorf("no estimator: %v", err)
	}
}

type failing struct{ err error }

func (f failing) Track(context.Context, image.Image) (pose.Pose, error) { return pose.Pose{}, f.err }
func (failing) Close()                                                  {}

// TestFrameEstimatorProbes: a FrameEstimator asked to probe (ProbeNext)
// finds the second person standing beside the one it tracks, as a pass's
// probes do, and no one when the same frames show the first person alone;
// a Track not asked does not probe; the poses are those of a
// FrameEstimator that never probes, bit for bit.
func TestFrameEstimatorProbes(t *testing.T) {
	two := twoPeopleFrames(t, 20)
	for _, tc := range []struct {
		name      string
		symmetric bool
		alone     bool
	}{
		{"two people, plain", false, false},
		{"two people, symmetric", true, false},
		{"alone, symmetric", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := TrackOptions{Symmetric: tc.symmetric, Threads: 2, NewEstimator: lightning(t)}
			fe, err := NewFrameEstimator(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer fe.Close()
			quiet, err := NewFrameEstimator(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer quiet.Close()
			probes, others := 0, 0
			for i, f := range two {
				if tc.alone {
					f = copyFrame(nil, f.SubImage(image.Rect(0, 0, f.Rect.Dx()/2, f.Rect.Dy())).(*image.RGBA))
				}
				if i%2 == 1 {
					fe.ProbeNext()
				}
				p, err := fe.Track(context.Background(), f)
				if err != nil {
					t.Fatal(err)
				}
				done, other := fe.LastProbe()
				if done != (i%2 == 1) && p.Person {
					t.Errorf("frame %d: probed %v, asked %v", i, done, i%2 == 1)
				}
				if done {
					probes++
					if other {
						others++
					}
				}
				q, err := quiet.Track(context.Background(), f)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(p, q) {
					t.Fatalf("frame %d: the pose differs from a FrameEstimator that does not probe", i)
				}
			}
			if probes < 8 {
				t.Fatalf("%d frames probed of 10 asked", probes)
			}
			if want := !tc.alone; (others >= probes/2) != want {
				t.Errorf("%d of %d probes found someone else, want a second person: %v", others, probes, want)
			}
			if tc.alone && others > 0 {
				t.Errorf("%d probes found someone beside a person alone", others)
			}
		})
	}
}
