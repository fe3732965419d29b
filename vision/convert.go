package vision

import (
	"fmt"
	"image"

	"gocv.io/x/gocv"
)

// matToRGBA converts an 8-bit BGR, BGRA or gray Mat to RGBA and copies it
// into dst, which is reused when it already has the Mat's size (otherwise a
// new image is allocated and returned). tmp is a scratch Mat the caller
// keeps across calls so OpenCV reuses its memory. This is the one place
// where OpenCV pixels become Go pixels: one cvtColor, one copy.
func matToRGBA(src gocv.Mat, tmp *gocv.Mat, dst *image.RGBA) (*image.RGBA, error) {
	if src.Empty() {
		return nil, fmt.Errorf("empty Mat")
	}
	if src.Type()&0x7 != gocv.MatTypeCV8U {
		return nil, fmt.Errorf("unsupported pixel depth (Mat type %v), want 8-bit", src.Type())
	}
	switch src.Channels() {
	case 3:
		gocv.CvtColor(src, tmp, gocv.ColorBGRToRGBA)
	case 4:
		gocv.CvtColor(src, tmp, gocv.ColorBGRAToRGBA)
	case 1:
		gocv.CvtColor(src, tmp, gocv.ColorGrayToBGRA) // same code as gray to RGBA
	default:
		return nil, fmt.Errorf("unsupported channel count %d", src.Channels())
	}
	w, h := tmp.Cols(), tmp.Rows()
	if dst == nil || dst.Rect.Dx() != w || dst.Rect.Dy() != h {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	data, err := tmp.DataPtrUint8()
	if err != nil {
		return nil, err
	}
	row := 4 * w
	if len(data) < row*h {
		return nil, fmt.Errorf("converted Mat holds %d bytes, want %d", len(data), row*h)
	}
	if dst.Stride == row && dst.Rect.Min == (image.Point{}) {
		copy(dst.Pix[:row*h], data)
		return dst, nil
	}
	for y := 0; y < h; y++ {
		off := dst.PixOffset(dst.Rect.Min.X, dst.Rect.Min.Y+y)
		copy(dst.Pix[off:off+row], data[y*row:(y+1)*row])
	}
	return dst, nil
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
