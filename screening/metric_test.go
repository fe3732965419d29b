package screening_test

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// Every registered metric is fully specified, and names, labels and
// indicator ids are unique.
func TestMetricSpecs(t *testing.T) {
	name := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	specs := screening.MetricSpecs()
	if got, want := len(specs), len(screening.MetricNames()); got != want || got == 0 {
		t.Fatalf("%d specs, %d names", got, want)
	}
	names, labels, inds := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, m := range specs {
		if m.Name != screening.MetricNames()[i] {
			t.Errorf("spec %d is %s, MetricNames has %s", i, m.Name, screening.MetricNames()[i])
		}
		if !name.MatchString(m.Name) || names[m.Name] {
			t.Errorf("metric name %q is malformed or repeated", m.Name)
		}
		if labels[m.Label] {
			t.Errorf("%s: label %q repeated", m.Name, m.Label)
		}
		names[m.Name], labels[m.Label] = true, true
		if m.Unit != "deg" && m.Unit != "ratio" {
			t.Errorf("%s: unit %q, want deg or ratio", m.Name, m.Unit)
		}
		if m.Label == "" || m.Description == "" || m.RepValue == "" || m.Validity == "" || len(m.Views) == 0 {
			t.Errorf("%s: label, description, rep value, validity and views must all be set: %+v", m.Name, m)
		}
		if m.Plausible.IsSet() && (!(m.Plausible.Min < m.Plausible.Max) || m.Plausible.Source == "") {
			t.Errorf("%s: plausible range %+v needs min < max and a source", m.Name, m.Plausible)
		}
		got, ok := screening.LookupMetric(m.Name)
		if !ok || got.Name != m.Name {
			t.Errorf("LookupMetric(%s) = %v, %v", m.Name, got.Name, ok)
		}
		for _, id := range m.Indicators {
			if inds[id] {
				t.Errorf("indicator %s graded by two metrics", id)
			}
			inds[id] = true
		}
	}
	if _, ok := screening.LookupMetric("no_such_metric"); ok {
		t.Error("LookupMetric found an unknown metric")
	}
}

// The registry's contract, for every metric in every view and movement
// (both forced, so that classification plays no part) and with both
// skeletons (MoveNet's COCO-17 and BlazePose's 33 landmarks with feet):
// where its spec allows it (views, movements, the joints it needs) the
// metric is assessable, has valid frames in each rep and a value in each
// rep (the stance leg's in single-leg tasks); elsewhere it is not
// assessable, says why, and no rep carries it.
func TestMetricsFollowTheirSpecs(t *testing.T) {
	moves := []struct {
		mv  screening.Movement
		cfg synth.Config
	}{
		{screening.MovementSquat, synth.Config{Movement: synth.Squat, KneeFlexionDeg: 80}},
		{screening.MovementSingleLegSquat, synth.Config{Movement: synth.SingleLegSquat, StanceRight: true}},
		{screening.MovementStepDown, synth.Config{Movement: synth.StepDown}},
	}
	views := []struct {
		view screening.View
		yaw  float64
	}{{screening.ViewFront, 0}, {screening.ViewSide, 90}, {screening.ViewOblique, 45}}
	for _, feet := range []bool{false, true} {
		for _, mc := range moves {
			for _, vc := range views {
				t.Run(fmt.Sprintf("feet=%v/%s/%s", feet, mc.mv, vc.view), func(t *testing.T) {
					cfg := mc.cfg
					cfg.YawDeg, cfg.Reps, cfg.NoisePx, cfg.Seed, cfg.Feet = vc.yaw, 2, 1, 3, feet
					tr, _ := generate(t, cfg)
					r := analyze(t, tr, func(o *screening.Options) { o.Movement, o.View = mc.mv, vc.view })
					if len(r.Reps) != 2 {
						t.Fatalf("%d reps, want 2", len(r.Reps))
					}
					checkReadable(t, r)
					for k, m := range screening.MetricSpecs() {
						has := true
						for _, j := range m.Needs {
							has = has && tr.Skeleton.Has(j)
						}
						want := has && slices.Contains(m.Views, vc.view) && (m.Movements == nil || slices.Contains(m.Movements, mc.mv))
						// In profile the far foot (the right, with the
						// camera on the left) hides behind the near leg
						// and scores as hidden: the foot metrics do not
						// read it.
						hidden := screening.SideNone
						if len(m.Needs) > 0 && vc.view == screening.ViewSide {
							hidden = screening.SideRight
						}
						// A single-leg task on the hidden foot reads no
						// foot: the reps carry the metric null, and it is
						// not assessable, saying why.
						unread := want && hidden == screening.SideRight && mc.cfg.StanceRight && mc.mv != screening.MovementSquat
						if unread && !strings.Contains(r.Metrics[k].Reason, "thresholds.feet.min_score") {
							t.Errorf("%s on the hidden stance foot: reason %q", m.Name, r.Metrics[k].Reason)
						}
						checkMetric(t, r, r.Metrics[k], m, want, unread, hidden)
						if !has && r.Metrics[k].Reason != "needs heel and toe keypoints: the model has no foot keypoints" {
							t.Errorf("%s without feet: reason %q", m.Name, r.Metrics[k].Reason)
						}
					}
				})
			}
		}
	}
}

