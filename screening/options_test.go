package screening_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

func TestThresholdSpecs(t *testing.T) {
	def := screening.DefaultThresholds()
	if err := def.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	seen := map[string]bool{}
	for _, s := range screening.ThresholdSpecs() {
		if !strings.HasPrefix(s.Key, "thresholds.") || seen[s.Key] {
			t.Errorf("key %q not prefixed or duplicated", s.Key)
		}
		seen[s.Key] = true
		if s.Unit == "" || s.Source == "" || s.Description == "" {
			t.Errorf("%s: unit %q source %q description %q must all be set", s.Key, s.Unit, s.Source, s.Description)
		}
		if v, ok := def.Get(s.Key); !ok || v != s.Default {
			t.Errorf("%s: default %v, Get %v %v", s.Key, s.Default, v, ok)
		}
		// Every key addresses its own field.
		th := screening.DefaultThresholds()
		if err := th.Set(s.Key, s.Min); err != nil {
			t.Errorf("%s: Set(min) %v", s.Key, err)
		}
		for _, o := range screening.ThresholdSpecs() {
			got, _ := th.Get(o.Key)
			want := o.Default
			if o.Key == s.Key {
				want = s.Min
			}
			if got != want {
				t.Errorf("setting %s changed %s to %v", s.Key, o.Key, got)
			}
		}
	}
	if !seen["thresholds.fppa.female_flag_deg"] {
		t.Error("thresholds.fppa.female_flag_deg missing")
	}
	th := screening.DefaultThresholds()
	for _, bad := range []struct {
		key string
		v   float64
	}{{"thresholds.nope", 1}, {"thresholds.fppa.female_flag_deg", 500}, {"thresholds.lsi.flag", math.NaN()}} {
		if err := th.Set(bad.key, bad.v); !errors.Is(err, screening.ErrInvalidOptions) {
			t.Errorf("Set(%s, %v): %v, want ErrInvalidOptions", bad.key, bad.v, err)
		}
	}
	if len(th.Used()) != len(screening.ThresholdSpecs()) {
		t.Error("Used does not list every threshold")
	}
}

func TestParseOptions(t *testing.T) {
	if m, err := screening.ParseMovement("Single-Leg-Squat"); err != nil || m != screening.MovementSingleLegSquat {
		t.Errorf("ParseMovement: %v %v", m, err)
	}
	if v, err := screening.ParseView(""); err != nil || v != screening.ViewAuto {
		t.Errorf("ParseView empty: %v %v", v, err)
	}
	if s, err := screening.ParseStance("right"); err != nil || s != screening.SideRight {
		t.Errorf("ParseStance: %v %v", s, err)
	}
	if x, err := screening.ParseSex("female"); err != nil || x != screening.SexFemale {
		t.Errorf("ParseSex: %v %v", x, err)
	}
	for _, err := range []error{
		func() error { _, err := screening.ParseMovement("cartwheel"); return err }(),
		func() error { _, err := screening.ParseView("top"); return err }(),
		func() error { _, err := screening.ParseStance("both"); return err }(),
		func() error { _, err := screening.ParseSex("x"); return err }(),
	} {
		if !errors.Is(err, screening.ErrInvalidOptions) {
			t.Errorf("bad value: %v, want ErrInvalidOptions", err)
		}
	}
}

// report.json carries the fields issue 6 names, numbers or {left, right}
// per metric, and null, never NaN, for missing values.
func TestReportJSON(t *testing.T) {
	tr, _ := generate(t, synth.Config{Movement: synth.SingleLegSquat, Reps: 2, NoisePx: 2, ValgusDeg: [2]float64{12, 0}})
	r := analyze(t, tr, func(o *screening.Options) { o.SourcePath = "clip.mp4" })
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema_version", "source", "movement", "view", "reps", "indicators", "step_down_score", "quality", "thresholds", "metrics", "summary", "disclaimer"} {
		if _, ok := m[k]; !ok {
			t.Errorf("report.json lacks %q", k)
		}
	}
	src := m["source"].(map[string]any)
	for _, k := range []string{"path", "width", "height", "fps", "frames", "duration_s"} {
		if _, ok := src[k]; !ok {
			t.Errorf("source lacks %q", k)
		}
	}
	rep := m["reps"].([]any)[0].(map[string]any)
	for _, k := range []string{"index", "side", "start_s", "bottom_s", "end_s", "metrics"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("rep lacks %q", k)
		}
	}
	metrics := rep["metrics"].(map[string]any)
	fppa, ok := metrics["fppa_deg"].(map[string]any)
	if !ok {
		t.Fatalf("fppa_deg is %T, want {left, right}", metrics["fppa_deg"])
	}
	if _, ok := fppa["left"].(float64); !ok || fppa["right"] != nil {
		t.Errorf("fppa_deg = %v: want a left number and right null (free leg)", fppa)
	}
	if _, ok := metrics["depth_ratio"].(float64); !ok {
		t.Errorf("depth_ratio = %v, want a number", metrics["depth_ratio"])
	}
	if _, ok := metrics["knee_flexion_deg"]; ok {
		t.Error("a side-view metric appears in a front-view rep")
	}
	in := m["indicators"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "category", "side", "level", "value", "threshold", "unit", "source", "confidence"} {
		if _, ok := in[k]; !ok {
			t.Errorf("indicator lacks %q", k)
		}
	}
	// Round trip of the value types.
	var back screening.Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	got := back.Reps[0].Metrics[screening.MetricFPPA]
	want := r.Reps[0].Metrics[screening.MetricFPPA]
	if !got.PerSide || !near(got.Left, want.Left, 1e-4) || !math.IsNaN(got.Right) {
		t.Errorf("round trip fppa %+v, want %+v", got, want)
	}
}
