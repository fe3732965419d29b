package kernels

import "fmt"

// ConvGeom is the geometry of a 2-D convolution of one NCHW image, for
// Im2col. Bottom and right pads are implied by OH and OW.
type ConvGeom struct {
	C, H, W        int // input channels and plane size
	KH, KW         int // kernel size
	SH, SW, DH, DW int // strides and dilations
	PT, PL         int // top and left pads
	OH, OW         int // output plane size
}

// Im2colRows returns the number of rows of the im2col matrix, C*KH*KW: the
// K of the matrix multiply with weights [M, C, KH, KW].
func (g *ConvGeom) Im2colRows() int { return g.C * g.KH * g.KW }

// InsideCols returns the output columns [lo, hi), of ow, whose input column
// ox*stride + off lies inside an image row of w columns: for a kernel tap
// at offset off, the columns that read the image rather than the padding.
// The range is empty when lo >= hi; lo is not clamped to ow.
func InsideCols(off, stride, w, ow int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	if last := w - 1 - off; last >= 0 {
		hi = min(last/stride+1, ow)
	}
	return lo, hi
}

// Im2col writes columns [n0, n1) of the im2col matrix of src (one C x H x W
// image) to dst with row stride ldd: row (c*KH+ky)*KW+kx, column
// n = oy*OW+ox holds src[c][oy*SH-PT+ky*DH][ox*SW-PL+kx*DW], or 0 where that
// falls in the padding. Column n lands at dst[row*ldd + n-n0], so workers
// can each expand only the output columns they compute.
func Im2col(dst []float32, ldd int, src []float32, g *ConvGeom, n0, n1 int) {
	cols := n1 - n0
	rows := g.Im2colRows()
	if n0 < 0 || n1 > g.OH*g.OW || cols < 0 || ldd < cols || len(src) < g.C*g.H*g.W || (rows > 0 && cols > 0 && len(dst) < (rows-1)*ldd+cols) {
		panic(fmt.Sprintf("kernels: Im2col columns [%d,%d) of %dx%d into %d with ldd %d", n0, n1, g.OH, g.OW, len(dst), ldd))
	}
	if cols == 0 {
		return
	}
	for c := 0; c < g.C; c++ {
		plane := src[c*g.H*g.W : (c+1)*g.H*g.W]
		for ky := 0; ky < g.KH; ky++ {
			for kx := 0; kx < g.KW; kx++ {
				row := dst[((c*g.KH+ky)*g.KW+kx)*ldd:][:cols]
				off := kx*g.DW - g.PL
				ox0, ox1 := InsideCols(off, g.SW, g.W, g.OW)
				for n := n0; n < n1; {
					oy, ox := n/g.OW, n%g.OW
					end := min(n1, (oy+1)*g.OW) // this output row's part
					seg := row[n-n0 : end-n0]
					iy := oy*g.SH - g.PT + ky*g.DH
					if iy < 0 || iy >= g.H {
						clear(seg)
						n = end
						continue
					}
					in := plane[iy*g.W : (iy+1)*g.W]
					lo := min(max(ox0-ox, 0), len(seg))
					hi := max(min(ox1-ox, len(seg)), lo)
					clear(seg[:lo])
					clear(seg[hi:])
					if lo < hi {
						ix := (ox+lo)*g.SW + off
						switch g.SW {
						case 1:
							copy(seg[lo:hi], in[ix:])
						case 2:
							// The rest of the plane, not just of the
							// row: the vector kernel reads whole
							// blocks, and odd values past the row's
							// last even one are read but not kept.
							evens(seg[lo:hi], plane[iy*g.W+ix:])
						default:
							body := seg[lo:hi]
							in := in[ix : ix+(len(body)-1)*g.SW+1]
							for i := range body {
								body[i] = in[i*g.SW]
							}
						}
					}
					n = end
				}
			}
		}
	}
}

// evensGo sets dst[i] = src[2*i].
func evensGo(dst, src []float32) {
	if len(dst) == 0 {
		return
	}
	src = src[:2*len(dst)-1]
	for i := range dst {
		dst[i] = src[2*i]
	}
}
