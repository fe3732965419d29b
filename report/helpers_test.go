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
		m := image.NewRGBA(image.Rect(0, 0, 160, 90))
		for i := range m.Pix {
			m.Pix[i] = 128
		}
		m.SetRGBA(5, 5, color.RGBA{255, 0, 0, 255})
		frames[r.BottomFrame] = m
	}
	return &Data{Report: rep, Track: tr, Analysis: Analysis{Tool: "test", Model: "synthetic"}, Frames: frames}
}
