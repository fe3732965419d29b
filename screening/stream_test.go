package screening_test

import (
	"context"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// streamed is what a whole track pushed through a Stream gave.
type streamed struct {
	verdicts []*screening.RepVerdict
	// handed is the time of the frame each verdict's window came with.
	handed []float64
	frames []screening.StreamFrame
	// framing per frame: the codes shown.
	framing [][]screening.FramingCode
}

// stream pushes every pose of tr through a new Stream and grades every
// window it hands back.
func stream(t *testing.T, tr *pose.Track, opts screening.Options) streamed {
	t.Helper()
	s, err := screening.NewStream(tr.Width, tr.Height, tr.FPS, opts)
	if err != nil {
		t.Fatal(err)
	}
	var out streamed
	lg := screening.NewLiveGrader(opts)
	grade := func(w *screening.RepWindow, at float64) {
		v, err := lg.Grade(context.Background(), w)
		if err != nil {
			t.Fatal(err)
		}
		if v != nil {
			out.verdicts = append(out.verdicts, v)
			out.handed = append(out.handed, at)
		}
	}
	for _, p := range tr.Poses {
		f, err := s.Push(p)
		if err != nil {
			t.Fatal(err)
		}
		c := *f
		c.Keypoints, c.Framing, c.Ended = nil, nil, nil
		out.frames = append(out.frames, c)
		var codes []screening.FramingCode
		for _, fr := range f.Framing {
			codes = append(codes, fr.Code)
		}
		out.framing = append(out.framing, codes)
		if f.Ended != nil {
			grade(f.Ended, f.Time)
		}
	}
	if w := s.Flush(); w != nil {
		grade(w, tr.Poses[len(tr.Poses)-1].Time)
	}
	return out
}

// The stream finds the reps Analyze finds in the whole recording, each
// once, each handed back within 0.5 s of its end, and reads each the way
// Analyze does (its window is screened by the same analysis).
func TestStreamRepsMatchAnalyze(t *testing.T) {
	tests := []struct {
		name string
		cfg  synth.Config
	}{
		{"front squats", synth.Config{Reps: 4, NoisePx: 1.5, ValgusDeg: [2]float64{12, 2}, Seed: 1}},
		{"fast squats", synth.Config{Reps: 5, DescentS: 0.5, AscentS: 0.5, BottomS: 0.05, TopS: 0.3, NoisePx: 1.5, Seed: 2}},
		{"slow squats", synth.Config{Reps: 2, DescentS: 3, AscentS: 3, BottomS: 1, NoisePx: 1.5, Seed: 3}},
		{"side view", synth.Config{Reps: 3, YawDeg: 90, NoisePx: 1.5, Seed: 4}},
		{"single-leg, walking in and out", synth.Config{Movement: synth.SingleLegSquat, Reps: 5, NoisePx: 2, ValgusDeg: [2]float64{12, 0},
			WalkInS: 1.5, WalkOutS: 1.5, Seed: 5}},
		{"step-downs on both legs", synth.Config{Movement: synth.StepDown, Reps: 6, SwitchLegAfter: 3, NoisePx: 1.5, Seed: 6}},
		{"dropouts, outliers and a leg swap", synth.Config{Reps: 4, NoisePx: 2, DropProb: 0.03, OutlierProb: 0.01,
			SwapFrames: [][2]int{{70, 90}}, Seed: 7}},
		{"12 frames/s", synth.Config{Reps: 4, FPS: 12, NoisePx: 1.5, Seed: 8}},
		// Knees that track out in three reps and cave halfway down in the
		// next three, over the feet at the bottom: only the change from
		// the best rep so far (an earlier one) tells them apart, live as
		// in the report.
		{"knees caving after good reps", synth.Config{Reps: 6, StanceWidthM: 0.6, ToeOutDeg: 30, KneeFlexionDeg: 125,
			KneeMedialByRep:    [][2]float64{{-0.04, -0.04}, {-0.04, -0.04}, {-0.04, -0.04}, {0.22, 0.22}, {0.22, 0.22}, {0.22, 0.22}},
			KneeMedialMidRange: true, NoisePx: 2, Seed: 31}},
		{"no reps", synth.Config{NoReps: true, LeadS: 6, NoisePx: 1.5, Seed: 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, truth := generate(t, tt.cfg)
			batch := analyze(t, tr, nil)
			if len(batch.Reps) != truth.Reps {
				t.Fatalf("batch found %d reps of %d: the case does not test the stream", len(batch.Reps), truth.Reps)
			}
			got := stream(t, tr, screening.DefaultOptions())
			if len(got.verdicts) != len(batch.Reps) {
				t.Fatalf("stream found %d reps, Analyze %d", len(got.verdicts), len(batch.Reps))
			}
			frame := 1 / tr.FPS
			for k, v := range got.verdicts {
				want := batch.Reps[k]
				// The window ends a moment after the rep, where a slow
				// ascent is still rising a little: the rep's end (back
				// within 10% of the standing level after it) may come a
				// few frames earlier than in the whole recording.
				if math.Abs(v.Rep.BottomS-want.BottomS) > 1.5*frame || math.Abs(v.Rep.EndS-want.EndS) > 0.2 {
					t.Errorf("rep %d: bottom %.2f s end %.2f s, Analyze's %.2f s and %.2f s", k+1, v.Rep.BottomS, v.Rep.EndS, want.BottomS, want.EndS)
				}
				if late := got.handed[k] - want.EndS; late > 0.5 {
					t.Errorf("rep %d handed back %.2f s after its end", k+1, late)
				}
				if v.Movement != batch.Movement {
					t.Errorf("rep %d: movement %s, Analyze's %s", k+1, v.Movement, batch.Movement)
				}
				// The verdict is the report's: the same indicators on the
				// same legs at the same levels (values as the metrics).
				if len(v.Findings) != len(want.Findings) {
					t.Errorf("rep %d: %d findings, the report's rep %d", k+1, len(v.Findings), len(want.Findings))
				}
				for i := range min(len(v.Findings), len(want.Findings)) {
					g, w := v.Findings[i], want.Findings[i]
					if g.Indicator != w.Indicator || g.Side != w.Side || g.Level != w.Level {
						t.Errorf("rep %d: finding %s %s %s, the report's %s %s %s", k+1, g.Indicator, g.Side, g.Level, w.Indicator, w.Side, w.Level)
					}
				}
				if !reflect.DeepEqual(v.Findings, v.Rep.Findings) {
					t.Errorf("rep %d: the verdict's findings are not its rep's", k+1)
				}
				// The window is screened like the whole recording; only
				// its edges differ, so a rep's values agree closely: the
				// smoothing's edge reaches a frame or two into the rep,
				// and references taken over standing frames (the pelvis's
				// standing tilt) come from the window's. The shank's
				// forward travel is read from its foreshortening against
				// the shot's standing shank length L, which the whole
				// recording takes from frames after the rep too: v/L =
				// sqrt(1 − (l/L)²) turns a 1% error in L into cos²/sin ≈
				// 1.2% of v at the 35° of these step-downs, so early reps
				// may read it up to 8% apart.
				for name, mv := range want.Metrics {
					gv, ok := v.Rep.Metrics[name]
					if !ok {
						t.Errorf("rep %d: %s missing", k+1, name)
						continue
					}
					for _, side := range []screening.Side{screening.SideLeft, screening.SideRight, screening.SideBoth} {
						a, b := mv.Side(side), gv.Side(side)
						tol := 0.02 // ratios
						if k == 0 {
							// The first rep's window holds only the
							// lead-in's standing (a second or two) to
							// calibrate the shank and the body's centre
							// line on; later ones hold 20 s.
							tol = 0.04
						}
						if strings.HasSuffix(name, "_deg") {
							tol = 1
						}
						rel := 0.05
						if name == screening.MetricShankForward {
							rel = 0.08
						}
						if !near(a, b, math.Max(tol, rel*math.Abs(a))) {
							t.Errorf("rep %d: %s %s %.3f, Analyze's %.3f", k+1, name, side, b, a)
						}
					}
				}
			}
		})
	}
}

// A camera cut (a zoomed cut-in) is not a rep: the stream starts a new
// shot at it, as Analyze does.
func TestStreamCameraCut(t *testing.T) {
	tr, _ := generate(t, synth.Config{Reps: 4, NoisePx: 1.5, Seed: 11})
	// Zoom in by 1.6 about the top of the image from the middle of the
	// standing pause after the second rep: the hips jump down, as far as
	// a deep squat takes them.
	batch0 := analyze(t, tr, nil)
	cutT := (batch0.Reps[1].EndS + batch0.Reps[2].StartS) / 2
	cx, cy := float64(tr.Width)/2, 0.0
	for i := range tr.Poses {
		p := &tr.Poses[i]
		if p.Time < cutT {
			continue
		}
		for k := range p.Keypoints {
			kp := &p.Keypoints[k]
			kp.X, kp.Y = cx+1.6*(kp.X-cx), cy+1.6*(kp.Y-cy)
		}
	}
	batch := analyze(t, tr, nil)
	if batch.Quality.CameraCuts != 1 || len(batch.Reps) != 4 {
		t.Fatalf("Analyze: %d cuts, %d reps", batch.Quality.CameraCuts, len(batch.Reps))
	}
	got := stream(t, tr, screening.DefaultOptions())
	if len(got.verdicts) != 4 {
		t.Errorf("stream found %d reps across a cut, want 4", len(got.verdicts))
	}
}

// The live metrics follow the truth: FPPA where valid within a few
// degrees of the noise-free body's, none in a side view; knee over foot
// grows with the knee caving in; depth reaches the rep's.
func TestStreamLiveMetrics(t *testing.T) {
	tr, truth := generate(t, synth.Config{Reps: 3, NoisePx: 1, ValgusDeg: [2]float64{14, -4}, Seed: 12})
	got := stream(t, tr, screening.DefaultOptions())
	var errs [2][]float64
	medial := [2]float64{math.Inf(-1), math.Inf(-1)}
	for i, f := range got.frames {
		for s := range 2 {
			if !math.IsNaN(f.FPPA[s]) && !math.IsNaN(truth.FPPA[s][i]) {
				errs[s] = append(errs[s], math.Abs(f.FPPA[s]-truth.FPPA[s][i]))
			}
			if !math.IsNaN(f.KneeOverFoot[s]) {
				medial[s] = math.Max(medial[s], f.KneeOverFoot[s])
			}
		}
	}
	for s := range 2 {
		if len(errs[s]) < len(tr.Poses)/4 {
			t.Fatalf("side %d: FPPA valid in %d of %d frames", s, len(errs[s]), len(tr.Poses))
		}
		slices.Sort(errs[s])
		// The One-Euro filter lags a fast-changing angle by a frame or
		// two: a few degrees at the steepest.
		if med, p90 := errs[s][len(errs[s])/2], errs[s][9*len(errs[s])/10]; med > 1.5 || p90 > 4 {
			t.Errorf("side %d: live FPPA off the truth by %.1f° (median), %.1f° (90th percentile)", s, med, p90)
		}
	}
	// 14° of valgus moves the knee about a fifth of a shank length
	// inside at the bottom, of which a good part shows while the thigh
	// is long enough; the right knee only moves out.
	if !(medial[0] > 0.05) || !(medial[1] < 0.01) {
		t.Errorf("knee over foot: caving left knee %.2f, right knee pushed out %.2f shank lengths", medial[0], medial[1])
	}
	depth := 0.0
	for _, f := range got.frames {
		if !math.IsNaN(f.Depth) {
			depth = math.Max(depth, f.Depth)
		}
	}
	want := analyze(t, tr, nil).Reps[0].Metrics[screening.MetricDepth].Value
	if !near(depth, want, 0.05) {
		t.Errorf("live depth reached %.2f, the rep's depth is %.2f", depth, want)
	}

	side, _ := generate(t, synth.Config{Reps: 2, YawDeg: 90, NoisePx: 1, Seed: 13})
	for i, f := range stream(t, side, screening.DefaultOptions()).frames {
		if !math.IsNaN(f.FPPA[0]) || !math.IsNaN(f.KneeOverFoot[0]) {
			t.Fatalf("side view, frame %d: FPPA %.1f, knee over foot %.2f shown", i, f.FPPA[0], f.KneeOverFoot[0])
		}
	}
}

// Each framing problem is named when, and only when, it holds for a
// while.
func TestStreamFraming(t *testing.T) {
	hide := func(tr *pose.Track, from float64, joints ...pose.Joint) {
		for i := range tr.Poses {
			p := &tr.Poses[i]
			if p.Time < from {
				continue
			}
			for _, j := range joints {
				p.At(j).Score = 0.05
			}
		}
	}
	tests := []struct {
		name string
		cfg  synth.Config
		mod  func(*pose.Track)
		view screening.View
		want screening.FramingCode
	}{
		{"fine", synth.Config{Reps: 1}, nil, screening.ViewAuto, ""},
		{"feet hidden", synth.Config{Reps: 1}, func(tr *pose.Track) { hide(tr, 1, pose.LeftAnkle, pose.RightAnkle) }, screening.ViewAuto, screening.FramingFeetHidden},
		{"nobody", synth.Config{Reps: 1}, func(tr *pose.Track) {
			for i := range tr.Poses {
				tr.Poses[i].Person = tr.Poses[i].Time < 1
			}
		}, screening.ViewAuto, screening.FramingNoPerson},
		{"far away", synth.Config{Reps: 1, BodyFrac: 0.1}, nil, screening.ViewAuto, screening.FramingTooSmall},
		{"side on", synth.Config{Reps: 1, YawDeg: 90}, nil, screening.ViewAuto, screening.FramingNotFacing},
		{"side on, side view screened", synth.Config{Reps: 1, YawDeg: 90}, nil, screening.ViewSide, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, _ := generate(t, tt.cfg)
			if tt.mod != nil {
				tt.mod(tr)
			}
			opts := screening.DefaultOptions()
			opts.View = tt.view
			got := stream(t, tr, opts)
			// Judge the frames from 2 s on: every problem above holds
			// from 1 s at the latest, and needs a moment to show.
			for i, codes := range got.framing {
				if tr.Poses[i].Time < 2 {
					continue
				}
				first := screening.FramingCode("")
				if len(codes) > 0 {
					first = codes[0]
				}
				if first != tt.want {
					t.Fatalf("frame %d (%.2f s): framing %v, want %q first", i, tr.Poses[i].Time, codes, tt.want)
				}
			}
		})
	}
}

