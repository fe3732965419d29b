package screening_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// reskeleton copies tr into skeleton sk by joint name: joints sk lacks are
// dropped, joints tr lacks get fill(pose, joint) (nil: left zero, score 0).
func reskeleton(tr *pose.Track, sk *pose.Skeleton, fill func(p *pose.Pose, j pose.Joint) pose.Keypoint) *pose.Track {
	out := &pose.Track{Width: tr.Width, Height: tr.Height, FPS: tr.FPS, Skeleton: sk}
	for i := range tr.Poses {
		p := &tr.Poses[i]
		q := pose.NewPose(sk)
		q.Frame, q.Time, q.Person = p.Frame, p.Time, p.Person
		for k, j := range sk.Joints() {
			if kp, ok := p.Get(j); ok {
				q.Keypoints[k] = kp
			} else if fill != nil {
				q.Keypoints[k] = fill(p, j)
			}
		}
		out.Poses = append(out.Poses, q)
	}
	return out
}

// findings is what a report measures and grades from the body's COCO-17
// joints, without the quality figures that count keypoints and without
// the metrics that need joints beyond them (the feet), which a skeleton
// with feet reads and COCO-17 reports as not assessable.
func findings(t *testing.T, r *screening.Report) string {
	t.Helper()
	beyond := map[string]bool{}
	for _, m := range screening.MetricSpecs() {
		if len(m.Needs) > 0 {
			beyond[m.Name] = true
			for _, id := range m.Indicators {
				beyond[id] = true
			}
		}
	}
	var reps []screening.Rep
	for _, rep := range r.Reps {
		q := rep
		q.Metrics = map[string]screening.MetricValue{}
		for k, v := range rep.Metrics {
			if !beyond[k] {
				q.Metrics[k] = v
			}
		}
		q.NotAssessable = nil
		for k, v := range rep.NotAssessable {
			if !beyond[k] {
				if q.NotAssessable == nil {
					q.NotAssessable = map[string]screening.MetricReasons{}
				}
				q.NotAssessable[k] = v
			}
		}
		q.Findings = nil
		for _, f := range rep.Findings {
			if !beyond[f.Indicator] {
				q.Findings = append(q.Findings, f)
			}
		}
		reps = append(reps, q)
	}
	var ins []screening.Indicator
	for _, in := range r.Indicators {
		if !beyond[in.ID] {
			ins = append(ins, in)
		}
	}
	b, err := json.Marshal(struct {
		Movement   screening.Movement
		View       screening.View
		Reps       []screening.Rep
		Indicators []screening.Indicator
	}{r.Movement, r.View, reps, ins})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestScreeningReadsJointsByName: screening finds the joints it needs by
// name, whatever the model's skeleton. The same body as BlazePose's 33
// landmarks (the feet unseen, so the toe-out stays the default) gives the
// COCO17 track's findings; with the feet seen below the ankles, pointing
// straight ahead, the reps read the toe-out from them; a skeleton without the head still finds the reps and grades the
// knees; one without knees cannot, and says so instead of failing.
func TestScreeningReadsJointsByName(t *testing.T) {
	tr, _ := generate(t, synth.Config{Movement: synth.Squat, Reps: 3, ValgusDeg: [2]float64{12, 2}, NoisePx: 1.5})
	want := analyze(t, tr, nil)
	if len(want.Reps) != 3 {
		t.Fatalf("COCO17 track: %d reps, want 3", len(want.Reps))
	}

	feet := func(p *pose.Pose, j pose.Joint) pose.Keypoint {
		ankle := pose.LeftAnkle
		if j == pose.RightHeel || j == pose.RightFootIndex || j == "right_pinky" || j == "right_index" || j == "right_thumb" ||
			j == "right_eye_inner" || j == "right_eye_outer" || j == "mouth_right" {
			ankle = pose.RightAnkle
		}
		a, _ := p.Get(ankle)
		a.Y += 15
		return a
	}
	unseen := func(p *pose.Pose, j pose.Joint) pose.Keypoint {
		k := feet(p, j)
		if j == pose.LeftHeel || j == pose.RightHeel || j == pose.LeftFootIndex || j == pose.RightFootIndex {
			k.Score = 0.05
		}
		return k
	}
	if got := analyze(t, reskeleton(tr, pose.BlazePose33, unseen), nil); findings(t, got) != findings(t, want) {
		t.Errorf("BlazePose33 track: findings differ from the COCO17 track's:\n%.300s\nwant\n%.300s", findings(t, got), findings(t, want))
	}
	blaze := reskeleton(tr, pose.BlazePose33, feet)
	for _, r := range analyze(t, blaze, nil).Reps {
		if ko := r.KneeOverFoot; ko == nil || ko.Left.ToeOutSource != "feet" || math.Abs(ko.Left.ToeOutDeg) > 3 || math.Abs(ko.Right.ToeOutDeg) > 3 {
			t.Errorf("BlazePose33 track with straight feet, rep %d: knee over foot %+v, want toe-out 0±3° from the feet", r.Index, ko)
		}
	}
	if got := analyze(t, blaze, nil); got.Series.Skeleton != pose.BlazePose33 || len(got.Series.Keypoints[0]) != 33 {
		t.Errorf("series keypoints: skeleton %v, %d per frame", got.Series.Skeleton, len(got.Series.Keypoints[0]))
	}

	body, err := pose.NewSkeleton(pose.SkeletonSpec{Name: "body12", Joints: []pose.Joint{
		pose.LeftShoulder, pose.RightShoulder, pose.LeftElbow, pose.RightElbow, pose.LeftWrist, pose.RightWrist,
		pose.LeftHip, pose.RightHip, pose.LeftKnee, pose.RightKnee, pose.LeftAnkle, pose.RightAnkle}})
	if err != nil {
		t.Fatal(err)
	}
	headless := analyze(t, reskeleton(tr, body, nil), nil)
	if len(headless.Reps) != 3 {
		t.Errorf("no head: %d reps, want 3", len(headless.Reps))
	}
	if in, ok := headless.Indicator(screening.IndDynamicKneeValgus, screening.SideLeft); !ok || in.Level == screening.LevelNotAssessable {
		t.Errorf("no head: left knee valgus %+v, want it graded", in)
	}

	legless, err := pose.NewSkeleton(pose.SkeletonSpec{Name: "torso", Joints: []pose.Joint{
		pose.Nose, pose.LeftShoulder, pose.RightShoulder, pose.LeftHip, pose.RightHip}})
	if err != nil {
		t.Fatal(err)
	}
	r := analyze(t, reskeleton(tr, legless, nil), nil)
	checked := 0
	for _, in := range r.Indicators {
		if in.ID != screening.IndDynamicKneeValgus && in.ID != screening.IndFPPAAsymmetry {
			continue
		}
		checked++
		if in.Level != screening.LevelNotAssessable || in.Reason == "" {
			t.Errorf("no knees: indicator %s %s graded %s (reason %q), want not assessable with a reason", in.ID, in.Side, in.Level, in.Reason)
		}
	}
	if checked == 0 {
		t.Errorf("no knees: the report has no knee valgus indicator to say it is not assessable (%d indicators)", len(r.Indicators))
	}
}
