package pose

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

// mediaPipeLandmarks is MediaPipe's PoseLandmark enumeration in order
// (mediapipe/python/solutions/pose.py), copied independently of the table
// under test.
var mediaPipeLandmarks = []string{
	"nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
	"left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
	"right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
	"left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
	"left_heel", "right_heel", "left_foot_index", "right_foot_index",
}

// cocoKeypoints is the COCO keypoint order MoveNet emits.
var cocoKeypoints = []string{
	"nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
	"left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
	"left_knee", "right_knee", "left_ankle", "right_ankle",
}

// mirrorName swaps the words left and right in a landmark name.
func mirrorName(n string) string {
	parts := strings.Split(n, "_")
	for i, p := range parts {
		switch p {
		case "left":
			parts[i] = "right"
		case "right":
			parts[i] = "left"
		}
	}
	return strings.Join(parts, "_")
}

func TestSkeletonTables(t *testing.T) {
	for _, tc := range []struct {
		s     *Skeleton
		name  string
		names []string
		bones int
	}{
		{COCO17, "coco17", cocoKeypoints, 16},
		{BlazePose33, "blazepose33", mediaPipeLandmarks, 35},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			if s.Name() != tc.name || s.Len() != len(tc.names) {
				t.Fatalf("skeleton %q with %d joints, want %q with %d", s.Name(), s.Len(), tc.name, len(tc.names))
			}
			for i, n := range tc.names {
				if got := string(s.Joint(i)); got != n {
					t.Errorf("joint %d is %q, want %q", i, got, n)
				}
				if k, ok := s.Index(Joint(n)); !ok || k != i {
					t.Errorf("Index(%q) = %d, %v; want %d", n, k, ok, i)
				}
			}
			// The mirror table swaps exactly the joints whose names swap
			// left and right, and leaves midline joints alone.
			for i := range s.Len() {
				m := s.Mirror(i)
				if s.Mirror(m) != i {
					t.Errorf("%s mirrors to %s, which mirrors to %s", s.Joint(i), s.Joint(m), s.Joint(s.Mirror(m)))
				}
				if want := mirrorName(string(s.Joint(i))); string(s.Joint(m)) != want {
					t.Errorf("%s mirrors to %s, want %s", s.Joint(i), s.Joint(m), want)
				}
			}
			bones := s.Bones()
			if len(bones) != tc.bones {
				t.Errorf("%d bones, want %d", len(bones), tc.bones)
			}
			seen := map[[2]int]bool{}
			for _, b := range bones {
				if b[0] == b[1] || seen[b] || seen[[2]int{b[1], b[0]}] {
					t.Errorf("bone %s-%s repeated or degenerate", s.Joint(b[0]), s.Joint(b[1]))
				}
				seen[b] = true
				// A bone's mirror image is a bone too (the drawing is
				// left-right symmetric).
				mb := [2]int{s.Mirror(b[0]), s.Mirror(b[1])}
				if !slices.Contains(bones, mb) && !slices.Contains(bones, [2]int{mb[1], mb[0]}) {
					t.Errorf("bone %s-%s has no mirror bone", s.Joint(b[0]), s.Joint(b[1]))
				}
			}
			got, err := SkeletonNamed(tc.name)
			if err != nil || got != s {
				t.Errorf("SkeletonNamed(%q) = %v, %v", tc.name, got, err)
			}
		})
	}
	// Every COCO joint means the same landmark in BlazePose, so screening
	// reads both by name.
	for _, j := range COCO17.Joints() {
		if !BlazePose33.Has(j) {
			t.Errorf("BlazePose33 lacks COCO joint %s", j)
		}
	}
	for _, j := range []Joint{LeftHeel, RightHeel, LeftFootIndex, RightFootIndex} {
		if COCO17.Has(j) || !BlazePose33.Has(j) {
			t.Errorf("%s: COCO17 has %v, BlazePose33 has %v; want only BlazePose", j, COCO17.Has(j), BlazePose33.Has(j))
		}
	}
}

