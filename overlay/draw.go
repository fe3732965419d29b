package overlay

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
)

// Overlay is what a Drawer puts on one frame: the skeleton, the
// hip-knee-ankle angle at each knee, the legs coloured by the level of
// their worst screening indicator, and a few lines of text (rep counter,
// movement).
type Overlay struct {
	// Skeleton names the points and gives the bones between them.
	Skeleton *pose.Skeleton
	// Points are the keypoints in frame pixels, in the skeleton's order; a
	// joint is drawn only when its OK flag is set.
	Points []Point
	// KneeAngle is the hip-knee-ankle angle in degrees per side (index 0
	// left, 1 right, the person's own sides); NaN leaves it out.
	KneeAngle [2]float64
	// Level colours each leg (index 0 left, 1 right): ok, watch or flag;
	// any other value ("" for none, not_assessable) draws the leg in the
	// neutral colour.
	Level [2]screening.Level
	// Lines are drawn top left in a dark box, one per line.
	Lines []string
}

// Point is one joint to draw.
type Point struct {
	X, Y float64
	OK   bool
}

// At returns the point of joint j, not OK when the skeleton lacks it.
func (o *Overlay) At(j pose.Joint) Point {
	if i, ok := o.Skeleton.Index(j); ok && i < len(o.Points) {
		return o.Points[i]
	}
	return Point{}
}

// SetKeypoints sets the skeleton and the points from keypoints in source
// pixels, scaled by sx, sy to the frame drawn on, and the knee angles from
// them. A keypoint is drawn when its position is known (not NaN) and, with
// minScore > 0, it is valid at minScore (pose.Keypoint.Valid): conditioned
// keypoints, NaN where missing, pass 0; a model's raw ones a score
// threshold.
func (o *Overlay) SetKeypoints(sk *pose.Skeleton, kps []pose.Keypoint, sx, sy, minScore float64) {
	o.Skeleton = sk
	o.Points = o.Points[:0]
	for _, k := range kps {
		ok := !math.IsNaN(k.X) && !math.IsNaN(k.Y)
		if minScore > 0 {
			ok = k.Valid(minScore)
		}
		o.Points = append(o.Points, Point{X: k.X * sx, Y: k.Y * sy, OK: ok})
	}
	for s, j := range [2][3]pose.Joint{{pose.LeftHip, pose.LeftKnee, pose.LeftAnkle}, {pose.RightHip, pose.RightKnee, pose.RightAnkle}} {
		o.KneeAngle[s] = math.NaN()
		h, k, a := o.At(j[0]), o.At(j[1]), o.At(j[2])
		if h.OK && k.OK && a.OK {
			pt := func(p Point) screening.Point { return screening.Point{X: p.X, Y: p.Y} }
			o.KneeAngle[s] = screening.JointAngle(pt(h), pt(k), pt(a))
		}
	}
}

// Colours of the overlay. Green/amber/red follow the traffic-light
// convention clinicians read without a legend.
var (
	colSkeleton = color.RGBA{240, 240, 240, 255}
	colJoint    = color.RGBA{30, 30, 30, 255}
	colNone     = color.RGBA{90, 170, 255, 255}
	colLevel    = map[screening.Level]color.RGBA{
		screening.LevelOK:    {40, 200, 90, 255},
		screening.LevelWatch: {255, 180, 0, 255},
		screening.LevelFlag:  {235, 50, 40, 255},
	}
	colText = color.RGBA{255, 255, 255, 255}
	colBox  = color.RGBA{0, 0, 0, 160} // premultiplied: translucent black
)

// legs per side: hip-knee, knee-ankle. They are drawn after the rest of
// the skeleton's bones, thicker and in their side's colour.
var legs = [2][2][2]pose.Joint{
	{{pose.LeftHip, pose.LeftKnee}, {pose.LeftKnee, pose.LeftAnkle}},
	{{pose.RightHip, pose.RightKnee}, {pose.RightKnee, pose.RightAnkle}},
}

// isLeg reports whether the bone between joints a and b is a leg segment.
func isLeg(a, b pose.Joint) bool {
	for _, side := range legs {
		for _, bn := range side {
			if (bn[0] == a && bn[1] == b) || (bn[0] == b && bn[1] == a) {
				return true
			}
		}
	}
	return false
}

