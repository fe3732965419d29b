package overlay

import (
	"image"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// glyphCache is a font.Face that keeps the glyph masks its face
// rasterises. An annotated video draws the same few characters on every
// frame (digits, "rep", "of", the knee labels four times over in black for
// their outline), and rasterising them again was a third of the overlay's
// drawing time.
//
// A glyph's mask depends only on the rune and the dot's sub-pixel offset:
// moving the dot by whole pixels moves the mask's rectangle by as many,
// with the same pixels (the face rasterises the outline biased to the
// rectangle's corner), so masks are kept by rune and sub-pixel offset and
// the text is drawn exactly as the face draws it
// (TestGlyphCacheDrawsTheSame).
type glyphCache struct {
	font.Face
	glyphs map[glyphKey]cachedGlyph
}

type glyphKey struct {
	r      rune
	dx, dy fixed.Int26_6 // the dot's sub-pixel offset, 0 to 63
}

type cachedGlyph struct {
	dr      image.Rectangle // for a dot at the key's offset from (0, 0)
	mask    *image.Alpha
	maskp   image.Point
	advance fixed.Int26_6
	ok      bool
}

func newGlyphCache(f font.Face) *glyphCache {
	return &glyphCache{Face: f, glyphs: map[glyphKey]cachedGlyph{}}
}

// Glyph implements font.Face.
func (c *glyphCache) Glyph(dot fixed.Point26_6, r rune) (image.Rectangle, image.Image, image.Point, fixed.Int26_6, bool) {
	k := glyphKey{r: r, dx: dot.X & 63, dy: dot.Y & 63}
	g, hit := c.glyphs[k]
	if !hit {
		dr, mask, maskp, advance, ok := c.Face.Glyph(fixed.Point26_6{X: k.dx, Y: k.dy}, r)
		alpha, isAlpha := mask.(*image.Alpha)
		if ok && !isAlpha {
			// Not the masks opentype makes: nothing to keep.
			return c.Face.Glyph(dot, r)
		}
		g = cachedGlyph{dr: dr, maskp: maskp, advance: advance, ok: ok}
		if ok {
			// The face reuses its mask's pixels for the next glyph.
			g.mask = &image.Alpha{Pix: append([]uint8(nil), alpha.Pix...), Stride: alpha.Stride, Rect: alpha.Rect}
		}
		c.glyphs[k] = g
	}
	if !g.ok {
		return image.Rectangle{}, nil, image.Point{}, 0, false
	}
	return g.dr.Add(image.Pt(dot.X.Floor(), dot.Y.Floor())), g.mask, g.maskp, g.advance, true
}
