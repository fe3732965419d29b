package yuv

import (
	"errors"
	"fmt"
	"image"
)

// Matrix is the Y'CbCr matrix of a conversion: which weights of R, G and B
// make luma. Both give limited ("tv", "MPEG") range: Y' 16-235, Cb and Cr
// 16-240.
type Matrix int

const (
	// BT601 is ITU-R BT.601's matrix (Kr 0.299, Kb 0.114), swscale's
	// default and what players assume of untagged standard-definition
	// video.
	BT601 Matrix = iota
	// BT709 is ITU-R BT.709's matrix (Kr 0.2126, Kb 0.0722), what players
	// assume of untagged high-definition video.
	BT709
)

// String returns ffmpeg's name for the matrix ("smpte170m" or "bt709"),
// the value of its -colorspace option.
func (m Matrix) String() string {
	switch m {
	case BT601:
		return "smpte170m"
	case BT709:
		return "bt709"
	}
	return fmt.Sprintf("Matrix(%d)", int(m))
}

// ErrOddSize is returned for a frame whose width or height is odd: 4:2:0
// halves both, and H.264 would need the frame padded or cropped.
var ErrOddSize = errors.New("yuv: 4:2:0 needs an even frame width and height")

// shift is the fixed-point precision of the coefficients: 15 bits, so
// that they and the 2x2 sums of a channel (at most 1020) fit the signed 16
// bits of AVX2's multiply-add (VPMADDWD) and every sum fits 32 bits. A
// coefficient is then within 1/65536 of its exact value, which moves an
// output by at most 3 x 255 / 65536 < 0.012 of a step from the exact
// formula.
const shift = 15

// coeffs holds one matrix's coefficients scaled by 1<<shift, laid out as
// the AVX2 kernel loads them: y is R, G, B and 0 (for alpha), repeated for
// the four pixels a 128-bit lane holds; uv is Cb's R, G, B, 0 then Cr's,
// repeated for the two lanes. The Go version reads the same table.
type coeffs struct {
	y      [16]int16
	uv     [16]int16
	yBias  int32 // the constants below, for the kernel to broadcast
	uvBias int32
}

// The coefficients, from Kr and Kb: luma weights Kr, 1-Kr-Kb, Kb scaled by
// 219/255 (Y' spans 219 steps), chroma by 224/255 over 2(1-Kb) and
// 2(1-Kr). Each is rounded to the nearest integer, except that luma's green
// and the chroma's middle weights take what makes the sums exact: luma's
// sum is round(219/255 << 15), so every grey's Y' is the exact formula's
// rounded (checked in the tests), and each chroma row sums to zero, so a
// grey has Cb = Cr = 128 exactly, never a tint.
var tables = [...]coeffs{
	BT601: makeCoeffs([3]int16{8414, 16520, 3208}, [3]int16{-4857, -9535, 14392}, [3]int16{14392, -12051, -2341}),
	BT709: makeCoeffs([3]int16{5983, 20127, 2032}, [3]int16{-3298, -11094, 14392}, [3]int16{14392, -13072, -1320}),
}

func makeCoeffs(y, cb, cr [3]int16) coeffs {
	c := coeffs{yBias: yBias, uvBias: uvBias}
	for i := 0; i < 16; i += 4 {
		copy(c.y[i:], y[:])
	}
	for i := 0; i < 16; i += 8 {
		copy(c.uv[i:], cb[:])
		copy(c.uv[i+4:], cr[:])
	}
	return c
}

// Rounding and offsets, folded into one constant each: Y' adds 16 and
// half a step before the shift; Cb and Cr work on 2x2 sums (four times
// the mean, hence two more bits of shift) and add 128 and half a step.
const (
	yBias  = 16<<shift + 1<<(shift-1)
	uvBias = 128<<(shift+2) + 1<<(shift+1)
)

// Size returns the bytes of an I420 frame of w x h (w and h even): the
// luma plane, then the two chroma planes of a quarter of its size.
func Size(w, h int) int {
	return w*h + 2*(w/2)*(h/2)
}

