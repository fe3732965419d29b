package report

import (
	"context"
	"image"
	"image/color"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// analyzed runs the screening on a synthetic track.
func analyzed(t testing.TB, cfg synth.Config) *Data {
	t.Helper()
	tr, _, err := synth.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts := screening.DefaultOptions()
	opts.SourcePath = "synthetic/" + cfg.Movement + ".mp4"
	rep, err := screening.Analyze(context.Background(), tr, opts)
	if err != nil {
		t.Fatal(err)
	}
	frames := map[int]image.Image{}
	for _, r := range rep.Reps {
		// A colourful stand-in for an annotated frame.
		m := image.NewRGBA(image.Rect(0, 0, 320, 180))
		for y := 0; y < 180; y++ {
			for x := 0; x < 320; x++ {
				m.SetRGBA(x, y, color.RGBA{uint8(x * 255 / 320), uint8(y * 255 / 180), 160, 255})
			}
		}
		frames[r.BottomFrame] = m
	}
	return &Data{Report: rep, Track: tr, Analysis: Analysis{Tool: "test", Model: "synthetic"}, Frames: frames}
}
