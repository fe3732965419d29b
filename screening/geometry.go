package screening

import "math"

// Point is an image point in pixels (x right, y down). NaN coordinates mean
// missing.
type Point struct{ X, Y float64 }

func (p Point) ok() bool          { return !math.IsNaN(p.X) && !math.IsNaN(p.Y) }
func (p Point) sub(q Point) Point { return Point{p.X - q.X, p.Y - q.Y} }
func (p Point) norm() float64     { return math.Hypot(p.X, p.Y) }
func mid(a, b Point) Point        { return Point{(a.X + b.X) / 2, (a.Y + b.Y) / 2} }
func dist(a, b Point) float64     { return a.sub(b).norm() }

var nan = math.NaN()

const rad2deg = 180 / math.Pi

// JointAngle returns the angle ABC at b in degrees (0..180), or NaN when a
// point is missing or a segment has zero length.
func JointAngle(a, b, c Point) float64 {
	if !a.ok() || !b.ok() || !c.ok() {
		return nan
	}
	u, v := a.sub(b), c.sub(b)
	nu, nv := u.norm(), v.norm()
	if nu == 0 || nv == 0 {
		return nan
	}
	cos := (u.X*v.X + u.Y*v.Y) / (nu * nv)
	return math.Acos(math.Max(-1, math.Min(1, cos))) * rad2deg
}

// FlexionAngle is 180° minus the joint angle: 0° for a straight joint.
func FlexionAngle(a, b, c Point) float64 { return 180 - JointAngle(a, b, c) }

// FPPA returns the frontal plane projection angle (Willson & Davis 2006):
// 180° minus the hip-knee-ankle angle in the image, positive when the knee
// lies medial to the hip-ankle line (valgus) and negative when lateral
// (varus). medialX is +1 when the body's midline lies towards +x from this
// leg's hip (i.e. the other hip is to the right in the image), -1 otherwise.
func FPPA(hip, knee, ankle Point, medialX float64) float64 {
	mag := FlexionAngle(hip, knee, ankle)
	if math.IsNaN(mag) || medialX == 0 || math.IsNaN(medialX) {
		return nan
	}
	// Horizontal side of the knee relative to the hip-ankle line, taking
	// the line from hip down to ankle: negative cross product means the
	// knee is towards +x.
	d := ankle.sub(hip)
	k := knee.sub(hip)
	cross := d.X*k.Y - d.Y*k.X
	if d.Y < 0 { // ankle above hip (lying, inverted): orient the line downward anyway
		cross = -cross
	}
	offX := -cross // > 0: knee towards +x
	if offX*medialX >= 0 {
		return mag
	}
	return -mag
}

// Inclination returns the angle in degrees of the segment from -> to
// against the upward vertical, positive when `to` lies towards +x·dir.
// dir is +1 or -1 (e.g. the person's facing direction).
func Inclination(from, to Point, dir float64) float64 {
	if !from.ok() || !to.ok() || dir == 0 || math.IsNaN(dir) {
		return nan
	}
	d := to.sub(from)
	if d.X == 0 && d.Y == 0 {
		return nan
	}
	return math.Atan2(dir*d.X, -d.Y) * rad2deg
}

// LineTilt returns the tilt in degrees of the line from ref to other
// against the horizontal, positive when `other` lies lower in the image
// (y down) than ref.
func LineTilt(ref, other Point) float64 {
	if !ref.ok() || !other.ok() {
		return nan
	}
	d := other.sub(ref)
	if d.X == 0 && d.Y == 0 {
		return nan
	}
	return math.Atan2(d.Y, math.Abs(d.X)) * rad2deg
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
