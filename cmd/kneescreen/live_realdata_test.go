package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/internal/testenv"
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
			res := runLiveWith(t, defaultDeps(), "--camera", filepath.Join(dir, name), "--display", "none", "--pace=false", "--threads", "2")
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
			t.Logf("%d reps in %v", len(reps), time.Since(start).Round(time.Millisecond))
		})
	}
}