// A stream's memory does not grow with its length, and a frame without a
// rep ending costs no allocation.
func TestStreamBounded(t *testing.T) {
	tr, _ := generate(t, synth.Config{Reps: 3, NoisePx: 1.5, Seed: 14})
	s, err := screening.NewStream(tr.Width, tr.Height, tr.FPS, screening.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	clip := tr.Poses[len(tr.Poses)-1].Time + 1/tr.FPS
	i := 0
	next := func() pose.Pose {
		p := tr.Poses[i%len(tr.Poses)]
		p.Time += float64(i/len(tr.Poses)) * clip
		i++
		return p
	}
	// Ten minutes at 30 frames/s, counting the reps that end.
	ended := 0
	for i < 10*60*30 {
		f, err := s.Push(next())
		if err != nil {
			t.Fatal(err)
		}
		if f.Ended != nil {
			ended++
			// The rep, the 20 s of context before it and margins.
			if n := len(f.Ended.Track.Poses); float64(n) > (f.Ended.EndS-f.Ended.StartS+22)*tr.FPS {
				t.Fatalf("a window of %d poses for a rep of %.1f s", n, f.Ended.EndS-f.Ended.StartS)
			}
		}
	}
	if want := 3 * (10 * 60 * 30 / len(tr.Poses)); ended < want-1 {
		t.Errorf("%d reps ended in ten minutes of looped reps, want about %d", ended, want)
	}
	allocs := testing.AllocsPerRun(200, func() {
		// Standing frames of the clip's lead-in: no rep ends there.
		p := next()
		for tr.Poses[(i-1)%len(tr.Poses)].Time > 0.8 {
			p = next()
		}
		if _, err := s.Push(p); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per frame", allocs)
	}
}

func TestStreamErrors(t *testing.T) {
	if _, err := screening.NewStream(0, 480, 30, screening.DefaultOptions()); !errors.Is(err, screening.ErrInvalidOptions) {
		t.Errorf("zero width: %v", err)
	}
	bad := screening.DefaultOptions()
	bad.Filter.MinScore = 2
	if _, err := screening.NewStream(640, 480, 30, bad); !errors.Is(err, screening.ErrInvalidOptions) {
		t.Errorf("bad options: %v", err)
	}
	s, err := screening.NewStream(640, 480, 30, screening.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := generate(t, synth.Config{Reps: 1})
	if _, err := s.Push(tr.Poses[5]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Push(tr.Poses[4]); err == nil {
		t.Error("time going backwards accepted")
	}
}

// BenchmarkStreamPush measures one frame of a stream, rep ends included
// (their windows are not graded here).
func BenchmarkStreamPush(b *testing.B) {
	tr, _, err := synth.Generate(synth.Config{Reps: 12, NoisePx: 2})
	if err != nil {
		b.Fatal(err)
	}
	s, err := screening.NewStream(tr.Width, tr.Height, tr.FPS, screening.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	clip := tr.Poses[len(tr.Poses)-1].Time + 1/tr.FPS
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := tr.Poses[i%len(tr.Poses)]
		p.Time += float64(i/len(tr.Poses)) * clip
		i++
		if _, err := s.Push(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRepWindowGrade measures the one analysis a rep costs when it
// ends.
func BenchmarkRepWindowGrade(b *testing.B) {
	tr, _, err := synth.Generate(synth.Config{Reps: 3, NoisePx: 2})
	if err != nil {
		b.Fatal(err)
	}
	s, err := screening.NewStream(tr.Width, tr.Height, tr.FPS, screening.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	var w *screening.RepWindow
	for _, p := range tr.Poses {
		f, err := s.Push(p)
		if err != nil {
			b.Fatal(err)
		}
		if f.Ended != nil && w == nil {
			w = f.Ended
		}
	}
	if w == nil {
		b.Fatal("no rep ended")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := screening.NewLiveGrader(screening.DefaultOptions()).Grade(context.Background(), w); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnalyze measures a batch analysis of a 30 s, 1080p, 30 fps
// track (900 frames, 10 reps).
func BenchmarkAnalyze(b *testing.B) {
	tr, _, err := synth.Generate(synth.Config{Reps: 10, NoisePx: 2, DropProb: 0.02})
	if err != nil {
		b.Fatal(err)
	}
	opts := screening.DefaultOptions()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := screening.Analyze(context.Background(), tr, opts); err != nil {
			b.Fatal(err)
		}
	}
}
