package vision

import (
	"fmt"
	"image"

	"gocv.io/x/gocv"

	"github.com/kneescreen/kneescreen/internal/bgr"
)

// rgbaScratch holds what matToRGBA reuses from one frame to the next.
type rgbaScratch struct {
	// tmp receives the converted frame when it cannot be written in place.
	tmp gocv.Mat
	// hdr is a Mat header over the pixels (first byte pix) of the image
	// last converted in place, kept while the caller reuses that image.
	hdr gocv.Mat
	pix *byte
}

func newRGBAScratch() *rgbaScratch {
	return &rgbaScratch{tmp: gocv.NewMat()}
}

func (s *rgbaScratch) close() {
	s.tmp.Close()
	s.dropHeader()
}

func (s *rgbaScratch) dropHeader() {
	if s.pix != nil {
		s.hdr.Close()
		s.pix = nil
	}
}

// matToRGBA converts an 8-bit BGR, BGRA or gray Mat to RGBA into dst,
// which is reused when it already has the Mat's size (otherwise a new
// image is allocated and returned). This is the one place where OpenCV
// pixels become Go pixels.
//
// When dst's pixels are one contiguous block (as the frames the sources
// allocate are), cvtColor writes straight into them through a Mat header
// over dst.Pix (GoCV's NewMatFromBytes, which keeps no copy): a 720p frame
// is 3.7 MB that would otherwise be converted into s.tmp and then copied,
// about 0.3 ms a frame. The bytes are the same either way.
func matToRGBA(src gocv.Mat, s *rgbaScratch, dst *image.RGBA) (*image.RGBA, error) {
	if src.Empty() {
		return nil, fmt.Errorf("empty Mat")
	}
	if src.Type()&0x7 != gocv.MatTypeCV8U {
		return nil, fmt.Errorf("unsupported pixel depth (Mat type %v), want 8-bit", src.Type())
	}
	code, err := toRGBACode(src.Channels())
	if err != nil {
		return nil, err
	}
	w, h := src.Cols(), src.Rows()
	if dst == nil || dst.Rect.Dx() != w || dst.Rect.Dy() != h {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	row := 4 * w
	if dst.Stride == row && dst.Rect.Min == (image.Point{}) && len(dst.Pix) >= row*h {
		if ok, err := s.convertInPlace(src, code, dst.Pix[:row*h], w, h); err != nil || ok {
			return dst, err
		}
	}
	gocv.CvtColor(src, &s.tmp, code)
	data, err := s.tmp.DataPtrUint8()
	if err != nil {
		return nil, err
	}
	if len(data) < row*h {
		return nil, fmt.Errorf("converted Mat holds %d bytes, want %d", len(data), row*h)
	}
	for y := 0; y < h; y++ {
		off := dst.PixOffset(dst.Rect.Min.X, dst.Rect.Min.Y+y)
		copy(dst.Pix[off:off+row], data[y*row:(y+1)*row])
	}
	return dst, nil
}

// toRGBACode is the cvtColor code that turns an 8-bit Mat of n channels
// into RGBA.
func toRGBACode(n int) (gocv.ColorConversionCode, error) {
	switch n {
	case 3:
		return gocv.ColorBGRToRGBA, nil
	case 4:
		return gocv.ColorBGRAToRGBA, nil
	case 1:
		return gocv.ColorGrayToBGRA, nil // same code as gray to RGBA
	}
	return 0, fmt.Errorf("unsupported channel count %d", n)
}

// convertInPlace converts src with code into pix, w x h RGBA pixels with
// no gap between rows, through a Mat header over pix (made again only when
// pix is not the last call's). It reports false, pix to be ignored, if
// OpenCV put the result anywhere else, which it does only when the
// header's size or type is not the result's; the caller then converts the
// usual way.
func (s *rgbaScratch) convertInPlace(src gocv.Mat, code gocv.ColorConversionCode, pix []byte, w, h int) (bool, error) {
	if s.pix != &pix[0] || s.hdr.Cols() != w || s.hdr.Rows() != h {
		s.dropHeader()
		m, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC4, pix)
		if err != nil {
			return false, err
		}
		s.hdr, s.pix = m, &pix[0]
	}
	gocv.CvtColor(src, &s.hdr, code)
	data, err := s.hdr.DataPtrUint8()
	if err != nil {
		return false, err
	}
	if len(data) != len(pix) || &data[0] != &pix[0] {
		s.dropHeader()
		return false, nil
	}
	return true, nil
}