func TestNewSkeletonErrors(t *testing.T) {
	tests := []struct {
		name string
		spec SkeletonSpec
		want string
	}{
		{"no name", SkeletonSpec{Joints: []Joint{Nose}}, "without a name"},
		{"empty joint", SkeletonSpec{Name: "x", Joints: []Joint{Nose, ""}}, "joint 1 has no name"},
		{"duplicate", SkeletonSpec{Name: "x", Joints: []Joint{Nose, Nose}}, `"nose" listed twice`},
		{"unknown in pair", SkeletonSpec{Name: "x", Joints: []Joint{LeftEye}, Mirror: [][2]Joint{{LeftEye, RightEye}}}, `unknown joint "right_eye"`},
		{"self pair", SkeletonSpec{Name: "x", Joints: []Joint{Nose}, Mirror: [][2]Joint{{Nose, Nose}}}, "one other joint"},
		{"joint in two pairs", SkeletonSpec{Name: "x", Joints: []Joint{LeftEye, RightEye, LeftEar},
			Mirror: [][2]Joint{{LeftEye, RightEye}, {LeftEar, LeftEye}}}, "one other joint"},
		{"unknown in bone", SkeletonSpec{Name: "x", Joints: []Joint{Nose}, Bones: [][2]Joint{{Nose, LeftEye}}}, "bone names unknown joint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSkeleton(tt.spec)
			if err == nil || !strings.HasPrefix(err.Error(), "pose: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewSkeleton = %v, %v; want an error mentioning %q", s, err, tt.want)
			}
		})
	}
	if _, err := SkeletonNamed("openpose25"); err == nil || !strings.Contains(err.Error(), "coco17") {
		t.Errorf("SkeletonNamed(unknown): %v, want an error listing the known ones", err)
	}
}

func TestKeypointValid(t *testing.T) {
	tests := []struct {
		name string
		k    Keypoint
		min  float64
		want bool
	}{
		{"confident", Keypoint{X: 1, Y: 2, Score: 0.5}, 0.3, true},
		{"at threshold", Keypoint{X: 1, Y: 2, Score: 0.3}, 0.3, true},
		{"low score", Keypoint{X: 1, Y: 2, Score: 0.29}, 0.3, false},
		{"NaN x", Keypoint{X: math.NaN(), Y: 2, Score: 1}, 0, false},
		{"infinite y", Keypoint{X: 1, Y: math.Inf(-1), Score: 1}, 0, false},
		{"NaN score", Keypoint{X: 1, Y: 2, Score: math.NaN()}, 0, false},
	}
	for _, tt := range tests {
		if got := tt.k.Valid(tt.min); got != tt.want {
			t.Errorf("%s: Valid(%v) = %v, want %v", tt.name, tt.min, got, tt.want)
		}
	}
}

func TestMeanScore(t *testing.T) {
	p := NewPose(COCO17)
	for j := range p.Keypoints {
		p.Keypoints[j].Score = float64(j) / 16 // 0 .. 1
	}
	if got := p.MeanScore(); math.Abs(got-0.5) > 1e-12 {
		t.Errorf("MeanScore = %v, want 0.5", got)
	}
	var empty Pose
	if got := empty.MeanScore(); got != 0 {
		t.Errorf("MeanScore of a pose without keypoints = %v, want 0", got)
	}
}

func TestPoseGetAndAt(t *testing.T) {
	for _, s := range []*Skeleton{COCO17, BlazePose33} {
		p := NewPose(s)
		p.At(LeftKnee).X = 42
		if k, ok := p.Get(LeftKnee); !ok || k.X != 42 {
			t.Errorf("%s: left knee %+v, %v after At set x 42", s, k, ok)
		}
		i, _ := s.Index(LeftKnee)
		if p.Keypoints[i].X != 42 {
			t.Errorf("%s: At did not write the keypoint in place", s)
		}
		_, heel := p.Get(LeftHeel)
		if heel != s.Has(LeftHeel) || (p.At(LeftHeel) != nil) != s.Has(LeftHeel) {
			t.Errorf("%s: left heel found %v, skeleton has it %v", s, heel, s.Has(LeftHeel))
		}
	}
	var none Pose
	if _, ok := none.Get(Nose); ok || none.At(Nose) != nil {
		t.Error("a pose without a skeleton has a nose")
	}
}