var (
	fontOnce sync.Once
	fontBold *opentype.Font
	fontErr  error
)

// Drawer draws overlays, reusing its rasteriser, font faces and their
// glyphs from frame to frame. It is not safe for concurrent use; make one per goroutine.
type Drawer struct {
	z     vector.Rasterizer
	faces map[int]font.Face
}

// NewDrawer returns a drawer. The font (Go Bold, embedded in
// golang.org/x/image) is parsed once per process.
func NewDrawer() *Drawer {
	return &Drawer{faces: map[int]font.Face{}}
}

// Draw draws o on dst with a drawer of its own; for a video, keep one
// Drawer instead.
func Draw(dst *image.RGBA, o *Overlay) { NewDrawer().Draw(dst, o) }

// Draw draws o on dst. Sizes scale with the frame's shorter side, so the
// overlay reads the same on a phone's portrait video and a webcam.
func (d *Drawer) Draw(dst *image.RGBA, o *Overlay) {
	b := dst.Bounds()
	short := float64(min(b.Dx(), b.Dy()))
	w := math.Max(2, short/200) // line width
	r := w * 1.6                // joint radius

	if o.Skeleton != nil {
		for _, bn := range o.Skeleton.Bones() {
			if a, b := o.Skeleton.Joint(bn[0]), o.Skeleton.Joint(bn[1]); !isLeg(a, b) {
				d.segment(dst, o.At(a), o.At(b), w, colSkeleton)
			}
		}
	}
	for s := range 2 {
		c := levelColour(o.Level[s])
		for _, bn := range legs[s] {
			d.segment(dst, o.At(bn[0]), o.At(bn[1]), w*1.5, c)
		}
	}
	for j := range o.Points {
		p := o.Points[j]
		if !p.OK {
			continue
		}
		d.disc(dst, p.X, p.Y, r+w*0.6, colSkeleton)
		d.disc(dst, p.X, p.Y, r, colJoint)
	}
	size := int(math.Max(10, math.Round(short/28)))
	face := d.face(size)
	if face == nil {
		return
	}
	knees := [2]pose.Joint{pose.LeftKnee, pose.RightKnee}
	hips := [2]pose.Joint{pose.LeftHip, pose.RightHip}
	for s := range 2 {
		k := o.At(knees[s])
		if !k.OK || math.IsNaN(o.KneeAngle[s]) {
			continue
		}
		// Put the label on the outer side of the knee (away from the
		// other knee) so the two labels never overlap.
		dir := 1.0
		if other := o.At(knees[1-s]); other.OK && other.X > k.X {
			dir = -1
		} else if hip := o.At(hips[1-s]); !other.OK && hip.OK && hip.X > k.X {
			dir = -1
		}
		label := fmt.Sprintf("%s %.0f°", [2]string{"L", "R"}[s], o.KneeAngle[s])
		tw := font.MeasureString(face, label).Ceil()
		x := k.X + dir*(r*2+float64(size)/3)
		if dir < 0 {
			x -= float64(tw)
		}
		d.label(dst, face, label, int(x), int(k.Y)+size/3, levelColour(o.Level[s]))
	}
	if len(o.Lines) > 0 {
		d.textBox(dst, face, o.Lines, size)
	}
}

// levelColour is the colour of a leg graded l: traffic-light colours for
// ok, watch and flag, the neutral blue otherwise.
func levelColour(l screening.Level) color.RGBA {
	if c, ok := colLevel[l]; ok {
		return c
	}
	return colNone
}