// rgbaToBGR copies img into the 8UC4 scratch Mat rgba (reallocated when its
// size differs) and converts it to BGR in dst, for OpenCV's writers.
func rgbaToBGR(img *image.RGBA, rgba, dst *gocv.Mat) error {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if rgba.Empty() || rgba.Cols() != w || rgba.Rows() != h || rgba.Type() != gocv.MatTypeCV8UC4 {
		rgba.Close()
		*rgba = gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC4)
	}
	data, err := rgba.DataPtrUint8()
	if err != nil {
		return err
	}
	row := 4 * w
	for y := 0; y < h; y++ {
		off := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y)
		copy(data[y*row:(y+1)*row], img.Pix[off:off+row])
	}
	gocv.CvtColor(*rgba, dst, gocv.ColorRGBAToBGR)
	return nil
}

// reduceBGR writes the 8-bit BGR Mat src reduced k times in each direction
// into dst as RGBA (reused when it has the reduced size): each channel the
// rounded mean of a k x k block, (sum + k*k/2) / (k*k), alpha 255, the
// right and bottom pixels that fill no block dropped. small and tmp are
// scratch the caller keeps across calls.
//
// The common factor 2 (1080p, a phone's 1080x1920) goes through OpenCV's
// area resize, whose integer-scale path computes exactly (a+b+c+d+2)>>2 per
// channel with SIMD, then the colour conversion of the quarter-size frame:
// a few times faster than the loop below, which serves the other factors
// (and is the reference the tests hold the OpenCV path to). Either way the
// full-size frame is read once, where converting it to RGBA, copying and
// reducing would go over it three times.
func reduceBGR(src gocv.Mat, k int, small *gocv.Mat, tmp *rgbaScratch, dst *image.RGBA) (*image.RGBA, error) {
	W, H := src.Cols(), src.Rows()
	w, h := W/k, H/k
	if w == 0 || h == 0 {
		return nil, fmt.Errorf("frame of %dx%d is smaller than its reduction %d", W, H, k)
	}
	if k == 2 {
		if err := reduce2BGR(src, small); err != nil {
			return nil, err
		}
		return matToRGBA(*small, tmp, dst)
	}
	return reduceBGRLoop(src, k, w, h, dst)
}

// reduce2BGR writes the 8-bit BGR Mat src reduced twice in each direction
// into dst, still BGR: reduceBGR's factor 2, before the colour conversion.
func reduce2BGR(src gocv.Mat, dst *gocv.Mat) error {
	W, H := src.Cols(), src.Rows()
	w, h := W/2, H/2
	if w == 0 || h == 0 {
		return fmt.Errorf("frame of %dx%d is smaller than its reduction 2", W, H)
	}
	// The region that fills whole blocks, so that OpenCV takes its
	// integer-scale path (an odd width or height would not).
	roi := src
	if W != 2*w || H != 2*h {
		roi = src.Region(image.Rect(0, 0, 2*w, 2*h))
		defer roi.Close()
	}
	gocv.Resize(roi, dst, image.Pt(w, h), 0, 0, gocv.InterpolationArea)
	return nil
}

