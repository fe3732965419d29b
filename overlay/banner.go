package overlay

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"

	"github.com/kneescreen/kneescreen/screening"
)

// Anchor says where a banner goes.
type Anchor int

// Banner positions.
const (
	// TopRight: a badge in the top-right corner (the top-left one holds
	// the overlay's lines).
	TopRight Anchor = iota
	// Centre: across the middle of the frame, for what must be read
	// first (a framing problem).
	Centre
	// BottomCentre: above the bottom edge.
	BottomCentre
	// Right: halfway down the right edge, clear of a person standing in
	// the middle of the frame and of their feet (a coaching cue).
	Right
)

// LevelColour is the colour the overlay gives a level: green, amber and
// red for ok, watch and flag, blue otherwise.
func LevelColour(l screening.Level) color.RGBA { return levelColour(l) }

// Banner draws text on an opaque box of colour bg at anchor, in black or
// white, whichever reads better on bg. scale sizes the text relative to
// the overlay's lines (1 the same; a cue reads from across a room at 2).
func (d *Drawer) Banner(dst *image.RGBA, text string, bg color.RGBA, at Anchor, scale float64) {
	if text == "" {
		return
	}
	b := dst.Bounds()
	short := float64(min(b.Dx(), b.Dy()))
	size := int(math.Max(10, math.Round(short/28*scale)))
	face := d.face(size)
	if face == nil {
		return
	}
	pad := size / 2
	tw := font.MeasureString(face, text).Ceil()
	w, h := tw+2*pad, size+2*pad
	var r image.Rectangle
	switch at {
	case TopRight:
		margin := int(math.Max(10, math.Round(short/28))) / 2
		r = image.Rect(b.Max.X-margin-w, b.Min.Y+margin, b.Max.X-margin, b.Min.Y+margin+h)
	case Centre:
		cx, cy := (b.Min.X+b.Max.X)/2, (b.Min.Y+b.Max.Y)/2
		r = image.Rect(cx-w/2, cy-h/2, cx-w/2+w, cy-h/2+h)
	case Right:
		margin := int(math.Max(10, math.Round(short/28))) / 2
		cy := (b.Min.Y + b.Max.Y) / 2
		r = image.Rect(b.Max.X-margin-w, cy-h/2, b.Max.X-margin, cy-h/2+h)
	default:
		cx := (b.Min.X + b.Max.X) / 2
		r = image.Rect(cx-w/2, b.Max.Y-h-2*pad, cx-w/2+w, b.Max.Y-2*pad)
	}
	r = r.Intersect(b)
	draw.Draw(dst, r, image.NewUniform(bg), image.Point{}, draw.Src)
	fg := color.RGBA{255, 255, 255, 255}
	// Rec. 601 luma: dark text on light backgrounds (amber, green).
	if 0.299*float64(bg.R)+0.587*float64(bg.G)+0.114*float64(bg.B) > 150 {
		fg = color.RGBA{0, 0, 0, 255}
	}
	dr := font.Drawer{Dst: dst, Face: face, Src: image.NewUniform(fg), Dot: fixed.P(r.Min.X+pad, r.Min.Y+pad+size*4/5)}
	dr.DrawString(text)
}
