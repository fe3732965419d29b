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
		{"bad movement", `{"schema_version":"1.0","movement":"jumping"}`, "movement"},
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
