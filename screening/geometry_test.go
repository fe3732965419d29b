package screening

import (
	"math"
	"testing"
)

func TestJointAndFlexionAngles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		a, b, c Point
		want    float64
	}{
		{"straight", Point{0, 0}, Point{0, 10}, Point{0, 20}, 180},
		{"right angle", Point{0, 0}, Point{0, 10}, Point{10, 10}, 90},
		{"3-4-5", Point{0, 0}, Point{0, 4}, Point{3, 0}, math.Atan2(3, 4) * 180 / math.Pi},
		{"60 deg", Point{10, 0}, Point{0, 0}, Point{5, 5 * math.Sqrt(3)}, 60},
		{"folded", Point{0, 0}, Point{0, 10}, Point{0, 1}, 0},
	} {
		if got := JointAngle(tc.a, tc.b, tc.c); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: JointAngle = %v, want %v", tc.name, got, tc.want)
		}
		if got := FlexionAngle(tc.a, tc.b, tc.c); math.Abs(got-(180-tc.want)) > 1e-9 {
			t.Errorf("%s: FlexionAngle = %v, want %v", tc.name, got, 180-tc.want)
		}
	}
	for _, bad := range [][3]Point{
		{{nan, 0}, {0, 1}, {0, 2}}, {{0, 0}, {0, 0}, {0, 2}}, {{0, 0}, {0, 1}, {0, nan}},
	} {
		if got := JointAngle(bad[0], bad[1], bad[2]); !math.IsNaN(got) {
			t.Errorf("degenerate %v: %v, want NaN", bad, got)
		}
	}
}

// FPPA for a hip at (hx, 0), ankle straight below at (hx, 200) and a knee
// at (hx+dx, 100): deviation 2·atan(|dx|/100), signed by whether the knee
// moved towards the midline.
func TestFPPASignAndMagnitude(t *testing.T) {
	dev := func(dx float64) float64 { return 2 * math.Atan(math.Abs(dx)/100) * 180 / math.Pi }
	for _, tc := range []struct {
		name    string
		hx, dx  float64
		medialX float64 // +1: midline towards +x
		want    float64
	}{
		// Facing the camera, the person's left leg is on the image right;
		// the midline lies towards -x from it.
		{"left leg knee to midline = valgus", 1100, -20, -1, dev(20)},
		{"left leg knee away = varus", 1100, 20, -1, -dev(20)},
		{"right leg knee to midline = valgus", 900, 20, 1, dev(20)},
		{"right leg knee away = varus", 900, -20, 1, -dev(20)},
		{"straight", 900, 0, 1, 0},
		{"large valgus", 900, 100, 1, 90},
	} {
		got := FPPA(Point{tc.hx, 0}, Point{tc.hx + tc.dx, 100}, Point{tc.hx, 200}, tc.medialX)
		if math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: FPPA = %v, want %v", tc.name, got, tc.want)
		}
	}
	// An oblique hip-ankle line: knee offset measured from the line, not
	// the vertical. Hip (0,0), ankle (40,200), knee on the line shifted by
	// +10 px in x: deviation from hand geometry.
	h, a := Point{0, 0}, Point{40, 200}
	k := Point{20 + 10, 100}
	u := math.Atan2(h.X-k.X, h.Y-k.Y) // direction angles
	v := math.Atan2(a.X-k.X, a.Y-k.Y)
	inner := math.Abs(u-v) * 180 / math.Pi
	if inner > 180 {
		inner = 360 - inner
	}
	if got := FPPA(h, k, a, 1); math.Abs(got-(180-inner)) > 1e-9 {
		t.Errorf("oblique line: FPPA = %v, want %v", got, 180-inner)
	}
	if got := FPPA(h, k, a, -1); math.Abs(got+(180-inner)) > 1e-9 {
		t.Errorf("oblique line, other side: FPPA = %v, want %v", got, -(180 - inner))
	}
	if !math.IsNaN(FPPA(h, k, a, nan)) || !math.IsNaN(FPPA(h, k, a, 0)) {
		t.Error("unknown midline side must give NaN")
	}
}

func TestInclinationAndTilt(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to Point
		dir      float64
		want     float64
	}{
		{"vertical", Point{0, 100}, Point{0, 0}, 1, 0},
		{"45 forward", Point{0, 100}, Point{100, 0}, 1, 45},
		{"45 forward facing -x", Point{0, 100}, Point{-100, 0}, -1, 45},
		{"30 backward", Point{0, 100}, Point{-100 * math.Tan(math.Pi/6), 0}, 1, -30},
		{"horizontal", Point{0, 0}, Point{10, 0}, 1, 90},
	} {
		if got := Inclination(tc.from, tc.to, tc.dir); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: Inclination = %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct {
		name       string
		ref, other Point
		want       float64
	}{
		{"level", Point{0, 50}, Point{100, 50}, 0},
		{"other lower", Point{0, 50}, Point{100, 50 + 100*math.Tan(10*math.Pi/180)}, 10},
		{"other higher, to the left", Point{100, 50}, Point{0, 50 - 100*math.Tan(5*math.Pi/180)}, -5},
	} {
		if got := LineTilt(tc.ref, tc.other); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: LineTilt = %v, want %v", tc.name, got, tc.want)
		}
	}
}
