package sample

import "github.com/kneescreen/kneescreen/screening/synth"

// FixtureFile is the small clip in the repository's testdata folder that
// tests analyse instead of rendering one each time: FixtureConfig rendered
// by Clip.WriteVideo. Regenerate it with
//
//	go test ./internal/sample -run TestFixture -update
const FixtureFile = "squat_640x360.mp4"

// FixtureConfig is FixtureFile's recording: the demonstration figure at
// 640x360 doing one squat (left knee caving in 12°, right 2°) with 0.6 s
// of standing before and after, 30 frames/s.
func FixtureConfig() synth.Config {
	cfg := DefaultConfig()
	cfg.Width, cfg.Height = 640, 360
	cfg.Reps = 1
	cfg.LeadS, cfg.TailS = 0.6, 0.6
	return cfg
}
