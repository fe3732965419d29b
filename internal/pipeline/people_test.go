package pipeline

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kneescreen/kneescreen/internal/sample"
	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/report"
)

// writeImages writes frames as a folder of PNG images, in name order.
func writeImages(t *testing.T, frames []*image.RGBA) string {
	t.Helper()
	dir := t.TempDir()
	for i, f := range frames {
		w, err := os.Create(filepath.Join(dir, fmt.Sprintf("%04d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(w, f); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// twoPeopleFrames renders the sample figure squatting in the left half of
// each frame and, in the right half, a second figure standing (the same
// clip's first frame, mirrored): two people side by side, as when a
// partner or a clinician stands beside the person screened.
func twoPeopleFrames(t *testing.T, n int) []*image.RGBA {
	t.Helper()
	cfg := testClipConfig(1)
	cfg.Width, cfg.Height = 240, 320
	cfg.FPS = 10
	c, err := sample.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c2 := *c
	c2.Mirror = true
	other := c2.Frame(0, nil)
	var frames []*image.RGBA
	for i := 0; i < n && i < c.Len(); i++ {
		f := image.NewRGBA(image.Rect(0, 0, 2*cfg.Width, cfg.Height))
		draw.Draw(f, image.Rect(0, 0, cfg.Width, cfg.Height), c.Frame(i, nil), image.Point{}, draw.Src)
		draw.Draw(f, image.Rect(cfg.Width, 0, 2*cfg.Width, cfg.Height), other, image.Point{}, draw.Src)
		frames = append(frames, f)
	}
	return frames
}

// TestRunRefusesTwoPeople: with two people side by side, the symmetric
// pass's plain and mirrored estimates follow different people, and their
// average is a body standing between them; Run fails with
// ErrSeveralPeople before writing anything, and leaves an earlier report
// in the folder as it was. One person alone passes.
func TestRunRefusesTwoPeople(t *testing.T) {
	in := writeImages(t, twoPeopleFrames(t, 20))
	cfg := defaultConfig(t, report.FormatJSON)
	cfg.ImageFPS = 10
	dir := filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	earlier := filepath.Join(dir, report.JSONFile)
	if err := os.WriteFile(earlier, []byte(`{"earlier":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), in, dir, cfg)
	if !errors.Is(err, ErrSeveralPeople) {
		t.Fatalf("two people side by side: err %v, want ErrSeveralPeople", err)
	}
	if b, _ := os.ReadFile(earlier); string(b) != `{"earlier":true}` {
		t.Errorf("the earlier report.json was replaced: %q", b)
	}

	// The left half alone: one person.
	var one []*image.RGBA
	for _, f := range twoPeopleFrames(t, 20) {
		one = append(one, f.SubImage(image.Rect(0, 0, f.Rect.Dx()/2, f.Rect.Dy())).(*image.RGBA))
	}
	if _, err := Run(context.Background(), writeImages(t, one), filepath.Join(t.TempDir(), "one"), cfg); err != nil {
		t.Fatalf("one person: %v", err)
	}
}

// TestPeopleCount holds the counter to its rule: estimates are apart when
// their keypoint boxes overlap by less than a quarter of the smaller one,
// and a pass is two people when at least 5 frames and a fifth of those
// placed were apart. Estimates that see too little are not placed.
func TestPeopleCount(t *testing.T) {
	// body is a standing figure's keypoints, 100 px tall, its left edge at x.
	body := func(x float64, score float64) pose.Pose {
		p := pose.NewPose(pose.COCO17)
		p.Person = true
		for i := range p.Keypoints {
			p.Keypoints[i] = pose.Keypoint{X: x + float64(i%3)*20, Y: float64(i) * 100 / 16, Score: score}
		}
		return p
	}
	for _, tc := range []struct {
		name                 string
		frames, apart, faint int
		dx                   float64 // how far right the second estimate is, px
		wantErr              bool
	}{
		{"same person", 100, 0, 0, 2, false},
		{"side by side throughout", 40, 40, 0, 200, true},
		{"a passer-by for a moment", 100, 4, 0, 200, false},
		{"a fifth of the clip", 50, 10, 0, 200, true},
		{"under a fifth", 50, 9, 0, 200, false},
		{"overlapping bodies are one", 40, 40, 0, 25, false},
		{"faint estimates are not placed", 40, 40, 40, 200, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c people
			for i := 0; i < tc.frames; i++ {
				a, b := body(0, 0.8), body(0, 0.8)
				if i < tc.apart {
					b = body(tc.dx, 0.8)
				}
				if i < tc.faint {
					b = body(tc.dx, 0.1)
				}
				c.add(i, &a, &b)
			}
			if err := c.err(); (err != nil) != tc.wantErr || (err != nil && !errors.Is(err, ErrSeveralPeople)) {
				t.Errorf("err %v, want an error: %v (%d of %d placed apart)", err, tc.wantErr, c.apart, c.placed)
			}
		})
	}
}

// noProbe is an Estimator without Prober: the pass of an estimator that
// cannot probe, which finds two people only through Symmetric.
type noProbe struct{ Estimator }

// TestRunRefusesSecondPersonBeside: a second person beside the one
// screened is refused by the probes, with and without Symmetric, in cases
// the symmetric check misses (it needs Symmetric, and the frame and its
// mirror image estimated as different people). The rendered figures of
// TestRunRefusesTwoPeople, without Symmetric; and a real squat beside the
// same person three seconds later (a partner squatting alongside), where
// both estimates follow the same person. The same inputs pass with an
// Estimator that cannot probe, and the real clip alone passes with probes.
func TestRunRefusesSecondPersonBeside(t *testing.T) {
	figures := writeImages(t, twoPeopleFrames(t, 20))
	var partner, alone string
	if dir := testenv.SharedDir(); dir != "" {
		if _, err := exec.LookPath("ffmpeg"); err == nil {
			partner, alone = partnerClips(t, filepath.Join(dir, "realdata/videos/posture_squat_000.mp4"))
		}
	}
	for _, tc := range []struct {
		name      string
		in        *string
		symmetric bool
		// probes: the estimator can probe; want: ErrSeveralPeople.
		probes, want bool
	}{
		{"rendered figures, plain", &figures, false, true, true},
		{"rendered figures, plain, no probes", &figures, false, false, false},
		{"partner alongside, symmetric", &partner, true, true, true},
		{"partner alongside, plain", &partner, false, true, true},
		{"partner alongside, symmetric, no probes", &partner, true, false, false},
		{"alone, symmetric", &alone, true, true, false},
		{"alone, plain", &alone, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if *tc.in == "" {
				t.Skip("needs ../shared and ffmpeg")
			}
			cfg := defaultConfig(t, report.FormatJSON)
			cfg.ImageFPS = 10
			cfg.Track.Symmetric, cfg.Analysis.Symmetric = tc.symmetric, tc.symmetric
			if !tc.probes {
				newEst := cfg.Track.NewEstimator
				cfg.Track.NewEstimator = func(threads int) (Estimator, error) {
					e, err := newEst(threads)
					return noProbe{e}, err
				}
			}
			_, err := Run(context.Background(), *tc.in, filepath.Join(t.TempDir(), "out"), cfg)
			if got := errors.Is(err, ErrSeveralPeople); got != tc.want {
				t.Fatalf("err %v, want ErrSeveralPeople: %v", err, tc.want)
			}
			if err != nil && !tc.want {
				t.Fatal(err)
			}
			t.Logf("%v", err)
		})
	}
}

// partnerClips writes, from the single-person clip at path, eight seconds
// of it beside the same clip three seconds later (two people squatting
// side by side, out of step) and the same eight seconds alone.
func partnerClips(t *testing.T, path string) (partner, alone string) {
	t.Helper()
	dir := t.TempDir()
	partner, alone = filepath.Join(dir, "partner.mp4"), filepath.Join(dir, "alone.mp4")
	for _, args := range [][]string{
		{"-t", "8", "-i", path, "-ss", "3", "-t", "8", "-i", path, "-filter_complex", "[0:v][1:v]hstack", partner},
		{"-t", "8", "-i", path, alone},
	} {
		args = append([]string{"-v", "error", "-y"}, args...)
		args = append(args[:len(args)-1], "-an", "-c:v", "libx264", "-crf", "23", args[len(args)-1])
		if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
		}
	}
	return partner, alone
}

// TestPeopleCountProbes holds the probe count to the symmetric check's
// rule: a second person in at least 5 probes and a fifth of the frames
// probed; frames not probed do not count.
func TestPeopleCountProbes(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		probed, others, skipped int
		wantErr                 bool
	}{
		{"nobody beside", 30, 0, 0, false},
		{"beside throughout", 20, 20, 0, true},
		{"a passer-by for a moment", 30, 4, 0, false},
		{"a fifth of the probes", 25, 5, 0, true},
		{"under a fifth", 30, 5, 0, false},
		{"short clip, under five", 4, 4, 0, false},
		{"frames not probed are not counted", 20, 5, 100, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c people
			for i := range tc.skipped {
				c.addProbe(i, probe{})
			}
			for i := range tc.probed {
				c.addProbe(tc.skipped+i, probe{done: true, other: i < tc.others, score: 0.5})
			}
			err := c.err()
			if (err != nil) != tc.wantErr || (err != nil && !errors.Is(err, ErrSeveralPeople)) {
				t.Errorf("err %v, want an error: %v (%d of %d probes)", err, tc.wantErr, c.others, c.probed)
			}
		})
	}
}

// standingPose is a front-view standing figure's keypoints, height px
// tall (nose to ankles), centred on x with its nose at y, every keypoint
// scored score.
func standingPose(x, y, height, score float64) pose.Pose {
	u := height / 7.1
	rel := [17][2]float64{
		{0, 0}, {0.3, -0.3}, {-0.3, -0.3}, {0.6, 0}, {-0.6, 0}, // head
		{1, 0.8}, {-1, 0.8}, {1.3, 2}, {-1.3, 2}, {1.4, 3.2}, {-1.4, 3.2}, // arms
		{0.6, 3.6}, {-0.6, 3.6}, {0.7, 5.4}, {-0.7, 5.4}, {0.7, 7.1}, {-0.7, 7.1}, // legs
	}
	p := pose.NewPose(pose.COCO17)
	p.Person = true
	for i, r := range rel {
		p.Keypoints[i] = pose.Keypoint{X: x + r[0]*u, Y: y + r[1]*u, Score: score}
	}
	return p
}

// TestJudgeProbe: a probe's pose is a second person when it is a body
// standing beside the hidden box, scored at least 0.3 at the shoulders,
// hips and legs, with at least 8 keypoints outside the box, at least 0.7
// of the tracked person's standing size.
func TestJudgeProbe(t *testing.T) {
	tracked := standingPose(300, 100, 400, 0.8)
	tb, ok := keypointBox(&tracked)
	if !ok {
		t.Fatal("the tracked pose cannot be placed")
	}
	_, hidden := hideRect(tb, image.Rect(0, 0, 1280, 720))
	// The tracked person's size: their keypoint box's longer side, eyes
	// to ankles.
	tall := tb.y1 - tb.y0
	lying := standingPose(900, 100, 400, 0.8)
	for i, k := range lying.Keypoints {
		// Turned a quarter: head to the right, feet to the left.
		lying.Keypoints[i].X, lying.Keypoints[i].Y = 900-(k.Y-100), 500+(k.X-900)
	}
	hipless := standingPose(900, 100, 400, 0.8)
	for _, j := range []pose.Joint{pose.LeftHip, pose.RightHip} {
		hipless.At(j).Score = 0.2
	}
	for _, tc := range []struct {
		name  string
		probe pose.Pose
		want  bool
	}{
		{"a person beside, as tall", standingPose(900, 100, 400, 0.8), true},
		{"a person beside, just scored", standingPose(900, 100, 400, 0.31), true},
		{"a person beside, faint", standingPose(900, 100, 400, 0.25), false},
		{"a person a little behind, three quarters as tall", standingPose(900, 200, 300, 0.8), true},
		{"a person at the back of the room, half as tall", standingPose(900, 200, 200, 0.8), false},
		{"the tracked person again, in the hidden box", standingPose(300, 100, 400, 0.9), false},
		{"lying down", lying, false},
		{"no hips", hipless, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := judgeProbe(&tc.probe, hidden, tall)
			if got.other != tc.want {
				t.Errorf("second person %v, want %v (score %.2f, upright %v, %d keypoints, size %.2f)", got.other, tc.want, got.score, got.upright, got.n, got.size)
			}
		})
	}
}

// TestProbeView: a landscape frame is probed on a square as tall as the
// frame (or as wide as the side, if wider) beside the hidden box, on the side with room (each in turn when
// both have), inside the frame; a portrait frame, or one with no room
// beside the box, whole.
func TestProbeView(t *testing.T) {
	land := image.Rect(0, 0, 1280, 720)
	for _, tc := range []struct {
		name        string
		frame, hide image.Rectangle
		k           int
		want        image.Rectangle
	}{
		{"room both sides, left first", land, image.Rect(500, 100, 800, 700), 0, image.Rect(0, 0, 720, 720)},
		{"room both sides, then right", land, image.Rect(500, 100, 800, 700), 1, image.Rect(560, 0, 1280, 720)},
		{"room on the right only", land, image.Rect(20, 100, 600, 700), 0, image.Rect(560, 0, 1280, 720)},
		{"room on the right only, every time", land, image.Rect(20, 100, 600, 700), 1, image.Rect(560, 0, 1280, 720)},
		{"a side wider than the frame is tall", land, image.Rect(20, 100, 400, 700), 0, image.Rect(400, 0, 1280, 720)},
		{"no room beside", land, image.Rect(60, 0, 1220, 720), 0, land},
		{"portrait", image.Rect(0, 0, 720, 1280), image.Rect(100, 100, 400, 900), 0, image.Rect(0, 0, 720, 1280)},
		{"origin not at zero", land.Add(image.Pt(10, 20)), image.Rect(510, 120, 810, 720), 1, image.Rect(570, 20, 1290, 740)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := probeView(tc.frame, tc.hide, tc.k); got != tc.want {
				t.Errorf("view %v, want %v", got, tc.want)
			}
		})
	}
}

// TestProbeEvery: probes come every 1.5 s of estimated frames, at least
// 16 over a clip of known length, every frame at most.
func TestProbeEvery(t *testing.T) {
	for _, tc := range []struct {
		name          string
		fps           float64
		stride, count int
		want          int
	}{
		{"30 fps, 30 s", 30, 1, 900, 45},
		{"30 fps, unknown length", 30, 1, 0, 45},
		{"30 fps every other frame", 30, 2, 900, 23},
		{"60 fps, 3 s", 60, 1, 180, 11},
		{"12 fps, 8 s", 12, 1, 96, 6},
		{"20 images", 10, 1, 20, 1},
		{"unknown rate", 0, 1, 0, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := probeEvery(tc.fps, tc.stride, tc.count); got != tc.want {
				t.Errorf("every %d frames, want %d", got, tc.want)
			}
		})
	}
}