// FromRGBA writes src as I420 into dst and returns it (dst is grown or
// allocated when it is shorter than Size): the Y' plane (width bytes a
// row), then Cb, then Cr (width/2 bytes a row), with no padding. Alpha is
// ignored. src may be any *image.RGBA, a sub-image or one whose stride
// is wider than its rows; its width and height must be even (ErrOddSize).
//
// Luma is each pixel's, rounded. Chroma is that of the mean of each 2x2
// block, rounded: the block's channels are summed and converted once,
// which is the mean of the four pixels' exact chroma. That centres the
// chroma sample in its block, as JPEG and MPEG-1 do, rather than on the
// block's left edge as MPEG-2 and H.264 assume by default; the encoder
// tags the stream to say so, and the difference is a quarter of a chroma
// sample either way. swscale, which this replaces, averages horizontal
// pairs the same way but filters vertically with its scaler (bicubic over
// four rows); on camera frames the two agree within a step or two, and the
// box needs no state across rows.
func FromRGBA(dst []byte, src *image.RGBA, m Matrix) ([]byte, error) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	if w%2 != 0 || h%2 != 0 {
		return dst, fmt.Errorf("%w, got %dx%d", ErrOddSize, w, h)
	}
	if m != BT601 && m != BT709 {
		return dst, fmt.Errorf("yuv: unknown matrix %d", int(m))
	}
	n := Size(w, h)
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	k := &tables[m]
	ys, us, vs := dst[:w*h], dst[w*h:w*h+w*h/4], dst[w*h+w*h/4:]
	cw := w / 2
	for y := 0; y < h; y += 2 {
		r0 := src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+y):][:4*w]
		r1 := src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+y+1):][:4*w]
		rowsKernel(ys[y*w:][:w], ys[(y+1)*w:][:w], us[y/2*cw:][:cw], vs[y/2*cw:][:cw], r0, r1, k)
	}
	return dst, nil
}

// rowsKernel converts two rows of len(y0) pixels (even): luma into y0 and
// y1, the 2x2 blocks' chroma into u and v. It is rowsGo, or its AVX2
// version (yuv_amd64.s), which does the same integer arithmetic.
var rowsKernel = rowsGo

// rowsGo is rowsKernel in Go.
func rowsGo(y0, y1, u, v, r0, r1 []byte, k *coeffs) {
	w := len(y0)
	y1, r0, r1 = y1[:w], r0[:4*w], r1[:4*w]
	u, v = u[:w/2], v[:w/2]
	yr, yg, yb := int32(k.y[0]), int32(k.y[1]), int32(k.y[2])
	ur, ug, ub := int32(k.uv[0]), int32(k.uv[1]), int32(k.uv[2])
	vr, vg, vb := int32(k.uv[4]), int32(k.uv[5]), int32(k.uv[6])
	for x := 0; x < w/2; x++ {
		a, b := r0[8*x:8*x+8:8*x+8], r1[8*x:8*x+8:8*x+8]
		ar0, ag0, ab0 := int32(a[0]), int32(a[1]), int32(a[2])
		ar1, ag1, ab1 := int32(a[4]), int32(a[5]), int32(a[6])
		br0, bg0, bb0 := int32(b[0]), int32(b[1]), int32(b[2])
		br1, bg1, bb1 := int32(b[4]), int32(b[5]), int32(b[6])
		y0[2*x] = uint8((yr*ar0 + yg*ag0 + yb*ab0 + yBias) >> shift)
		y0[2*x+1] = uint8((yr*ar1 + yg*ag1 + yb*ab1 + yBias) >> shift)
		y1[2*x] = uint8((yr*br0 + yg*bg0 + yb*bb0 + yBias) >> shift)
		y1[2*x+1] = uint8((yr*br1 + yg*bg1 + yb*bb1 + yBias) >> shift)
		r, g, bl := ar0+ar1+br0+br1, ag0+ag1+bg0+bg1, ab0+ab1+bb0+bb1
		u[x] = uint8((ur*r + ug*g + ub*bl + uvBias) >> (shift + 2))
		v[x] = uint8((vr*r + vg*g + vb*bl + uvBias) >> (shift + 2))
	}
}
