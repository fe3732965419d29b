package report

import (
	"io"
	"testing"

	"github.com/kneescreen/kneescreen/screening/synth"
)

// BenchmarkWriteHTML writes the HTML report of a 30 s, 12-rep clip.
func BenchmarkWriteHTML(b *testing.B) {
	d := analyzed(b, synth.Config{Movement: synth.Squat, Reps: 12, NoisePx: 2, Width: 1280, Height: 720, TopS: 0.3})
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteHTML(io.Discard, d); err != nil {
			b.Fatal(err)
		}
	}
}