func checkMetric(t *testing.T, r *screening.Report, info screening.MetricInfo, m screening.MetricSpec, want, unread bool, hidden screening.Side) {
	t.Helper()
	if unread {
		if info.Assessable || info.Reason == "" {
			t.Errorf("%s: no rep reads it, yet assessable %v (reason %q)", m.Name, info.Assessable, info.Reason)
		}
		for _, rep := range r.Reps {
			if v, ok := rep.Metrics[m.Name]; ok && v.HasValue() {
				t.Errorf("%s: rep %d reads %+v", m.Name, rep.Index, v)
			}
		}
		return
	}
	if info.Name != m.Name || info.Unit != m.Unit || info.PerSide != m.PerSide || info.Description != m.Description {
		t.Errorf("%s: report.json describes it as %+v", m.Name, info)
	}
	if info.Assessable != want || (!want && info.Reason == "") {
		t.Errorf("%s: assessable %v (reason %q), want %v", m.Name, info.Assessable, info.Reason, want)
		return
	}
	sides := []screening.Side{screening.SideBoth}
	if m.PerSide {
		sides = []screening.Side{screening.SideLeft, screening.SideRight}
	}
	for _, side := range sides {
		ms := r.Series.Metric(m.Name, side)
		if ms == nil || ms.Assessable != want || ms.Unit != m.Unit {
			t.Fatalf("%s/%s: series %v", m.Name, side, ms)
		}
		if !want && slices.Contains(ms.Valid, true) {
			t.Errorf("%s/%s: not assessable, yet some frames are valid", m.Name, side)
		}
	}
	for _, rep := range r.Reps {
		v, ok := rep.Metrics[m.Name]
		if ok != want {
			t.Errorf("%s: rep %d carries it: %v, want %v", m.Name, rep.Index, ok, want)
			continue
		}
		if !want {
			continue
		}
		side := rep.Side // the stance leg, or both
		if !m.PerSide {
			side = screening.SideBoth
		}
		read := []screening.Side{side}
		if side == screening.SideBoth && m.PerSide {
			read = []screening.Side{screening.SideLeft, screening.SideRight}
		}
		for _, s := range read {
			if s == hidden {
				continue
			}
			if x := v.Side(s); math.IsNaN(x) {
				t.Errorf("%s: rep %d has no %s value", m.Name, rep.Index, s)
			}
			if !validIn(r.Series, r.Series.Metric(m.Name, s), rep) {
				t.Errorf("%s/%s: no valid frame in rep %d", m.Name, s, rep.Index)
			}
		}
	}
}

// validIn reports whether series m is valid in some frame of rep.
func validIn(s *screening.Series, m *screening.MetricSeries, rep screening.Rep) bool {
	for i, f := range s.Frame {
		if f >= rep.StartFrame && f <= rep.EndFrame && m.Valid[i] {
			return true
		}
	}
	return false
}
