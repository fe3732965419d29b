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
//
// Every frame of a tracked video is sampled (twice with mirror averaging),
// so the common case, all four taps inside the image, is written for speed:
// the tap's row offset is computed once per pixel, the floor of a
// non-negative coordinate is its integer conversion, and the three channels
// are unrolled. The arithmetic is the same as the edge path's, so the
// result does not depend on which path a pixel takes (TestSamplerFastPath
// compares it with the plain formula bit for bit).
func (s *sampler) sample(dst []float32, m *image.RGBA, r Rect) {
	n := s.n
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	// The source point of input pixel (i, j) is affine in i and j.
	sn, cs := math.Sincos(r.Rotation)
	dxi, dyi := cs*r.W/float64(n), sn*r.W/float64(n)  // per column
	dxj, dyj := -sn*r.H/float64(n), cs*r.H/float64(n) // per row
	x0, y0 := r.ToSource(0, 0)
	scale, offset := s.scale, s.offset
	pix, stride := m.Pix, m.Stride
	xmax, ymax := float64(w-1), float64(h-1)
	// m.Pix starts at b.Min, so pixel (x, y) relative to it is at
	// y*stride + 4*x.
	for j := 0; j < n; j++ {
		sx, sy := x0+float64(j)*dxj, y0+float64(j)*dyj
		row := dst[j*n*3 : (j+1)*n*3]
		for i := 0; i < n; i++ {
			px, py := sx+float64(i)*dxi, sy+float64(i)*dyi
			if s.replicate {
				// min(max(p, 0), max) without the builtins' NaN and
				// signed-zero handling, which costs more than the
				// sampling itself; a NaN stays NaN as with them.
				if px < 0 {
					px = 0
				} else if px > xmax {
					px = xmax
				}
				if py < 0 {
					py = 0
				} else if py > ymax {
					py = ymax
				}
			}
			o := row[3*i : 3*i+3 : 3*i+3]
			if px >= 0 && py >= 0 {
				ix, iy := int(px), int(py)
				if ix+1 < w && iy+1 < h {
					ax, ay := float32(px-float64(ix)), float32(py-float64(iy))
					k := iy*stride + 4*ix
					p := pix[k : k+8 : k+8]
					q := pix[k+stride : k+stride+8 : k+stride+8]
					top := float32(p[0]) + (float32(p[4])-float32(p[0]))*ax
					bot := float32(q[0]) + (float32(q[4])-float32(q[0]))*ax
					o[0] = (top+(bot-top)*ay)*scale + offset
					top = float32(p[1]) + (float32(p[5])-float32(p[1]))*ax
					bot = float32(q[1]) + (float32(q[5])-float32(q[1]))*ax
					o[1] = (top+(bot-top)*ay)*scale + offset
					top = float32(p[2]) + (float32(p[6])-float32(p[2]))*ax
					bot = float32(q[2]) + (float32(q[6])-float32(q[2]))*ax
					o[2] = (top+(bot-top)*ay)*scale + offset
					continue
				}
			}
			s.sampleEdge(o, m, px, py)
		}
	}
}

// sampleEdge samples one pixel at source point (px, py) whose taps are not
// all inside m: taps outside read zero, a point beyond the border black.
func (s *sampler) sampleEdge(o []float32, m *image.RGBA, px, py float64) {
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	fx, fy := math.Floor(px), math.Floor(py)
	ix, iy := int(fx), int(fy)
	ax, ay := float32(px-fx), float32(py-fy)
	if ix < -1 || iy < -1 || ix >= w || iy >= h {
		o[0], o[1], o[2] = s.offset, s.offset, s.offset // a black pixel
		return
	}
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

// pixel returns channel c of pixel (x, y) relative to m's bounds, or 0
// outside them.
func pixel(m *image.RGBA, x, y, c int) float32 {
	b := m.Bounds()
	if x < 0 || y < 0 || x >= b.Dx() || y >= b.Dy() {
		return 0
	}
	return float32(m.Pix[m.PixOffset(b.Min.X+x, b.Min.Y+y)+c])
}
