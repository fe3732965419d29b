package vision

import (
	"context"
	"image"

	"gocv.io/x/gocv"

	"github.com/kneescreen/kneescreen/internal/bgr"
)

// OpenCV property ids that gocv v0.31 does not name (videoio.hpp).
const (
	propOrientationMeta gocv.VideoCaptureProperties = 48
	propOrientationAuto gocv.VideoCaptureProperties = 49
)

// capture is the part of a video file or camera source that owns OpenCV
// state: the VideoCapture and the Mats reused for every frame.
type capture struct {
	vc       *gocv.VideoCapture
	bgr      gocv.Mat     // as decoded
	rotated  gocv.Mat     // bgr turned upright, when rotation != 0
	rgba     *rgbaScratch // scratch for the colour conversion
	small    gocv.Mat     // scratch for the reduced BGR frame
	img      image.Image  // the buffer Next lends out
	rotation int
	reduce   int  // > 1: frames are reduced this many times (SetReduction)
	bgrOut   bool // hand out BGR frames where exact (Video.SetBGR)
	closed   bool
}

func newCapture(vc *gocv.VideoCapture, rotation int) *capture {
	return &capture{vc: vc, bgr: gocv.NewMat(), rotated: gocv.NewMat(), rgba: newRGBAScratch(), small: gocv.NewMat(), rotation: rotation}
}

// read decodes the next frame into c.bgr; false at the end of the stream.
func (c *capture) read(ctx context.Context) (bool, error) {
	if c.closed {
		return false, errClosed
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	return c.vc.Read(&c.bgr) && !c.bgr.Empty(), nil
}

// frame turns the frame last read upright and converts it into dst
// (reused when it has the right size and type, see matToRGBA), as a
// Frame's Image, or its BGR where c.bgrOut asks for it and the reduction
// can be made exactly in BGR (reduceBGR's integer-scale OpenCV path).
func (c *capture) frame(dst image.Image) (Frame, error) {
	src := c.bgr
	if flag, ok := rotateFlag(c.rotation); ok {
		gocv.Rotate(c.bgr, &c.rotated, flag)
		src = c.rotated
	}
	if c.bgrOut && src.Type() == gocv.MatTypeCV8UC3 && c.reduce <= 2 {
		if c.reduce == 2 {
			if err := reduce2BGR(src, &c.small); err != nil {
				return Frame{}, err
			}
			src = c.small
		}
		m, _ := dst.(*bgr.Image)
		m, err := matToBGR(src, m)
		return Frame{BGR: m}, err
	}
	rgba, _ := dst.(*image.RGBA)
	var img *image.RGBA
	var err error
	if c.reduce > 1 && src.Type() == gocv.MatTypeCV8UC3 {
		img, err = reduceBGR(src, c.reduce, &c.small, c.rgba, rgba)
	} else {
		img, err = matToRGBA(src, c.rgba, rgba)
	}
	return Frame{Image: img}, err
}

func (c *capture) close() {
	if c.closed {
		return
	}
	c.closed = true
	c.vc.Close()
	c.bgr.Close()
	c.rotated.Close()
	c.rgba.close()
	c.small.Close()
	c.img = nil
}

// rotateFlag maps a clockwise rotation to OpenCV's rotate code.
func rotateFlag(clockwise int) (gocv.RotateFlag, bool) {
	switch clockwise {
	case 90:
		return gocv.Rotate90Clockwise, true
	case 180:
		return gocv.Rotate180Clockwise, true
	case 270:
		return gocv.Rotate90CounterClockwise, true
	}
	return 0, false
}

// fourcc decodes OpenCV's FOURCC property; "" when it is not four
// printable characters.
func fourcc(v float64) string {
	if v <= 0 || v >= 1<<32 {
		return ""
	}
	u := uint32(v)
	b := []byte{byte(u), byte(u >> 8), byte(u >> 16), byte(u >> 24)}
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return ""
		}
	}
	return string(b)
}
