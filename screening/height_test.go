package screening_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/schema"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// upsideDown turns a track's frames upside down (y becomes height - y), as
// a camera mounted the wrong way round records them.
func upsideDown(tr *pose.Track) *pose.Track {
	out := *tr
	out.Poses = make([]pose.Pose, len(tr.Poses))
	for i, p := range tr.Poses {
		q := p.Clone()
		for j := range q.Keypoints {
			q.Keypoints[j].Y = float64(tr.Height) - q.Keypoints[j].Y
		}
		out.Poses[i] = q
	}
	return &out
}

// stretched scales a track's poses vertically by k about the bottom of the
// frame, so a tall person's head leaves the image at the top (models place
// keypoints a little outside the frame).
func stretched(tr *pose.Track, k float64) *pose.Track {
	out := *tr
	out.Poses = make([]pose.Pose, len(tr.Poses))
	h := float64(tr.Height)
	for i, p := range tr.Poses {
		q := p.Clone()
		for j := range q.Keypoints {
			q.Keypoints[j].Y = h - k*(h-q.Keypoints[j].Y)
		}
		out.Poses[i] = q
	}
	return &out
}

// TestPersonHeightFraction: the person's height is an extent, so a person
// seen upside down is as tall as upright, never negative (the review found
// -0.32 and the advice "the person fills only -32% of the image"), and a
// person larger than the frame fills at most all of it. Every report stays
// valid against the schema.
func TestPersonHeightFraction(t *testing.T) {
	upright := mustGen(t, synth.Config{Reps: 2, NoisePx: 1})
	large := stretched(upright, 1.6) // 1.6 × 0.7 of the image: the head is above it
	ref := float64(analyze(t, upright, nil).Quality.PersonHeightFraction)
	if !(ref > 0.3 && ref < 1) {
		t.Fatalf("upright person fills %v of the image; the synthetic body's default is well inside (0.3, 1)", ref)
	}
	for _, tc := range []struct {
		name   string
		track  *pose.Track
		lo, hi float64
	}{
		{"upright", upright, ref, ref},
		// Standing is read from the hip's path, which upside down puts
		// at the bottom of each rep: shorter than upright, but a height.
		{"upside down", upsideDown(upright), 0.3, ref},
		{"larger than the frame", large, 0.9, 1},
		{"larger than the frame, upside down", upsideDown(large), 0.3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := analyze(t, tc.track, nil)
			got := float64(r.Quality.PersonHeightFraction)
			if math.IsNaN(got) || got < tc.lo || got > tc.hi {
				t.Errorf("person_height_fraction %v, want within [%v, %v]", got, tc.lo, tc.hi)
			}
			var doc bytes.Buffer
			if err := report.WriteJSON(&doc, &report.Data{Report: r, Analysis: report.Analysis{Tool: "test", Model: "synth"}}); err != nil {
				t.Fatal(err)
			}
			if err := schema.ValidateReport(doc.Bytes()); err != nil {
				t.Errorf("report does not match the schema: %v", err)
			}
		})
	}
}
