package screening

import (
	"math"
	"strings"
	"testing"
)

// Every indicator's definition holds together: its cut-offs are
// documented thresholds in the indicator's unit, its sides suit its
// metric, and ids and report order are unique.
func TestGradingDefinitions(t *testing.T) {
	orders := map[int]string{}
	for _, g := range gradings() {
		if g.id == "" || g.title == "" || g.focus == "" || g.category == "" || g.metric == nil {
			t.Errorf("%s: id, title, focus, category and metric must all be set", g.id)
			continue
		}
		if o, dup := orders[g.order]; dup {
			t.Errorf("%s and %s share order %d", g.id, o, g.order)
		}
		orders[g.order] = g.id
		if byIndicator[g.id] != g {
			t.Errorf("%s: not indexed", g.id)
		}
		for _, cut := range g.allCutoffs() {
			for _, key := range []string{cut.watch, cut.flag} {
				spec, ok := specFor(key)
				if !ok {
					t.Errorf("%s: cut-off %q is not a threshold", g.id, key)
				} else if spec.Unit != g.unit() {
					t.Errorf("%s: cut-off %s in %s, indicator in %s", g.id, key, spec.Unit, g.unit())
				}
			}
		}
		perSide := g.sides == gradeEachLeg || g.sides == gradeAsymmetry
		if g.metric.PerSide != perSide {
			t.Errorf("%s: sides %d do not suit %s (per side %v)", g.id, g.sides, g.metric.Name, g.metric.PerSide)
		}
		if (g.asym != nil) != (g.sides == gradeAsymmetry) {
			t.Errorf("%s: an asymmetry needs sides gradeAsymmetry and an asymmetry spec", g.id)
		}
		if g.gate != nil {
			if _, ok := specFor(g.gate.minKey); !ok {
				t.Errorf("%s: gate threshold %q unknown", g.id, g.gate.minKey)
			}
			if m := lookup(g.gate.metric); m == nil || m.PerSide != g.metric.PerSide {
				t.Errorf("%s: gate metric %q unknown or of other sidedness", g.id, g.gate.metric)
			}
		}
	}
	if len(orders) != len(byIndicator) {
		t.Errorf("%d indicators listed, %d indexed", len(orders), len(byIndicator))
	}
}

// Thresholds.Validate rejects, for every indicator, a flag cut-off milder
// than its watch cut-off, and names the flag key.
func TestValidateOrdersEveryCutoffPair(t *testing.T) {
	for _, g := range gradings() {
		for _, cut := range g.allCutoffs() {
			thr := DefaultThresholds()
			w, _ := thr.Get(cut.watch)
			f, _ := thr.Get(cut.flag)
			if w == f {
				t.Fatalf("%s: default watch and flag are equal", cut.flag)
			}
			if err := thr.Set(cut.watch, f); err != nil {
				t.Fatal(err)
			}
			if err := thr.Set(cut.flag, w); err != nil {
				t.Fatal(err)
			}
			if err := thr.Validate(); err == nil || !strings.Contains(err.Error(), cut.flag) {
				t.Errorf("%s and %s swapped: Validate = %v, want an error naming %s", cut.watch, cut.flag, err, cut.flag)
			}
		}
	}
}

// A set plausible range makes frame values outside it invalid; an unset
// one bounds nothing.
func TestPlausibleRangeGatesFrames(t *testing.T) {
	m := *lookup(MetricKneeFlexion)
	if m.valid != nil {
		t.Fatal("test needs a metric without its own validity condition")
	}
	for _, tc := range []struct {
		r          Range
		v          float64
		assessable bool
		want       bool
	}{
		{Range{}, 170, true, true},
		{Range{}, math.NaN(), true, false},
		{Range{Min: 0, Max: 160, Source: "test"}, 170, true, false},
		{Range{Min: 0, Max: 160, Source: "test"}, -1, true, false},
		{Range{Min: 0, Max: 160, Source: "test"}, 160, true, true},
		{Range{Min: 0, Max: 160, Source: "test"}, 100, false, false},
	} {
		m.Plausible = tc.r
		if got := m.validAt(nil, tc.assessable, 0, 0, tc.v); got != tc.want {
			t.Errorf("range %+v, value %v, assessable %v: valid %v, want %v", tc.r, tc.v, tc.assessable, got, tc.want)
		}
	}
}
