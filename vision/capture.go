package vision

import (
	"context"
	"fmt"
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
	// ready is the frame last read when it was decoded straight into Go
	// memory (readInto), nil when it is in bgr.
	ready  *bgr.Image
	closed bool
}

func newCapture(vc *gocv.VideoCapture, rotation int) *capture {
	return &capture{vc: vc, bgr: gocv.NewMat(), rotated: gocv.NewMat(), rgba: newRGBAScratch(), small: gocv.NewMat(), rotation: rotation}
}

// read decodes the next frame into c.bgr; false at the end of the stream.
func (c *capture) read(ctx context.Context) (bool, error) {
	return c.readInto(ctx, nil)
}

// readInto is read, decoding straight into a BGR frame's pixels (dst's,
// when it is a *bgr.Image of the right size, else a new one), into
// c.ready, when the frame is handed out as BGR just as decoded (no
// rotation or reduction): OpenCV then copies its converted frame into Go
// memory instead of into c.bgr, from which it would be copied again.
func (c *capture) readInto(ctx context.Context, dst image.Image) (bool, error) {
	if c.closed {
		return false, errClosed
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	c.ready = nil
	// The size and type of the frame before are the guess at this one's:
	// if OpenCV's differ it writes elsewhere, which is checked.
	if !c.bgrOut || c.rotation != 0 || c.reduce > 1 || c.bgr.Empty() || c.bgr.Type() != gocv.MatTypeCV8UC3 {
		return c.vc.Read(&c.bgr) && !c.bgr.Empty(), nil
	}
	var ok bool
	m, elsewhere, err := intoBGR(dst, c.bgr.Cols(), c.bgr.Rows(), func(out *gocv.Mat) {
		ok = c.vc.Read(out) && !out.Empty()
	})
	if err != nil {
		return false, err
	}
	if m == nil {
		// OpenCV put the frame in memory of its own (or none): it is
		// the frame read, as if read into c.bgr.
		c.bgr.Close()
		c.bgr = elsewhere
		return ok, nil
	}
	c.ready = m
	return ok, nil
}

// frame turns the frame last read upright and converts it into dst
// (reused when it has the right size and type, see matToRGBA), as a
// Frame's Image, or its BGR where c.bgrOut asks for it and the reduction
// can be made exactly in BGR (reduceBGR's integer-scale OpenCV path).
func (c *capture) frame(dst image.Image) (Frame, error) {
	if m := c.ready; m != nil {
		c.ready = nil
		return Frame{BGR: m}, nil
	}
	if c.bgrOut && c.bgr.Type() == gocv.MatTypeCV8UC3 && c.reduce <= 2 {
		return c.frameBGR(dst)
	}
	src := c.bgr
	if flag, ok := rotateFlag(c.rotation); ok {
		gocv.Rotate(c.bgr, &c.rotated, flag)
		src = c.rotated
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

// frameBGR is frame's BGR frame of the 8-bit BGR frame in c.bgr (not
// decoded into Go memory): its last step (turning it upright, reducing it
// or just copying it) writes straight into the Go frame's pixels, so
// that it costs no extra copy.
func (c *capture) frameBGR(dst image.Image) (Frame, error) {
	src := c.bgr
	w, h := src.Cols(), src.Rows()
	op := func(out *gocv.Mat) { src.CopyTo(out) }
	flag, rotated := rotateFlag(c.rotation)
	if rotated && c.rotation != 180 {
		w, h = h, w
	}
	if rotated {
		op = func(out *gocv.Mat) { gocv.Rotate(src, out, flag) }
	}
	if c.reduce == 2 {
		if rotated {
			gocv.Rotate(c.bgr, &c.rotated, flag)
			src = c.rotated
		}
		w, h = w/2, h/2
		if w == 0 || h == 0 {
			return Frame{}, fmt.Errorf("frame of %dx%d is smaller than its reduction 2", src.Cols(), src.Rows())
		}
		op = func(out *gocv.Mat) { _ = reduce2BGR(src, out) } // its one error is the size, checked
	}
	m, elsewhere, err := intoBGR(dst, w, h, op)
	if err != nil {
		return Frame{}, err
	}
	if m == nil {
		defer elsewhere.Close()
		m, err = matToBGR(elsewhere, nil)
	}
	return Frame{BGR: m}, err
}

// intoBGR runs op with a Mat header over the pixels of a w x h BGR frame
// as its output: dst's when it is a *bgr.Image of that size, else a new
// one. OpenCV writes into an output Mat of the right size and type in
// place, so the frame is usually returned, filled; otherwise (op's result
// of another size or type, or none) it returns nil and the Mat op left,
// for the caller to use and close.
func intoBGR(dst image.Image, w, h int, op func(out *gocv.Mat)) (*bgr.Image, gocv.Mat, error) {
	m, _ := dst.(*bgr.Image)
	if m == nil || m.Rect != image.Rect(0, 0, w, h) || m.Stride != 3*w {
		m = bgr.New(image.Rect(0, 0, w, h))
	}
	out, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC3, m.Pix[:3*w*h])
	if err != nil {
		return nil, gocv.Mat{}, fmt.Errorf("frame of %dx%d: %w", w, h, err)
	}
	op(&out)
	if !out.Empty() && out.Type() == gocv.MatTypeCV8UC3 && out.Cols() == w && out.Rows() == h {
		if data, err := out.DataPtrUint8(); err == nil && len(data) > 0 && &data[0] == &m.Pix[0] {
			out.Close()
			return m, gocv.Mat{}, nil
		}
	}
	return nil, out, nil
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
