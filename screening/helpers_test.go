package screening_test

import (
	"context"
	"math"
	"testing"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// generate renders a synthetic track or fails the test.
func generate(t *testing.T, cfg synth.Config) (*pose.Track, *synth.Truth) {
	t.Helper()
	tr, truth, err := synth.Generate(cfg)
	if err != nil {
		t.Fatalf("synth: %v", err)
	}
	return tr, truth
}

// analyze runs Analyze with default options changed by mod (may be nil).
func analyze(t *testing.T, tr *pose.Track, mod func(*screening.Options)) *screening.Report {
	t.Helper()
	opts := screening.DefaultOptions()
	if mod != nil {
		mod(&opts)
	}
	r, err := screening.Analyze(context.Background(), tr, opts)
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	return r
}

func indicator(t *testing.T, r *screening.Report, id string, side screening.Side) screening.Indicator {
	t.Helper()
	in, ok := r.Indicator(id, side)
	if !ok {
		t.Fatalf("indicator %s/%s missing; have %v", id, side, indicatorList(r))
	}
	return in
}

func indicatorList(r *screening.Report) []string {
	var out []string
	for _, in := range r.Indicators {
		out = append(out, in.ID+"/"+string(in.Side)+"="+string(in.Level))
	}
	return out
}

func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}
