package blazepose

import (
	"image"
	"image/draw"
	"math"
)

// sampler turns a region of an image into a network input: n x n RGB
// float32 values in NHWC order, each v·scale + offset for a channel value v
// in 0..255. It samples bilinearly, as MediaPipe's CPU ImageToTensor
// calculator does (OpenCV's warpPerspective): input pixel (i, j) reads the
// source at r.ToSource(i/n, j/n), with source pixel centres at integer
// coordinates. Points outside the image read black (zero) or, with
// replicate, the nearest edge pixel.
type sampler struct {
	n             int
	scale, offset float32
	replicate     bool
	// rgba receives images of other types, converted once per frame.
	rgba *image.RGBA
}

// toRGBA returns img as an *image.RGBA, converting other types into a
// reused buffer with image/draw (which has fast paths for decoder types).
func (s *sampler) toRGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok {
		return m
	}
	b := img.Bounds()
	if s.rgba == nil || s.rgba.Bounds() != b {
		s.rgba = image.NewRGBA(b)
	}
	draw.Draw(s.rgba, b, img, b.Min, draw.Src)
	return s.rgba
}

// sample fills dst (n*n*3 values) with region r of m. Coordinates are
// relative to m.Bounds().Min.
func (s *sampler) sample(dst []float32, m *image.RGBA, r Rect) {
	n := s.n
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	// The source point of input pixel (i, j) is affine in i and j.
	sn, cs := math.Sincos(r.Rotation)
	dxi, dyi := cs*r.W/float64(n), sn*r.W/float64(n)  // per column
	dxj, dyj := -sn*r.H/float64(n), cs*r.H/float64(n) // per row
	x0, y0 := r.ToSource(0, 0)
	border := s.offset // the value of a black pixel
	for j := 0; j < n; j++ {
		sx, sy := x0+float64(j)*dxj, y0+float64(j)*dyj
		row := dst[j*n*3 : (j+1)*n*3]
		for i := 0; i < n; i++ {
			px, py := sx+float64(i)*dxi, sy+float64(i)*dyi
			if s.replicate {
				px = min(max(px, 0), float64(w-1))
				py = min(max(py, 0), float64(h-1))
			}
			fx, fy := math.Floor(px), math.Floor(py)
			ix, iy := int(fx), int(fy)
			ax, ay := float32(px-fx), float32(py-fy)
			o := row[3*i : 3*i+3 : 3*i+3]
			if ix >= 0 && iy >= 0 && ix+1 < w && iy+1 < h {
				// All four taps inside: the common case.
				p := m.Pix[m.PixOffset(b.Min.X+ix, b.Min.Y+iy):]
				q := p[m.Stride:]
				for c := 0; c < 3; c++ {
					top := float32(p[c]) + (float32(p[4+c])-float32(p[c]))*ax
					bot := float32(q[c]) + (float32(q[4+c])-float32(q[c]))*ax
					o[c] = (top+(bot-top)*ay)*s.scale + s.offset
				}
				continue
			}
			if ix < -1 || iy < -1 || ix >= w || iy >= h {
				o[0], o[1], o[2] = border, border, border
				continue
			}
			// At the edge: taps outside the image read zero.
			for c := 0; c < 3; c++ {
				v00 := pixel(m, ix, iy, c)
				v10 := pixel(m, ix+1, iy, c)
				v01 := pixel(m, ix, iy+1, c)
				v11 := pixel(m, ix+1, iy+1, c)
				top := v00 + (v10-v00)*ax
				bot := v01 + (v11-v01)*ax
				o[c] = (top+(bot-top)*ay)*s.scale + s.offset
			}
		}
	}
}

// pixel returns channel c of pixel (x, y) relative to m's bounds, or 0
// outside them.
func pixel(m *image.RGBA, x, y, c int) float32 {
	b := m.Bounds()
	if x < 0 || y < 0 || x >= b.Dx() || y >= b.Dy() {
		return 0
	}
	return float32(m.Pix[m.PixOffset(b.Min.X+x, b.Min.Y+y)+c])
}
