package screening_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

func TestAnalyzeErrors(t *testing.T) {
	if _, err := screening.Analyze(context.Background(), nil, screening.DefaultOptions()); !errors.Is(err, screening.ErrNilTrack) {
		t.Errorf("nil track: %v, want ErrNilTrack", err)
	}
	tr, _ := generate(t, synth.Config{Reps: 1})
	for name, mod := range map[string]func(*screening.Options){
		"zero options":      func(o *screening.Options) { *o = screening.Options{} },
		"bad movement":      func(o *screening.Options) { o.Movement = "cartwheel" },
		"bad view":          func(o *screening.Options) { o.View = "top" },
		"bad stance":        func(o *screening.Options) { o.Stance = "both" },
		"bad sex":           func(o *screening.Options) { o.Sex = "x" },
		"threshold range":   func(o *screening.Options) { o.Thresholds.FPPA.FemaleFlagDeg = -1 },
		"watch above flag":  func(o *screening.Options) { o.Thresholds.PelvicDrop.Watch = 20 },
		"bad filter mode":   func(o *screening.Options) { o.Filter.Mode = "kalman" },
		"bad cutoff":        func(o *screening.Options) { o.Filter.CutoffHz = 0 },
		"NaN min score":     func(o *screening.Options) { o.Filter.MinScore = math.NaN() },
		"bad order":         func(o *screening.Options) { o.Filter.Order = 0 },
		"bad one-euro beta": func(o *screening.Options) { o.Filter.Mode = screening.FilterOneEuro; o.Filter.OneEuroBeta = -1 },
	} {
		opts := screening.DefaultOptions()
		mod(&opts)
		if _, err := screening.Analyze(context.Background(), tr, opts); !errors.Is(err, screening.ErrInvalidOptions) {
			t.Errorf("%s: err %v, want ErrInvalidOptions", name, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := screening.Analyze(ctx, tr, screening.DefaultOptions()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

// Edge cases produce a report that says what is wrong, never a panic.
func TestAnalyzeEdgeCases(t *testing.T) {
	noPerson := func(tr *pose.Track, keep func(i int) bool) *pose.Track {
		out := *tr
		out.Poses = make([]pose.Pose, len(tr.Poses))
		for i := range out.Poses {
			out.Poses[i] = tr.Poses[i].Clone()
			if !keep(i) {
				out.Poses[i].Person = false
				for j := range out.Poses[i].Keypoints {
					out.Poses[i].Keypoints[j].Score = 0.02
				}
			}
		}
		return &out
	}
	base, _ := generate(t, synth.Config{Reps: 3, NoisePx: 2})
	for _, tc := range []struct {
		name     string
		track    *pose.Track
		mod      func(*screening.Options)
		problems []screening.ProblemCode
		reps     int
		graded   bool // some indicator is ok/watch/flag
	}{
		{"empty track", &pose.Track{Width: 640, Height: 480, FPS: 30}, nil, []screening.ProblemCode{screening.ProblemEmptyTrack}, 0, false},
		{"no person at all", noPerson(base, func(int) bool { return false }), nil, []screening.ProblemCode{screening.ProblemNoPerson}, 0, false},
		{"person in 2 frames", noPerson(base, func(i int) bool { return i < 2 }), nil, []screening.ProblemCode{screening.ProblemNoPerson}, 0, false},
		{"person in a third of frames", noPerson(base, func(i int) bool { return i < len(base.Poses)/3 }), nil,
			[]screening.ProblemCode{screening.ProblemPersonRarelyVisible}, 1, true},
		{"person too small", mustGen(t, synth.Config{Reps: 3, BodyFrac: 0.1, NoisePx: 0.5}), nil,
			[]screening.ProblemCode{screening.ProblemPersonTooSmall}, 3, false},
		{"single-leg squat forced, side view", mustGen(t, synth.Config{Movement: synth.SingleLegSquat, Reps: 3, YawDeg: 90, NoisePx: 2}),
			func(o *screening.Options) {
				o.Movement = screening.MovementSingleLegSquat
				o.Stance = screening.SideLeft
			},
			[]screening.ProblemCode{screening.ProblemWrongView}, 3, true},
		{"oblique view", mustGen(t, synth.Config{Reps: 3, YawDeg: 60, NoisePx: 2}), nil, []screening.ProblemCode{screening.ProblemWrongView}, 3, false},
		{"one rep", mustGen(t, synth.Config{Reps: 1, NoisePx: 2}), nil, nil, 1, true},
		{"twenty reps", mustGen(t, synth.Config{Reps: 20, NoisePx: 2, WalkInS: 2, WalkOutS: 2}), nil, nil, 20, true},
		{"walk-in and out, no reps", mustGen(t, synth.Config{NoReps: true, LeadS: 2, WalkInS: 3, WalkOutS: 3, NoisePx: 2}), nil,
			[]screening.ProblemCode{screening.ProblemNoReps}, 0, false},
		{"10 frames/s", mustGen(t, synth.Config{Reps: 3, FPS: 10, NoisePx: 2}), nil, nil, 3, true},
		{"unknown frame times", zeroTimes(mustGen(t, synth.Config{Reps: 2, NoisePx: 2})), nil, nil, 2, true},
		{"one-euro filter", base, func(o *screening.Options) { o.Filter.Mode = screening.FilterOneEuro }, nil, 3, true},
		{"no filter", base, func(o *screening.Options) { o.Filter.Mode = screening.FilterNone }, nil, 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := analyze(t, tc.track, tc.mod)
			for _, p := range tc.problems {
				if !r.HasProblem(p) {
					t.Errorf("problem %s missing; have %+v", p, r.Quality.Problems)
				}
			}
			for _, p := range r.Quality.Problems {
				if p.Message == "" {
					t.Errorf("problem %s without a message", p.Code)
				}
				// Somebody seen too briefly is not "no person found".
				if p.Code == screening.ProblemNoPerson && (r.Quality.PersonFrames > 0) == strings.HasPrefix(p.Message, "no person found") {
					t.Errorf("%d frames with a person: message %q", r.Quality.PersonFrames, p.Message)
				}
			}
			if len(r.Reps) != tc.reps {
				t.Errorf("%d reps, want %d", len(r.Reps), tc.reps)
			}
			if r.Quality.CameraCuts != 0 {
				t.Errorf("%d camera cuts in an unedited recording", r.Quality.CameraCuts)
			}
			graded := false
			for _, in := range r.Indicators {
				if in.Level != screening.LevelNotAssessable {
					graded = true
				} else if in.Reason == "" {
					t.Errorf("%s/%s not assessable without a reason", in.ID, in.Side)
				}
			}
			if graded != tc.graded {
				t.Errorf("graded indicators: %v, want %v (%v)", graded, tc.graded, indicatorList(r))
			}
			if _, err := json.Marshal(r); err != nil {
				t.Errorf("report does not marshal: %v", err)
			}
			if r.Series != nil && r.Series.Len() != len(tc.track.Poses) {
				t.Errorf("series has %d samples for %d poses", r.Series.Len(), len(tc.track.Poses))
			}
		})
	}
}

func mustGen(t *testing.T, cfg synth.Config) *pose.Track {
	tr, _ := generate(t, cfg)
	return tr
}

func zeroTimes(tr *pose.Track) *pose.Track {
	tr.FPS = 0
	for i := range tr.Poses {
		tr.Poses[i].Time = 0
	}
	return tr
}

// FuzzAnalyze feeds arbitrary keypoints (NaN, Inf, huge, negative,
// shuffled frame numbers) and checks that Analyze neither panics nor
// errors.
func FuzzAnalyze(f *testing.F) {
	f.Add([]byte{1, 2, 3}, uint16(640), uint16(480))
	f.Add(make([]byte, 400), uint16(0), uint16(0))
	seed, _, _ := synth.Generate(synth.Config{Reps: 1, LeadS: 0.2, TailS: 0.2, DescentS: 0.5, AscentS: 0.5})
	var raw []byte
	for _, p := range seed.Poses {
		for _, k := range p.Keypoints {
			raw = binary.LittleEndian.AppendUint16(raw, uint16(k.X))
			raw = binary.LittleEndian.AppendUint16(raw, uint16(k.Y))
		}
	}
	f.Add(raw, uint16(1920), uint16(1080))
	f.Fuzz(func(t *testing.T, data []byte, w, h uint16) {
		tr := &pose.Track{Width: int(w), Height: int(h), FPS: float64(w % 61)}
		nj := pose.COCO17.Len()
		per := nj * 4
		for i := 0; i+per <= len(data) && i < per*600; i += per {
			p := pose.NewPose(pose.COCO17)
			p.Frame, p.Time, p.Person = int(data[i]), float64(i/per)/30, data[i+1]%4 != 0
			for j := 0; j < nj; j++ {
				b := data[i+j*4 : i+j*4+4]
				x := float64(binary.LittleEndian.Uint16(b))
				y := float64(binary.LittleEndian.Uint16(b[2:]))
				switch b[0] % 17 {
				case 0:
					x = math.NaN()
				case 1:
					y = math.Inf(1)
				}
				p.Keypoints[j] = pose.Keypoint{X: x, Y: y, Score: float64(b[1]) / 255}
			}
			tr.Poses = append(tr.Poses, p)
		}
		r, err := screening.Analyze(context.Background(), tr, screening.DefaultOptions())
		if err != nil {
			t.Fatalf("Analyze: %v", err)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("marshal: %v", err)
		}
	})
}
