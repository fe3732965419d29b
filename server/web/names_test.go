package web

import (
	"strings"
	"testing"
	"unicode"

	"github.com/kneescreen/kneescreen/server/store"
)

func TestNames(t *testing.T) {
	for in, want := range map[string]string{
		"squat.mp4":              "squat.mp4",
		"../../etc/passwd":       "passwd",
		`C:\Users\ann\clip.MOV`:  "clip.MOV",
		"":                       "video 3",
		"a\x00b\nc.mp4":          "abc.mp4",
		"/":                      "video 3",
		"   ":                    "video 3",
		strings.Repeat("x", 200): strings.Repeat("x", 120),
	} {
		if got := displayName(in, 3); got != want {
			t.Errorf("displayName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"front squat.mp4": "front_squat",
		"../x.mp4":        "_x",
		".hidden.mov":     "hidden",
		"Ünïcode.mp4":     "_n_code",
		"":                "recording",
		"....":            "recording",
	} {
		if got := cleanDir(in); got != want {
			t.Errorf("cleanDir(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzNames: whatever a client calls its file, the shown name is one
// printable path element and the zip folder name is a safe, non-empty
// ASCII name that cannot climb out of the archive.
func FuzzNames(f *testing.F) {
	for _, s := range []string{"squat.mp4", "../../a", `..\..\b`, "", ".", "\x00", "ü/ö", "a/../../b.mp4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		d := displayName(name, 1)
		if d == "" || strings.ContainsAny(d, `/\`) || len([]rune(d)) > 120 {
			t.Errorf("displayName(%q) = %q", name, d)
		}
		for _, r := range d {
			if !unicode.IsPrint(r) {
				t.Errorf("displayName(%q) = %q keeps %U", name, d, r)
			}
		}
		c := cleanDir(d)
		if c == "" || strings.HasPrefix(c, ".") || strings.ContainsAny(c, `/\ `) || len(c) > 60 {
			t.Errorf("cleanDir(%q) = %q", d, c)
		}
		for _, r := range c {
			if r >= 128 {
				t.Errorf("cleanDir(%q) = %q is not ASCII", d, c)
			}
		}
	})
}

// TestTrendCharts: one chart per movement and key metric with a value, in
// the registry's report order; auxiliary metrics and empty ones are left
// out.
func TestTrendCharts(t *testing.T) {
	points := []store.TrendPoint{
		{Date: "2025-01-01", Movement: "squat", Summary: `[{"name":"depth_ratio","side":"both","n":1,"mean":0.3},
			{"name":"thigh_length_ratio","side":"left","n":1,"mean":0.7},{"name":"fppa_deg","side":"left","n":1,"mean":9},
			{"name":"knee_flexion_deg","side":"left","n":0,"mean":null}]`},
		{Date: "2025-02-01", Movement: "step-down", Summary: `[{"name":"pelvic_drop_deg","side":"both","n":2,"mean":4}]`},
	}
	var got []string
	for _, c := range trendCharts(7, points) {
		got = append(got, c.Movement+"/"+c.Metric)
	}
	want := []string{"squat/fppa_deg", "squat/depth_ratio", "step-down/pelvic_drop_deg"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("charts %v, want %v", got, want)
	}
}
