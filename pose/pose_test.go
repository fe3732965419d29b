package pose

import (
	"math"
	"strings"
	"testing"
)

func TestJointNames(t *testing.T) {
	tests := []struct {
		j    Joint
		name string
	}{
		{Nose, "nose"},
		{LeftEye, "left_eye"},
		{RightEar, "right_ear"},
		{LeftShoulder, "left_shoulder"},
		{RightWrist, "right_wrist"},
		{LeftKnee, "left_knee"},
		{RightAnkle, "right_ankle"},
		{-1, "joint(-1)"},
		{NumJoints, "joint(17)"},
	}
	for _, tt := range tests {
		if got := tt.j.String(); got != tt.name {
			t.Errorf("Joint(%d).String() = %q, want %q", int(tt.j), got, tt.name)
		}
	}
	for j := Joint(0); j < NumJoints; j++ {
		got, err := ParseJoint(j.String())
		if err != nil || got != j {
			t.Errorf("ParseJoint(%q) = %v, %v; want %v", j.String(), got, err, j)
		}
	}
	for _, bad := range []string{"", "knee", "Left_Knee", "joint(3)"} {
		if _, err := ParseJoint(bad); err == nil || !strings.HasPrefix(err.Error(), "pose: ") {
			t.Errorf("ParseJoint(%q): err = %v, want a pose: error", bad, err)
		}
	}
}

func TestJointMirror(t *testing.T) {
	for j := Joint(0); j < NumJoints; j++ {
		m := j.Mirror()
		if m.Mirror() != j {
			t.Errorf("%v.Mirror().Mirror() = %v", j, m.Mirror())
		}
		name, mname := j.String(), m.String()
		switch {
		case j == Nose:
			if m != Nose {
				t.Errorf("nose mirrors to %v", m)
			}
		case strings.HasPrefix(name, "left_"):
			if mname != "right_"+strings.TrimPrefix(name, "left_") {
				t.Errorf("%v mirrors to %v", j, m)
			}
		case strings.HasPrefix(name, "right_"):
			if mname != "left_"+strings.TrimPrefix(name, "right_") {
				t.Errorf("%v mirrors to %v", j, m)
			}
		default:
			t.Errorf("unexpected joint name %q", name)
		}
	}
	if got := Joint(99).Mirror(); got != 99 {
		t.Errorf("out-of-range joint mirrors to %v", got)
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
	var p Pose
	for j := range p.Keypoints {
		p.Keypoints[j].Score = float64(j) / 16 // 0 .. 1
	}
	if got := p.MeanScore(); math.Abs(got-0.5) > 1e-12 {
		t.Errorf("MeanScore = %v, want 0.5", got)
	}
}

func TestTrackMirror(t *testing.T) {
	tr := &Track{Width: 100, Height: 50, FPS: 25}
	for i := range 3 {
		p := Pose{Frame: i, Time: float64(i) / 25, Person: i != 1}
		for j := range p.Keypoints {
			p.Keypoints[j] = Keypoint{X: float64(10*i + j), Y: float64(j), NX: float64(j) / 20, NY: 0.5, Score: float64(j) / 17}
		}
		tr.Poses = append(tr.Poses, p)
	}
	m := tr.Mirror()
	if m.Width != 100 || m.Height != 50 || m.FPS != 25 || len(m.Poses) != 3 {
		t.Fatalf("mirrored track %dx%d at %v fps with %d poses", m.Width, m.Height, m.FPS, len(m.Poses))
	}
	for i, p := range m.Poses {
		orig := tr.Poses[i]
		if p.Frame != orig.Frame || p.Time != orig.Time || p.Person != orig.Person {
			t.Errorf("pose %d: frame, time or person changed", i)
		}
		for j := Joint(0); j < NumJoints; j++ {
			k, o := p.Keypoints[j.Mirror()], orig.Keypoints[j]
			want := Keypoint{X: 100 - o.X, Y: o.Y, NX: 1 - o.NX, NY: o.NY, Score: o.Score}
			if k != want {
				t.Errorf("pose %d: %v of the mirror is %+v, want %+v", i, j.Mirror(), k, want)
			}
		}
	}
	back := m.Mirror()
	for i := range back.Poses {
		for j, k := range back.Poses[i].Keypoints {
			o := tr.Poses[i].Keypoints[j]
			if math.Abs(k.X-o.X) > 1e-12 || math.Abs(k.NX-o.NX) > 1e-12 || k.Y != o.Y || k.Score != o.Score {
				t.Errorf("pose %d %v: mirrored twice %+v, want %+v", i, Joint(j), k, o)
			}
		}
	}
	if tr.Poses[0].Keypoints[LeftKnee].X != float64(LeftKnee) {
		t.Error("Mirror changed the original track")
	}
}