// face returns the bold face at size pixels, nil if the font cannot be
// parsed (it is embedded, so that would be a broken build).
func (d *Drawer) face(size int) font.Face {
	if f, ok := d.faces[size]; ok {
		return f
	}
	fontOnce.Do(func() { fontBold, fontErr = opentype.Parse(gobold.TTF) })
	if fontErr != nil {
		return nil
	}
	f, err := opentype.NewFace(fontBold, &opentype.FaceOptions{Size: float64(size), DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil
	}
	c := newGlyphCache(f)
	d.faces[size] = c
	return c
}

// segment draws a thick anti-aliased line between two joints when both are
// known.
func (d *Drawer) segment(dst *image.RGBA, p, q Point, w float64, c color.RGBA) {
	if !p.OK || !q.OK {
		return
	}
	dx, dy := q.X-p.X, q.Y-p.Y
	l := math.Hypot(dx, dy)
	if l < 1e-6 || !finite(l) {
		return
	}
	nx, ny := -dy/l*w/2, dx/l*w/2
	quad := [4][2]float64{{p.X + nx, p.Y + ny}, {q.X + nx, q.Y + ny}, {q.X - nx, q.Y - ny}, {p.X - nx, p.Y - ny}}
	d.fill(dst, quad[:], c)
	d.disc(dst, p.X, p.Y, w/2, c)
	d.disc(dst, q.X, q.Y, w/2, c)
}

// disc draws a filled anti-aliased circle as a 24-gon.
func (d *Drawer) disc(dst *image.RGBA, x, y, r float64, c color.RGBA) {
	if !finite(x) || !finite(y) {
		return
	}
	var pts [24][2]float64
	for i := range pts {
		a := 2 * math.Pi * float64(i) / float64(len(pts))
		pts[i] = [2]float64{x + r*math.Cos(a), y + r*math.Sin(a)}
	}
	d.fill(dst, pts[:], c)
}

// fill rasterises a convex polygon over dst in a rasteriser sized to the
// polygon's bounding box (clipped to dst), so drawing a joint costs its own
// area, not the frame's.
func (d *Drawer) fill(dst *image.RGBA, pts [][2]float64, c color.RGBA) {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range pts {
		minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
		minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
	}
	if !finite(minX) || !finite(maxX) || !finite(minY) || !finite(maxY) {
		return
	}
	box := image.Rect(int(math.Floor(minX)), int(math.Floor(minY)), int(math.Ceil(maxX))+1, int(math.Ceil(maxY))+1).Intersect(dst.Bounds())
	if box.Empty() {
		return
	}
	d.z.Reset(box.Dx(), box.Dy())
	d.z.DrawOp = draw.Over
	ox, oy := float64(box.Min.X), float64(box.Min.Y)
	d.z.MoveTo(float32(pts[0][0]-ox), float32(pts[0][1]-oy))
	for _, p := range pts[1:] {
		d.z.LineTo(float32(p[0]-ox), float32(p[1]-oy))
	}
	d.z.ClosePath()
	d.z.Draw(dst, box, image.NewUniform(c), image.Point{})
}

// label draws text with a dark outline so it reads on any background.
func (d *Drawer) label(dst *image.RGBA, face font.Face, s string, x, y int, c color.RGBA) {
	dr := font.Drawer{Dst: dst, Face: face, Src: image.NewUniform(color.RGBA{0, 0, 0, 255})}
	for _, off := range [][2]int{{-2, 0}, {2, 0}, {0, -2}, {0, 2}} {
		dr.Dot = fixed.P(x+off[0], y+off[1])
		dr.DrawString(s)
	}
	dr.Src = image.NewUniform(c)
	dr.Dot = fixed.P(x, y)
	dr.DrawString(s)
}

// textBox draws lines in a translucent box in the top-left corner.
func (d *Drawer) textBox(dst *image.RGBA, face font.Face, lines []string, size int) {
	pad := size / 2
	wmax := 0
	for _, l := range lines {
		wmax = max(wmax, font.MeasureString(face, l).Ceil())
	}
	lh := size * 5 / 4
	b := dst.Bounds()
	box := image.Rect(b.Min.X+pad, b.Min.Y+pad, b.Min.X+3*pad+wmax, b.Min.Y+pad+lh*len(lines)+pad).Intersect(b)
	draw.Draw(dst, box, image.NewUniform(colBox), image.Point{}, draw.Over)
	dr := font.Drawer{Dst: dst, Face: face, Src: image.NewUniform(colText)}
	for i, l := range lines {
		dr.Dot = fixed.P(box.Min.X+pad, box.Min.Y+pad/2+lh*(i+1)-lh/5)
		dr.DrawString(l)
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
