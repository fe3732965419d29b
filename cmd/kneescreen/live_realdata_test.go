package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/screening"
)

// liveClips are the shared clips played as cameras in CI: every kind of
// clip the shared set has, about 2,000 frames (half a minute of
// estimation on 2 cores): a front 720p session of 12 squats ending in a
// push-up, 12 frames/s front-oblique squats, a laptop webcam the person
// walks up to and away from with the shins cut off, side-view squats
// and a walk out, a phone's portrait clip (rotated), and a single-leg
// balance at 60 frames/s with no squat at all.
var liveClips = []string{
	"rjsong_front_squat.mp4", "posture_squat_009.mp4", "vancouver_webcam_squat.webm",
	"yuyoujiang_side_squat.mp4", "lnewco_IMG_7027.mov", "pose2sim_single_leg_balance_cam01.mp4",
}

// Played as cameras (every frame processed, as fast as it can be), the
// shared clips give the rep events analyze's rep count gives: the count
// by eye, which analyze's real-footage test checks on every clip.
func TestLiveRealClipsRepCounts(t *testing.T) {
	dir := testenv.Shared(t, "realdata/videos")
	for _, name := range liveClips {
		t.Run(name, func(t *testing.T) {
			want, ok := testenv.RepsByEye[name]
			if !ok {
				t.Fatalf("%s has no count by eye", name)
			}
			start := time.Now()
			args := []string{"--camera", filepath.Join(dir, name), "--display", "none", "--pace=false", "--threads", "2"}
			out := filepath.Join(t.TempDir(), "session")
			if name == findingsClip {
				args = append(args, "--out", out, "--formats", "json")
			}
			res := runLiveWith(t, defaultDeps(), args...)
			if res.code != exitOK {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			reps := res.ofType("rep")
			if len(reps) != want {
				var at []float64
				for _, r := range reps {
					at = append(at, r["bottom_s"].(float64))
				}
				t.Errorf("%d rep events (bottoms at %v s), analyze and the eye count %d", len(reps), at, want)
			}
			for _, r := range reps {
				if lat := r["latency_s"].(float64); lat > maxVerdictLatencyS {
					t.Errorf("rep %v: verdict %.2f s after its end", r["index"], lat)
				}
			}
			if name == findingsClip {
				sameFindings(t, reps, filepath.Join(out, "report.json"))
			}
			t.Logf("%d reps in %v", len(reps), time.Since(start).Round(time.Millisecond))
		})
	}
}

// findingsClip is the clip whose rep events are compared with the report
// of the session's recording: twelve front-view squats at 720p, graded
// on FPPA, knee over foot, knees inside the ankles and the asymmetries.
const findingsClip = "rjsong_front_squat.mp4"

// sameFindings checks that every rep event carries the verdict the report
// of the session's recording (report.json, what analyze writes) gives the
// same rep: the same indicators on the same legs at the same levels. The
// recording is the captured frames encoded again, so keypoints, and the
// values graded, may move a little; a level may then differ only where
// the report's value lies within valueSlack of the event's.
func sameFindings(t *testing.T, events []map[string]any, reportJSON string) {
	t.Helper()
	b, err := os.ReadFile(reportJSON)
	if err != nil {
		t.Fatal(err)
	}
	var rep screening.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Reps) != len(events) {
		t.Errorf("%d rep events, the recording's report %d reps", len(events), len(rep.Reps))
	}
	compared, slack := 0, 0
	for _, ev := range events {
		bottom := ev["bottom_s"].(float64)
		var want *screening.Rep
		for k := range rep.Reps {
			if math.Abs(rep.Reps[k].BottomS-bottom) <= 0.2 {
				want = &rep.Reps[k]
			}
		}
		if want == nil {
			t.Errorf("rep event at %.2f s: no rep there in the report", bottom)
			continue
		}
		got := ev["findings"].([]any)
		if len(got) != len(want.Findings) {
			t.Errorf("rep at %.2f s: %d findings, the report's %d", bottom, len(got), len(want.Findings))
			continue
		}
		for i, g := range got {
			g := g.(map[string]any)
			w := want.Findings[i]
			if g["indicator"] != w.Indicator || g["side"] != string(w.Side) {
				t.Errorf("rep at %.2f s: finding %d is %v %v, the report's %s %s", bottom, i, g["indicator"], g["side"], w.Indicator, w.Side)
				continue
			}
			compared++
			if g["level"] == string(w.Level) {
				continue
			}
			gv, _ := g["value"].(float64)
			if !(math.Abs(gv-float64(w.Value)) <= valueSlack(w.Indicator)) {
				t.Errorf("rep at %.2f s: %s %s %v (%v), the report's %s (%v)", bottom, w.Indicator, w.Side, g["level"], g["value"], w.Level, w.Value)
				continue
			}
			slack++
		}
	}
	t.Logf("%d findings compared on %d reps, %d at another level with values within the slack", compared, len(events), slack)
}

// valueSlack is how far a finding's value may move between the frames
// as captured and as recorded (encoded again: keypoints move by a pixel
// or so): a degree of FPPA, 0.02 shank lengths of knee offset, 0.05 of
// the knees-inside-ankles ratio.
func valueSlack(indicator string) float64 {
	switch {
	case strings.Contains(indicator, "valgus"), strings.Contains(indicator, "fppa"):
		return 1
	case strings.Contains(indicator, "foot"):
		return 0.02
	}
	return 0.05
}