// testTrack is a 3-frame track of skeleton s with distinct keypoints.
func testTrack(s *Skeleton) *Track {
	tr := &Track{Width: 100, Height: 50, FPS: 25, Skeleton: s}
	for i := range 3 {
		p := NewPose(s)
		p.Frame, p.Time, p.Person = i, float64(i)/25, i != 1
		for j := range p.Keypoints {
			p.Keypoints[j] = Keypoint{X: float64(10*i + j), Y: float64(j), NX: float64(j) / 40, NY: 0.5, Score: float64(j) / 33}
		}
		tr.Poses = append(tr.Poses, p)
	}
	return tr
}

func TestTrackMirror(t *testing.T) {
	for _, s := range []*Skeleton{COCO17, BlazePose33} {
		t.Run(s.Name(), func(t *testing.T) {
			tr := testTrack(s)
			m := tr.Mirror()
			if m.Width != 100 || m.Height != 50 || m.FPS != 25 || m.Skeleton != s || len(m.Poses) != 3 {
				t.Fatalf("mirrored track %dx%d at %v fps, skeleton %v, with %d poses", m.Width, m.Height, m.FPS, m.Skeleton, len(m.Poses))
			}
			for i, p := range m.Poses {
				orig := tr.Poses[i]
				if p.Frame != orig.Frame || p.Time != orig.Time || p.Person != orig.Person || p.Skeleton != s {
					t.Errorf("pose %d: frame, time, person or skeleton changed", i)
				}
				for j := range s.Len() {
					// The joint named like j's mirror holds j's keypoint,
					// flipped.
					mj := Joint(mirrorName(string(s.Joint(j))))
					k, _ := p.Get(mj)
					o := orig.Keypoints[j]
					want := Keypoint{X: 100 - o.X, Y: o.Y, NX: 1 - o.NX, NY: o.NY, Score: o.Score}
					if k != want {
						t.Errorf("pose %d: %v of the mirror is %+v, want %+v", i, mj, k, want)
					}
				}
			}
			back := m.Mirror()
			for i := range back.Poses {
				for j, k := range back.Poses[i].Keypoints {
					o := tr.Poses[i].Keypoints[j]
					if math.Abs(k.X-o.X) > 1e-12 || math.Abs(k.NX-o.NX) > 1e-12 || k.Y != o.Y || k.Score != o.Score {
						t.Errorf("pose %d %v: mirrored twice %+v, want %+v", i, s.Joint(j), k, o)
					}
				}
			}
			if k, _ := tr.Poses[0].Get(LeftKnee); k.X != float64(s.index[LeftKnee]) {
				t.Error("Mirror changed the original track")
			}
		})
	}
}

func TestTrackJSON(t *testing.T) {
	tr := testTrack(BlazePose33)
	b, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"Skeleton":"blazepose33"`) {
		t.Errorf("the skeleton is not recorded by name: %.200s", b)
	}
	var back Track
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Skeleton.Same(BlazePose33) || !back.Poses[2].Skeleton.Same(BlazePose33) {
		t.Fatalf("skeleton after a round trip: %v, %v", back.Skeleton, back.Poses[2].Skeleton)
	}
	if k, ok := back.Poses[2].Get(RightFootIndex); !ok || k != tr.Poses[2].Keypoints[32] {
		t.Errorf("right foot index after a round trip: %+v, %v", k, ok)
	}
	if err := json.Unmarshal([]byte(`{"Skeleton":"nope"}`), &back); err == nil {
		t.Error("an unknown skeleton name decoded without error")
	}
	if COCO17.Same(BlazePose33) || !COCO17.Same(COCO17) {
		t.Error("Same does not tell the skeletons apart")
	}
}

func TestTrackPoseSkeleton(t *testing.T) {
	tr := testTrack(COCO17)
	tr.Skeleton = nil
	if got := tr.PoseSkeleton(); got != COCO17 {
		t.Errorf("PoseSkeleton without Skeleton = %v, want the poses' coco17", got)
	}
	if got := (&Track{}).PoseSkeleton(); got != nil {
		t.Errorf("PoseSkeleton of an empty track = %v, want nil", got)
	}
}
