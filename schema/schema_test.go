package schema

import (
	"strings"
	"testing"
)

func TestSchemaRejectsBadReports(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"not json", `{`, "not JSON"},
		{"empty object", `{}`, "missing properties"},
		{"bad movement", `{"schema_version":"2.0","movement":"jumping"}`, "movement"},
		{"old major version", `{"schema_version":"1.0"}`, "schema_version"},
		{"graded finding without a value", `{"schema_version":"2.0","reps":[{"index":1,"side":"both","movement":"squat","view":"front","yaw_deg":3,"start_s":0,"bottom_s":1,"end_s":2,"metrics":{},
			"findings":[{"indicator":"knee_inside_foot","side":"left","level":"watch","value":null}]}]}`, "findings/0/value"},
		{"rep without findings", `{"schema_version":"2.0","reps":[{"index":1,"side":"both","movement":"squat","view":"front","yaw_deg":3,"start_s":0,"bottom_s":1,"end_s":2,"metrics":{}}]}`, "findings"},
		{"bad rep view", `{"schema_version":"2.0","reps":[{"index":1,"side":"both","movement":"lunge","view":"top","yaw_deg":3,"start_s":0,"bottom_s":1,"end_s":2,"metrics":{},"findings":[]}]}`, "view"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateReport([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ValidateReport(%s) = %v, want an error mentioning %q", tc.doc, err, tc.want)
			}
		})
	}
}
