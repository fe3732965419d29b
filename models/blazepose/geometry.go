package blazepose

import "math"

// Rect is a rotated rectangle in source pixels: the region of interest a
// network input is sampled from.
type Rect struct {
	// CX and CY are the centre.
	CX, CY float64
	// W and H are the side lengths along the rectangle's own axes.
	W, H float64
	// Rotation is the angle (radians) by which the rectangle's axes are
	// turned from the image's, clockwise on screen (image y points down):
	// a region of a person lying with the head to the right has Rotation
	// π/2, so that the sampled crop shows them upright.
	Rotation float64
}

// ToSource maps a point given in the rectangle's normalised coordinates
// (u, v in 0..1 across its width and height, before rotation) to source
// pixels: centre + R·(w·(u-½), h·(v-½)).
func (r Rect) ToSource(u, v float64) (x, y float64) {
	lx, ly := (u-0.5)*r.W, (v-0.5)*r.H
	s, c := math.Sincos(r.Rotation)
	return r.CX + c*lx - s*ly, r.CY + s*lx + c*ly
}

// FromSource is the inverse of ToSource.
func (r Rect) FromSource(x, y float64) (u, v float64) {
	dx, dy := x-r.CX, y-r.CY
	s, c := math.Sincos(r.Rotation)
	lx, ly := c*dx+s*dy, -s*dx+c*dy
	return lx/r.W + 0.5, ly/r.H + 0.5
}

// letterbox is the region that fits a w x h image onto a square input
// while keeping its aspect ratio: the whole image, extended on its short
// side (MediaPipe's keep_aspect_ratio).
func letterbox(w, h int) Rect {
	side := float64(max(w, h))
	return Rect{CX: float64(w) / 2, CY: float64(h) / 2, W: side, H: side}
}

// Region parameters of MediaPipe's pose graphs (pose_detection_to_roi and
// pose_landmarks_to_roi): the body stands upright in the crop when the
// vector from the hip centre to the scale point points up (90°), and the
// square twice the hip-to-scale-point distance wide is enlarged 1.25 times.
const (
	roiTargetAngle = math.Pi / 2
	roiScale       = 1.25
)

// alignmentRect builds the region of interest from the two alignment
// points: centred on the hip centre, a square of side 2·|scale - hip|·1.25,
// rotated so that the scale point is straight above the hips in the crop.
func alignmentRect(hipX, hipY, scaleX, scaleY float64) Rect {
	dx, dy := scaleX-hipX, scaleY-hipY
	side := 2 * math.Hypot(dx, dy) * roiScale
	rot := normalizeRadians(roiTargetAngle - math.Atan2(-dy, dx))
	return Rect{CX: hipX, CY: hipY, W: side, H: side, Rotation: rot}
}

// normalizeRadians maps an angle into [-π, π).
func normalizeRadians(a float64) float64 {
	return a - 2*math.Pi*math.Floor((a+math.Pi)/(2*math.Pi))
}
