package vision

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
)

// Overlay is what DrawOverlay puts on one frame: the skeleton, the
// hip-knee-ankle angle at each knee, the legs coloured by the level of
// their worst screening indicator, and a few lines of text (rep counter,
// movement). It carries plain values so that vision stays independent of
// the screening package.
type Overlay struct {
	// Skeleton names the points and gives the bones between them.
	Skeleton *pose.Skeleton
	// Points are the keypoints in frame pixels, in the skeleton's order; a
	// joint is drawn only when its OK flag is set.
	Points []OverlayPoint
	// KneeAngle is the hip-knee-ankle angle in degrees per side (index 0
	// left, 1 right, the person's own sides); NaN leaves it out.
	KneeAngle [2]float64
	// Level colours each leg (index 0 left, 1 right).
	Level [2]Level
	// Lines are drawn top left in a dark box, one per line.
	Lines []string
}

// OverlayPoint is one joint to draw.
type OverlayPoint struct {
	X, Y float64
	OK   bool
}

// Level is the screening grade a leg is coloured with.
type Level int

// Levels, from neutral to worst.
const (
	// LevelNone draws the leg like the rest of the skeleton.
	LevelNone Level = iota
	LevelOK
	LevelWatch
	LevelFlag
)

// Colours of the overlay. Green/amber/red follow the traffic-light
// convention clinicians read without a legend.
var (
	colSkeleton = color.RGBA{240, 240, 240, 255}
	colJoint    = color.RGBA{30, 30, 30, 255}
	colLevel    = [...]color.RGBA{
		LevelNone:  {90, 170, 255, 255},
		LevelOK:    {40, 200, 90, 255},
		LevelWatch: {255, 180, 0, 255},
		LevelFlag:  {235, 50, 40, 255},
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

// Point returns the point of joint j, not OK when the skeleton lacks it.
func (o *Overlay) Point(j pose.Joint) OverlayPoint {
	if i, ok := o.Skeleton.Index(j); ok && i < len(o.Points) {
		return o.Points[i]
	}
	return OverlayPoint{}
}

var (
	fontOnce sync.Once
	fontBold *opentype.Font
	fontErr  error
)

// OverlayDrawer draws overlays, reusing its rasteriser and font faces from
// frame to frame. It is not safe for concurrent use; make one per
// goroutine.
type OverlayDrawer struct {
	z      vector.Rasterizer
	faces  map[int]font.Face
	scaled map[int]float64
}

// NewOverlayDrawer returns a drawer. The font (Go Bold, embedded in
// golang.org/x/image) is parsed once per process.
func NewOverlayDrawer() *OverlayDrawer {
	return &OverlayDrawer{faces: map[int]font.Face{}}
}

// DrawOverlay draws o on dst with a drawer of its own; for a video, keep
// one OverlayDrawer instead.
func DrawOverlay(dst *image.RGBA, o *Overlay) { NewOverlayDrawer().Draw(dst, o) }

// Draw draws o on dst. Sizes scale with the frame's shorter side, so the
// overlay reads the same on a phone's portrait video and a webcam.
func (d *OverlayDrawer) Draw(dst *image.RGBA, o *Overlay) {
	b := dst.Bounds()
	short := float64(min(b.Dx(), b.Dy()))
	w := math.Max(2, short/200) // line width
	r := w * 1.6                // joint radius

	if o.Skeleton != nil {
		for _, bn := range o.Skeleton.Bones() {
			if a, b := o.Skeleton.Joint(bn[0]), o.Skeleton.Joint(bn[1]); !isLeg(a, b) {
				d.segment(dst, o.Point(a), o.Point(b), w, colSkeleton)
			}
		}
	}
	for s := range 2 {
		c := colLevel[clampLevel(o.Level[s])]
		for _, bn := range legs[s] {
			d.segment(dst, o.Point(bn[0]), o.Point(bn[1]), w*1.5, c)
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
		k := o.Point(knees[s])
		if !k.OK || math.IsNaN(o.KneeAngle[s]) {
			continue
		}
		// Put the label on the outer side of the knee (away from the
		// other knee) so the two labels never overlap.
		dir := 1.0
		if other := o.Point(knees[1-s]); other.OK && other.X > k.X {
			dir = -1
		} else if hip := o.Point(hips[1-s]); !other.OK && hip.OK && hip.X > k.X {
			dir = -1
		}
		label := fmt.Sprintf("%s %.0f°", [2]string{"L", "R"}[s], o.KneeAngle[s])
		tw := font.MeasureString(face, label).Ceil()
		x := k.X + dir*(r*2+float64(size)/3)
		if dir < 0 {
			x -= float64(tw)
		}
		d.label(dst, face, label, int(x), int(k.Y)+size/3, colLevel[clampLevel(o.Level[s])])
	}
	if len(o.Lines) > 0 {
		d.textBox(dst, face, o.Lines, size)
	}
}

func clampLevel(l Level) Level {
	if l < LevelNone || l > LevelFlag {
		return LevelNone
	}
	return l
}

// face returns the bold face at size pixels, nil if the font cannot be
// parsed (it is embedded, so that would be a broken build).
func (d *OverlayDrawer) face(size int) font.Face {
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
	d.faces[size] = f
	return f
}

// segment draws a thick anti-aliased line between two joints when both are
// known.
func (d *OverlayDrawer) segment(dst *image.RGBA, p, q OverlayPoint, w float64, c color.RGBA) {
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
func (d *OverlayDrawer) disc(dst *image.RGBA, x, y, r float64, c color.RGBA) {
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
func (d *OverlayDrawer) fill(dst *image.RGBA, pts [][2]float64, c color.RGBA) {
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
func (d *OverlayDrawer) label(dst *image.RGBA, face font.Face, s string, x, y int, c color.RGBA) {
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
func (d *OverlayDrawer) textBox(dst *image.RGBA, face font.Face, lines []string, size int) {
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
