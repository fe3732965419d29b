package bgr

import (
	"image"
	"image/color"
)

// Image is an image of 8-bit BGR pixels: the pixel at (x, y) starts at
// Pix[(y-Rect.Min.Y)*Stride+(x-Rect.Min.X)*3] and is blue, green, red. It
// is opaque.
type Image struct {
	// Pix holds the pixels, rows Stride bytes apart.
	Pix []uint8
	// Stride is the distance in bytes between vertically adjacent pixels.
	Stride int
	// Rect is the image's bounds.
	Rect image.Rectangle
}

// New returns a black image of bounds r, its rows packed.
func New(r image.Rectangle) *Image {
	return &Image{Pix: make([]uint8, 3*r.Dx()*r.Dy()), Stride: 3 * r.Dx(), Rect: r}
}

// ColorModel implements image.Image: the pixels are opaque RGBA colours.
func (m *Image) ColorModel() color.Model { return color.RGBAModel }

// Bounds implements image.Image.
func (m *Image) Bounds() image.Rectangle { return m.Rect }

// At implements image.Image.
func (m *Image) At(x, y int) color.Color {
	if !(image.Point{x, y}.In(m.Rect)) {
		return color.RGBA{}
	}
	p := m.Pix[m.PixOffset(x, y):][:3]
	return color.RGBA{R: p[2], G: p[1], B: p[0], A: 255}
}

// PixOffset is the index in Pix of the first byte of pixel (x, y).
func (m *Image) PixOffset(x, y int) int {
	return (y-m.Rect.Min.Y)*m.Stride + (x-m.Rect.Min.X)*3
}

// ToRGBA writes m into dst as opaque RGBA, reusing dst when it has m's
// size (else a new image at the origin is returned), and returns it. It is
// the plain Go conversion, for consumers that need RGBA now and then;
// vision converts whole frames faster.
func (m *Image) ToRGBA(dst *image.RGBA) *image.RGBA {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	if dst == nil || dst.Rect.Dx() != w || dst.Rect.Dy() != h {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	for y := range h {
		s := m.Pix[y*m.Stride:][:3*w]
		d := dst.Pix[dst.PixOffset(dst.Rect.Min.X, dst.Rect.Min.Y+y):][:4*w]
		for x := range w {
			p, q := s[3*x:3*x+3:3*x+3], d[4*x:4*x+4:4*x+4]
			q[0], q[1], q[2], q[3] = p[2], p[1], p[0], 255
		}
	}
	return dst
}
