package schema

import (
	"encoding/json"
	"flag"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
)

var update = flag.Bool("update", false, "rewrite report.schema.json's metric-name enum from the screening registry")

// metricNameEnum is the line of report.schema.json that holds the enum.
var metricNameEnum = regexp.MustCompile(`(?m)^(\s*"metricName": \{"enum": )\[[^\]]*\](.*)$`)

// The schema's metricName enum lists exactly the screening registry's
// metrics, in report order. Regenerate with:
// go test ./schema -run TestMetricNamesFollowRegistry -update
func TestMetricNamesFollowRegistry(t *testing.T) {
	names := screening.MetricNames()
	quoted := `["` + strings.Join(names, `", "`) + `"]`
	if *update {
		doc, err := os.ReadFile("report.schema.json")
		if err != nil {
			t.Fatal(err)
		}
		if !metricNameEnum.Match(doc) {
			t.Fatal("report.schema.json: no metricName enum line to rewrite")
		}
		doc = metricNameEnum.ReplaceAll(doc, []byte("${1}"+quoted+"${2}"))
		if err := os.WriteFile("report.schema.json", doc, 0o644); err != nil {
			t.Fatal(err)
		}
		// The embedded copy is stale until the next build: check the file.
		ReportSchema = doc
	}
	var s struct {
		Defs struct {
			MetricName struct {
				Enum []string `json:"enum"`
			} `json:"metricName"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(ReportSchema, &s); err != nil {
		t.Fatal(err)
	}
	if got := s.Defs.MetricName.Enum; !slices.Equal(got, names) {
		t.Errorf("report.schema.json metricName enum %v,\nregistry %v:\ngo test ./schema -run TestMetricNamesFollowRegistry -update", got, names)
	}
}

// A report naming a metric the registry does not know is rejected.
func TestSchemaRejectsUnknownMetric(t *testing.T) {
	doc := `{"schema_version":"2.0","reps":[{"index":1,"side":"both","start_s":0,"bottom_s":1,"end_s":2,"metrics":{"made_up_deg":1}}]}`
	err := ValidateReport([]byte(doc))
	if err == nil || !strings.Contains(err.Error(), "made_up_deg") {
		t.Fatalf("ValidateReport = %v, want an error naming made_up_deg", err)
	}
}
