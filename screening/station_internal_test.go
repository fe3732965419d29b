package screening

import (
	"testing"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// A new station needs both feet moved and planted: a person standing
// still whose free foot alone moves to another held place (a single-leg
// stance, a foot shifted) has not gone anywhere.
func TestFeetMovedNeedsBothFeet(t *testing.T) {
	tr, _, err := synth.Generate(synth.Config{Reps: 1, LeadS: 6, NoisePx: 1, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	c := condition(tr, DefaultOptions().Filter)
	at := 90 // 3 s in, standing
	leg := 300.0
	shift := func(j pose.Joint) {
		for i := at; i < c.n(); i++ {
			c.x[j][i] += 0.3 * leg
		}
	}
	sh := [2]int{0, c.n()}
	if feetMoved(c, sh, at, leg) {
		t.Fatal("feet moved while the person stood still")
	}
	shift(pose.RightAnkle)
	if feetMoved(c, sh, at, leg) {
		t.Error("one foot moved 0.3 leg lengths: read as a step to a new place")
	}
	shift(pose.LeftAnkle)
	if !feetMoved(c, sh, at, leg) {
		t.Error("both feet moved 0.3 leg lengths and stayed: not read as a step")
	}
}