// matToBGR copies the 8-bit BGR Mat src into dst, reused when it has the
// Mat's size (otherwise a new image is allocated and returned): the one
// place where OpenCV's BGR pixels become Go pixels.
func matToBGR(src gocv.Mat, dst *bgr.Image) (*bgr.Image, error) {
	if src.Empty() || src.Type() != gocv.MatTypeCV8UC3 {
		return nil, fmt.Errorf("want an 8-bit BGR Mat, have type %v", src.Type())
	}
	w, h := src.Cols(), src.Rows()
	if dst == nil || dst.Rect.Dx() != w || dst.Rect.Dy() != h {
		dst = bgr.New(image.Rect(0, 0, w, h))
	}
	data, err := src.DataPtrUint8()
	if err != nil {
		return nil, err
	}
	row := 3 * w
	step := src.Step()
	if len(data) < step*(h-1)+row {
		return nil, fmt.Errorf("decoded Mat holds %d bytes, want %d", len(data), step*(h-1)+row)
	}
	if step == row && dst.Stride == row {
		copy(dst.Pix[:row*h], data[:row*h])
		return dst, nil
	}
	for y := range h {
		copy(dst.Pix[y*dst.Stride:][:row], data[y*step:][:row])
	}
	return dst, nil
}

// BGRConverter makes RGBA frames, reduced or not, from BGR frames
// (Frame.BGR) with reduceBGR's OpenCV paths: exactly the pixels the
// source would have handed out as Image. It keeps OpenCV scratch between
// calls; Close frees it. One goroutine at a time.
type BGRConverter struct {
	small gocv.Mat
	rgba  *rgbaScratch
}

// NewBGRConverter returns a converter; Close it when done.
func NewBGRConverter() *BGRConverter {
	return &BGRConverter{small: gocv.NewMat(), rgba: newRGBAScratch()}
}

// ToRGBA writes src reduced k times in each direction (k <= 1: as it is)
// into dst as RGBA, reused when it has the result's size, and returns it:
// what SetReduction(k) makes of the same decoded frame. src's rows must
// be packed (Stride three bytes a pixel), as a source's frames are.
func (c *BGRConverter) ToRGBA(dst *image.RGBA, src *bgr.Image, k int) (*image.RGBA, error) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	if src.Stride != 3*w || len(src.Pix) < 3*w*h || w == 0 || h == 0 {
		return nil, fmt.Errorf("vision: BGR frame of %dx%d with stride %d is not packed", w, h, src.Stride)
	}
	m, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC3, src.Pix[:3*w*h])
	if err != nil {
		return nil, fmt.Errorf("vision: BGR frame: %w", err)
	}
	defer m.Close()
	if k > 1 {
		return reduceBGR(m, k, &c.small, c.rgba, dst)
	}
	return matToRGBA(m, c.rgba, dst)
}

// Close frees the converter's OpenCV memory. It is safe to call more
// than once.
func (c *BGRConverter) Close() {
	if c.rgba == nil {
		return
	}
	c.small.Close()
	c.rgba.close()
	c.rgba = nil
}

// reduceBGRLoop is reduceBGR for any factor, in Go, into w x h = src's
// size / k (not empty: reduceBGR checks).
func reduceBGRLoop(src gocv.Mat, k, w, h int, dst *image.RGBA) (*image.RGBA, error) {
	W, H := src.Cols(), src.Rows()
	data, err := src.DataPtrUint8()
	if err != nil {
		return nil, err
	}
	row := 3 * W
	if !src.IsContinuous() || len(data) < row*H {
		return nil, fmt.Errorf("decoded Mat holds %d bytes, want %d", len(data), row*H)
	}
	if dst == nil || dst.Rect.Dx() != w || dst.Rect.Dy() != h {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	n := uint(k * k)
	for y := 0; y < h; y++ {
		d := dst.Pix[dst.PixOffset(dst.Rect.Min.X, dst.Rect.Min.Y+y):][:4*w]
		for x := 0; x < w; x++ {
			var r, g, b uint
			for yy := 0; yy < k; yy++ {
				px := data[(y*k+yy)*row+3*x*k:][:3*k]
				for xx := 0; xx < 3*k; xx += 3 {
					b += uint(px[xx])
					g += uint(px[xx+1])
					r += uint(px[xx+2])
				}
			}
			d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = uint8((r+n/2)/n), uint8((g+n/2)/n), uint8((b+n/2)/n), 255
		}
	}
	return dst, nil
}
