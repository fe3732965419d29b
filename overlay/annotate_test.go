package overlay

import (
	"context"
	"fmt"
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// frontSquat is a screened synthetic front-view squat with a caving left
// knee.
func frontSquat(t *testing.T) (*screening.Report, *pose.Track) {
	t.Helper()
	tr, _, err := synth.Generate(synth.Config{Movement: synth.Squat, Reps: 3, ValgusDeg: [2]float64{14, 1}, NoisePx: 1, Width: 1280, Height: 720})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := screening.Analyze(context.Background(), tr, screening.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Reps) != 3 || rep.View != screening.ViewFront {
		t.Fatalf("synthetic squat screened as %d reps, %s view", len(rep.Reps), rep.View)
	}
	return rep, tr
}

func TestAnnotatorFill(t *testing.T) {
	rep, tr := frontSquat(t)
	a := NewAnnotator(rep, tr)
	var o Overlay
	// A frame of the second rep where FPPA is valid on both sides.
	r := rep.Reps[1]
	fl := rep.Series.Metric(screening.MetricFPPA, screening.SideLeft)
	fr := rep.Series.Metric(screening.MetricFPPA, screening.SideRight)
	f := -1
	for k := r.StartFrame; k <= r.EndFrame && f < 0; k++ {
		if i := k - rep.Series.Frame[0]; fl.Valid[i] && fr.Valid[i] {
			f = k
		}
	}
	if f < 0 {
		t.Fatal("no frame of rep 2 with a valid FPPA on both sides")
	}
	a.Fill(f, &o, 0.5, 0.5)
	if o.Skeleton != pose.COCO17 || len(o.Points) != pose.COCO17.Len() {
		t.Fatalf("overlay of skeleton %v with %d points", o.Skeleton, len(o.Points))
	}
	// The points are the conditioned keypoints, scaled to the frame drawn.
	i := f - rep.Series.Frame[0]
	knee, _ := pose.COCO17.Index(pose.LeftKnee)
	if want := rep.Series.Keypoints[i][knee]; o.Points[knee] != (Point{X: want.X / 2, Y: want.Y / 2, OK: true}) {
		t.Errorf("left knee %+v, want half of the conditioned %+v", o.Points[knee], want)
	}
	for s := range 2 {
		if !(o.KneeAngle[s] > 60 && o.KneeAngle[s] < 180) {
			t.Errorf("side %d: knee angle %v at the bottom of a squat", s, o.KneeAngle[s])
		}
	}
	want := []string{fmt.Sprintf("rep 2 of %d", len(rep.Reps)), "squat, front view",
		fmt.Sprintf("FPPA L %+.0f°  R %+.0f°", fl.Values[i], fr.Values[i])}
	if strings.Join(o.Lines, "|") != strings.Join(want, "|") {
		t.Errorf("lines %q, want %q", o.Lines, want)
	}
	if o.Level != RepLevels(r) || o.Level[0] == "" {
		t.Errorf("levels %v, want rep 2's worst finding per side %v", o.Level, RepLevels(r))
	}
	// After the last rep the counter says all are done; a frame the report
	// does not cover has no points.
	a.Fill(rep.Series.Frame[len(rep.Series.Frame)-1], &o, 1, 1)
	if o.Lines[0] != fmt.Sprintf("reps %d of %d", len(rep.Reps), len(rep.Reps)) {
		t.Errorf("last frame: %q", o.Lines[0])
	}
	a.Fill(1<<20, &o, 1, 1)
	if len(o.Points) != 0 || len(o.Lines) != 0 || !math.IsNaN(o.KneeAngle[0]) {
		t.Errorf("frame outside the report: %+v", o)
	}
}

func TestAnnotatorWithoutReport(t *testing.T) {
	_, tr := frontSquat(t)
	p := &tr.Poses[10]
	ankle, _ := p.Skeleton.Index(pose.LeftAnkle)
	p.Keypoints[ankle].Score = 0.29 // below the raw threshold: not drawn
	var o Overlay
	NewAnnotator(nil, tr).Fill(p.Frame, &o, 1, 1)
	if len(o.Lines) != 0 || o.Level != ([2]screening.Level{}) {
		t.Errorf("no report: lines %q, levels %v", o.Lines, o.Level)
	}
	if o.Points[ankle].OK || !o.At(pose.LeftKnee).OK || !math.IsNaN(o.KneeAngle[0]) || math.IsNaN(o.KneeAngle[1]) {
		t.Errorf("raw keypoints: ankle drawn %v, knee drawn %v, knee angles %v", o.Points[ankle].OK, o.At(pose.LeftKnee).OK, o.KneeAngle)
	}
}

func TestSideLevels(t *testing.T) {
	in := func(side screening.Side, l screening.Level) screening.Indicator {
		return screening.Indicator{Side: side, Level: l}
	}
	tests := []struct {
		name string
		ins  []screening.Indicator
		want [2]screening.Level
	}{
		{"none", nil, [2]screening.Level{"", ""}},
		{"worst per side", []screening.Indicator{in(screening.SideLeft, screening.LevelWatch), in(screening.SideLeft, screening.LevelOK),
			in(screening.SideRight, screening.LevelFlag)}, [2]screening.Level{screening.LevelWatch, screening.LevelFlag}},
		{"bilateral counts for both", []screening.Indicator{in(screening.SideBoth, screening.LevelWatch), in(screening.SideRight, screening.LevelOK)},
			[2]screening.Level{screening.LevelWatch, screening.LevelWatch}},
		{"not assessable ignored", []screening.Indicator{in(screening.SideLeft, screening.LevelNotAssessable), in(screening.SideNone, screening.LevelOK)},
			[2]screening.Level{screening.LevelOK, screening.LevelOK}},
	}
	for _, tt := range tests {
		if got := SideLevels(tt.ins); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestBonesFollowTheSkeleton draws the same standing figure with
// BlazePose's feet: its skeleton's foot bones appear, while a COCO17 overlay
// of the same body has no feet to draw.
func TestBonesFollowTheSkeleton(t *testing.T) {
	const w, h = 640, 480
	bg := color.RGBA{20, 20, 20, 255}
	coco := standingOverlay(w, h)
	blaze := &Overlay{Skeleton: pose.BlazePose33, Points: make([]Point, pose.BlazePose33.Len()), KneeAngle: coco.KneeAngle}
	for i, j := range pose.COCO17.Joints() {
		k, _ := pose.BlazePose33.Index(j)
		blaze.Points[k] = coco.Points[i]
	}
	// The left foot points forward and out from the ankle (image right).
	ankle := coco.At(pose.LeftAnkle)
	heel, _ := pose.BlazePose33.Index(pose.LeftHeel)
	toe, _ := pose.BlazePose33.Index(pose.LeftFootIndex)
	blaze.Points[heel] = Point{X: ankle.X - 4, Y: ankle.Y + 20, OK: true}
	blaze.Points[toe] = Point{X: ankle.X + 60, Y: ankle.Y + 24, OK: true}
	mid := func(a, b Point) (int, int) { return int((a.X + b.X) / 2), int((a.Y + b.Y) / 2) }
	for _, tc := range []struct {
		o    *Overlay
		foot bool
	}{{coco, false}, {blaze, true}} {
		img := fillRGBA(w, h, bg)
		Draw(img, tc.o)
		x, y := mid(blaze.Points[heel], blaze.Points[toe])
		if drawn := img.RGBAAt(x, y) != bg; drawn != tc.foot {
			t.Errorf("%s: heel-toe bone drawn %v, want %v", tc.o.Skeleton, drawn, tc.foot)
		}
		// The shin is a leg: coloured, in both skeletons.
		kx, ky := mid(coco.At(pose.LeftKnee), ankle)
		if got := img.RGBAAt(kx, ky); !nearRGBA(got, colNone, 2) {
			t.Errorf("%s: shin colour %v, want the neutral leg colour", tc.o.Skeleton, got)
		}
	}
}

// The legs take the verdict of the rep in progress, keep the last rep's
// between reps, and are neutral before the first: a knees-in rep shows
// its colours and a knees-out rep after it shows ok.
func TestLegsColouredByCurrentRep(t *testing.T) {
	in, out := [2]float64{0.25, 0.25}, [2]float64{-0.04, -0.04}
	tr, _, err := synth.Generate(synth.Config{Reps: 3, StanceWidthM: 0.5, ToeOutDeg: 25, KneeFlexionDeg: 120,
		KneeMedialByRep: [][2]float64{out, in, out}, NoisePx: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := screening.Analyze(context.Background(), tr, screening.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Reps) != 3 {
		t.Fatalf("%d reps", len(rep.Reps))
	}
	a := NewAnnotator(rep, tr)
	var o Overlay
	at := func(frame int) [2]screening.Level {
		a.Fill(frame, &o, 1, 1)
		return o.Level
	}
	r1, r2, r3 := rep.Reps[0], rep.Reps[1], rep.Reps[2]
	if l := at(r1.StartFrame - 5); l != ([2]screening.Level{}) {
		t.Errorf("before the first rep: %v, want neutral", l)
	}
	ok := [2]screening.Level{screening.LevelOK, screening.LevelOK}
	flag := [2]screening.Level{screening.LevelFlag, screening.LevelFlag}
	for _, tc := range []struct {
		frame int
		want  [2]screening.Level
		what  string
	}{
		{r1.BottomFrame, ok, "knees-out rep 1"},
		{r2.BottomFrame, flag, "knees-in rep 2"},
		{(r2.EndFrame + r3.StartFrame) / 2, flag, "between reps 2 and 3"},
		{r3.BottomFrame, ok, "knees-out rep 3"},
	} {
		if got := at(tc.frame); got != tc.want {
			t.Errorf("%s (frame %d): legs %v, want %v", tc.what, tc.frame, got, tc.want)
		}
	}
}
