package screening_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
)

var update = flag.Bool("update", false, "rewrite THRESHOLDS.md and METRICS.md from the code")

// THRESHOLDS.md documents every threshold; it must match the code.
// Regenerate with: go test ./screening -run TestThresholdsDoc -update
func TestThresholdsDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Screening thresholds\n\n")
	b.WriteString("Generated from `screening.ThresholdSpecs()` by `go test ./screening -run TestThresholdsDoc -update`.\n")
	b.WriteString("Each key can be set in the configuration file, the environment or a flag where the CLI binds it.\n")
	b.WriteString("\"expert default\" marks a cut-off without a published source.\n\n")
	b.WriteString("| key | default | unit | meaning | source |\n|---|---|---|---|---|\n")
	for _, s := range screening.ThresholdSpecs() {
		fmt.Fprintf(&b, "| `%s` | %g | %s | %s | %s |\n", s.Key, s.Default, s.Unit, s.Description, s.Source)
	}
	b.WriteString("\nFilter settings (`filter.*`, see `screening.FilterOptions`):\n\n")
	f := screening.DefaultFilterOptions()
	for _, row := range [][2]string{
		{"filter.min_score", fmt.Sprint(f.MinScore)},
		{"filter.max_gap_s", fmt.Sprint(f.MaxGapS)},
		{"filter.hampel_window_s", fmt.Sprint(f.HampelWindowS)},
		{"filter.hampel_sigmas", fmt.Sprint(f.HampelSigmas)},
		{"filter.mode", string(f.Mode)},
		{"filter.cutoff_hz", fmt.Sprint(f.CutoffHz)},
		{"filter.order", fmt.Sprint(f.Order)},
		{"filter.one_euro_min_cutoff_hz", fmt.Sprint(f.OneEuroMinCutoffHz)},
		{"filter.one_euro_beta", fmt.Sprint(f.OneEuroBeta)},
		{"filter.one_euro_d_cutoff_hz", fmt.Sprint(f.OneEuroDCutoffHz)},
		{"filter.fix_swaps", fmt.Sprint(f.FixSwaps)},
	} {
		fmt.Fprintf(&b, "- `%s`: %s\n", row[0], row[1])
	}
	checkGenerated(t, "THRESHOLDS.md", b.String(), "TestThresholdsDoc")
}

// checkGenerated compares a generated document with its file, after
// rewriting the file with -update.
func checkGenerated(t *testing.T, file, got, test string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s is out of date: go test ./screening -run %s -update", file, test)
	}
}
