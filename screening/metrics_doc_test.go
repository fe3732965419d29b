package screening_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
)

// METRICS.md documents every metric of the registry; it must match the
// code. Regenerate with: go test ./screening -run TestMetricsDoc -update
func TestMetricsDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Screening metrics\n\n")
	b.WriteString("Generated from `screening.MetricSpecs()` by `go test ./screening -run TestMetricsDoc -update`.\n")
	b.WriteString("Each metric is one definition in `screening/metric_<name>.go`; report.json lists them in this order.\n")
	b.WriteString("A frame's value is valid when the view and movement allow the metric, its keypoints are visible, it lies in\n")
	b.WriteString("the plausible range (where one is set) and its own validity condition holds; invalid values are empty in\n")
	b.WriteString("angles.csv and never read into a rep.\n")
	for _, m := range screening.MetricSpecs() {
		fmt.Fprintf(&b, "\n## `%s`: %s\n\n", m.Name, m.Label)
		sides := "whole body"
		if m.PerSide {
			sides = "per side (left, right)"
		}
		fmt.Fprintf(&b, "- unit: %s, %s\n", m.Unit, sides)
		fmt.Fprintf(&b, "- views: %s; movements: %s\n", join(m.Views), movementsText(m.Movements))
		fmt.Fprintf(&b, "- definition: %s\n", m.Description)
		fmt.Fprintf(&b, "- rep value: %s\n", m.RepValue)
		fmt.Fprintf(&b, "- valid when: %s\n", m.Validity)
		plausible := "not set"
		if m.Plausible.IsSet() {
			plausible = fmt.Sprintf("%g to %g %s (%s)", m.Plausible.Min, m.Plausible.Max, m.Unit, m.Plausible.Source)
			if m.Plausible.Key != "" {
				plausible = fmt.Sprintf("±%g %s by default, set by `%s` (%s)", m.Plausible.Max, m.Unit, m.Plausible.Key, m.Plausible.Source)
			}
		}
		fmt.Fprintf(&b, "- plausible range: %s\n", plausible)
		if m.Auxiliary {
			b.WriteString("- auxiliary: supports another metric's validity; not a finding\n")
		}
		if len(m.Indicators) > 0 {
			fmt.Fprintf(&b, "- indicators: `%s`\n", strings.Join(m.Indicators, "`, `"))
		}
	}
	checkGenerated(t, "METRICS.md", b.String(), "TestMetricsDoc")
}

func join[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

func movementsText(ms []screening.Movement) string {
	if ms == nil {
		return "all"
	}
	return join(ms)
}
