package pipeline

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/kneescreen/kneescreen/pose"
)

// TestStride: the estimation stride keeps the rate at or above EstimateHz
// (29.97 fps counting as 30), and sources of unknown rate, slow ones and
// an EstimateHz of 0 or less are estimated in full.
func TestStride(t *testing.T) {
	for _, tc := range []struct {
		fps, hz float64
		want    int
	}{
		{30, 15, 2}, {30000.0 / 1001, 15, 2}, {60, 15, 4}, {59.94, 15, 4}, {25, 15, 1}, {24, 15, 1}, {12, 15, 1},
		{30, 0, 1}, {30, -1, 1}, {30, 10, 3}, {30, 30, 1}, {30, 40, 1}, {0, 15, 1}, {math.Inf(1), 15, 1},
		{math.NaN(), 15, 1}, {30, math.NaN(), 1}, {30, math.Inf(1), 1},
	} {
		if got := stride(tc.fps, tc.hz); got != tc.want {
			t.Errorf("stride(%v fps, %v Hz) = %d, want %d", tc.fps, tc.hz, got, tc.want)
		}
	}
}

// TestTrackInterpolates runs the pose pass at reduced rates over frames
// whose red value is their index, which probeEstimator reports as the
// nose's score: every frame gets a pose, in order, the estimated ones
// read their own frame and the others are interpolated to their index
// (linear in time, as the frames are evenly spaced); only every stride-th
// frame and the last are estimated.
func TestTrackInterpolates(t *testing.T) {
	for _, tc := range []struct {
		n         int
		fps, hz   float64
		lanes     int
		symmetric bool
		stride    int
	}{
		{57, 30, 15, 1, false, 2}, {58, 30, 15, 1, false, 2}, {58, 30, 15, 2, true, 2},
		{57, 60, 15, 3, false, 4}, {59, 60, 15, 4, true, 4}, {10, 30, 10, 2, false, 3},
		{1, 30, 15, 1, false, 2}, {2, 30, 15, 2, true, 2}, {20, 30, 0, 2, true, 1},
	} {
		t.Run(fmt.Sprintf("n=%d fps=%v hz=%v lanes=%d symmetric=%v", tc.n, tc.fps, tc.hz, tc.lanes, tc.symmetric), func(t *testing.T) {
			var mu sync.Mutex
			var counters []*int
			newEst := func(int) (Estimator, error) {
				mu.Lock()
				defer mu.Unlock()
				c := new(int)
				counters = append(counters, c)
				return probeEstimator{calls: c}, nil
			}
			var got []pose.Pose
			_, err := StreamPoses(context.Background(), &colourSource{n: tc.n, fps: tc.fps},
				TrackOptions{NewEstimator: newEst, Lanes: tc.lanes, Symmetric: tc.symmetric, Threads: 2, EstimateHz: tc.hz},
				func(p pose.Pose) error { got = append(got, p); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.n {
				t.Fatalf("%d poses, want %d", len(got), tc.n)
			}
			for i, p := range got {
				if p.Frame != i || math.Abs(p.Time-float64(i)/tc.fps) > 1e-9 {
					t.Fatalf("pose %d is frame %d at %vs: not in order", i, p.Frame, p.Time)
				}
				// Scores are exact on estimated frames; interpolated
				// ones carry float rounding of the time ratio.
				if s := p.At(pose.Nose).Score; math.Abs(s-float64(i)) > 1e-9 || !p.Person {
					t.Errorf("frame %d: nose score %v person %v, want %d true", i, s, p.Person, i)
				}
			}
			calls := 0
			for _, c := range counters {
				calls += *c
			}
			want := (tc.n + tc.stride - 1) / tc.stride
			if (tc.n-1)%tc.stride != 0 {
				want++ // the last frame
			}
			if tc.symmetric {
				want *= 2
			}
			if calls != want {
				t.Errorf("%d inferences, want %d (stride %d)", calls, want, tc.stride)
			}
		})
	}
}

// TestInterpolate: between two poses with a person, every value is
// linear in time (in frame index when the times do not increase); when
// either shows nobody, the nearer pose is copied whole, the earlier at
// equal distance.
func TestInterpolate(t *testing.T) {
	mk := func(frame int, tm, v float64, person bool) pose.Pose {
		p := pose.NewPose(pose.COCO17)
		p.Frame, p.Time, p.Person = frame, tm, person
		for j := range p.Keypoints {
			p.Keypoints[j] = pose.Keypoint{X: v, Y: 2 * v, NX: v / 100, NY: v / 50, Score: v / 10}
		}
		return p
	}
	for _, tc := range []struct {
		name       string
		a, b       pose.Pose
		at         frameTime
		want       float64
		wantPerson bool
	}{
		{"linear in time", mk(0, 0, 0, true), mk(4, 0.4, 8, true), frameTime{1, 0.1}, 2, true},
		{"uneven times", mk(0, 0, 0, true), mk(2, 1, 8, true), frameTime{1, 0.75}, 6, true},
		{"no times: by index", mk(0, 0, 0, true), mk(4, 0, 8, true), frameTime{3, 0}, 6, true},
		{"nobody after: nearer is before", mk(0, 0, 1, true), mk(3, 0.3, 7, false), frameTime{1, 0.1}, 1, true},
		{"nobody after: nearer is after", mk(0, 0, 1, true), mk(3, 0.3, 7, false), frameTime{2, 0.2}, 7, false},
		{"nobody before, midway: the earlier", mk(0, 0, 1, false), mk(2, 0.2, 7, true), frameTime{1, 0.1}, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := interpolate(&tc.a, &tc.b, tc.at)
			if p.Frame != tc.at.index || p.Time != tc.at.time || p.Person != tc.wantPerson || p.Skeleton != pose.COCO17 {
				t.Fatalf("frame %d at %v person %v, want %d at %v person %v", p.Frame, p.Time, p.Person, tc.at.index, tc.at.time, tc.wantPerson)
			}
			k := p.Keypoints[5]
			if math.Abs(k.X-tc.want) > 1e-9 || math.Abs(k.Y-2*tc.want) > 1e-9 || math.Abs(k.NX-tc.want/100) > 1e-9 ||
				math.Abs(k.NY-tc.want/50) > 1e-9 || math.Abs(k.Score-tc.want/10) > 1e-9 {
				t.Errorf("keypoint %+v, want X %v", k, tc.want)
			}
			if &p.Keypoints[0] == &tc.a.Keypoints[0] || &p.Keypoints[0] == &tc.b.Keypoints[0] {
				t.Error("the interpolated pose shares a keypoint slice")
			}
		})
	}
}
