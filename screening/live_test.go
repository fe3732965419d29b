package screening_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// Streaming a recording frame by frame counts every rep exactly once and
// reads FPPA close to the batch analysis.
func TestLiveCountsReps(t *testing.T) {
	for _, n := range []int{1, 5} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			tr, _ := generate(t, synth.Config{Movement: synth.SingleLegSquat, Reps: n, NoisePx: 2, ValgusDeg: [2]float64{12, 0},
				WalkInS: 1.5, WalkOutS: 1.5, Seed: int64(n)})
			live, err := screening.NewLive(tr.Width, tr.Height, tr.FPS, 12, screening.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			var last *screening.Report
			for _, p := range tr.Poses {
				if last, err = live.Push(context.Background(), p); err != nil {
					t.Fatal(err)
				}
			}
			if live.Total() != n {
				t.Errorf("live counted %d reps, want %d", live.Total(), n)
			}
			if len(last.Reps) == 0 || last.Reps[0].FPPA == nil {
				t.Fatal("no rep with FPPA in the last window")
			}
			batch := analyze(t, tr, nil)
			got := last.Reps[len(last.Reps)-1].Metrics[screening.MetricFPPA].Left
			want := batch.Reps[len(batch.Reps)-1].Metrics[screening.MetricFPPA].Left
			if !near(got, want, 2) {
				t.Errorf("live FPPA %.1f°, batch %.1f°", got, want)
			}
		})
	}
	live, _ := screening.NewLive(640, 480, 30, 0, screening.DefaultOptions())
	tr, _ := generate(t, synth.Config{Reps: 1})
	if _, err := live.Push(context.Background(), tr.Poses[5]); err != nil {
		t.Fatal(err)
	}
	if _, err := live.Push(context.Background(), tr.Poses[4]); err == nil {
		t.Error("time going backwards accepted")
	}
	if _, err := screening.NewLive(0, 480, 30, 0, screening.DefaultOptions()); !errors.Is(err, screening.ErrInvalidOptions) {
		t.Errorf("zero width: %v", err)
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

// BenchmarkLivePush measures one live update over a full 20 s window.
func BenchmarkLivePush(b *testing.B) {
	tr, _, err := synth.Generate(synth.Config{Reps: 12, NoisePx: 2})
	if err != nil {
		b.Fatal(err)
	}
	live, err := screening.NewLive(tr.Width, tr.Height, tr.FPS, 0, screening.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for ; tr.Poses[i].Time < 20; i++ {
		if _, err := live.Push(context.Background(), tr.Poses[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		p := tr.Poses[i%len(tr.Poses)]
		p.Time = float64(i) / tr.FPS
		i++
		if _, err := live.Push(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
}
