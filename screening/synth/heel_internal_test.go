package synth

import (
	"math"
	"testing"
)

// TestPitchedFoot: a foot rocked on its ball keeps the shape of its rear
// part (ankle, heel and ball keep their distances: it turns about the
// ball), keeps the toe on the floor where it was (the toes stay flat),
// lifts the heel by the asked amount, and flatAnkle undoes it, whatever
// the toe-out.
func TestPitchedFoot(t *testing.T) {
	for _, toeOut := range []float64{0, 20, -10} {
		for _, lift := range []float64{0.01, 0.04, 0.1} {
			for s := range 2 {
				a0 := v3(0.1, 0.3+ankleH, -0.2)
				ah, hh, th := pitchedFoot(a0, 0.3, s, toeOut, 0)
				p := heelPitch(lift)
				a, h, to := pitchedFoot(a0, 0.3, s, toeOut, p)
				dist := func(u, v vec3) float64 { d := u.sub(v); return math.Sqrt(d.dot(d)) }
				d := v3(sideX[s]*math.Sin(rad(toeOut)), 0, math.Cos(rad(toeOut)))
				ball := v3(a0.x+d.x*ballFwd, 0.3, a0.z+d.z*ballFwd)
				for _, pr := range [][4]vec3{{ah, hh, a, h}, {ah, ball, a, ball}, {hh, ball, h, ball}} {
					if math.Abs(dist(pr[0], pr[1])-dist(pr[2], pr[3])) > 1e-12 {
						t.Errorf("toe-out %v, lift %v: the foot changes shape", toeOut, lift)
					}
				}
				if to != th {
					t.Errorf("toe moved: %v -> %v", th, to)
				}
				if got := (h.y - hh.y); math.Abs(got-lift) > 1e-12 {
					t.Errorf("toe-out %v: heel lifted %v, want %v", toeOut, got, lift)
				}
				if got := heelRiseOf(h, to, 0.3); math.Abs(got-lift/footLen) > 1e-12 {
					t.Errorf("heelRiseOf = %v, want %v", got, lift/footLen)
				}
				if back := flatAnkle(a, 0.3, s, toeOut, p); dist(back, a0) > 1e-12 {
					t.Errorf("flatAnkle gives %v, want %v", back, a0)
				}
				if !(a.y > a0.y) {
					t.Errorf("the ankle did not rise: %v -> %v", a0, a)
				}
			}
		}
	}
}
