package vision

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"time"

	"gocv.io/x/gocv"
)

// Camera is a FrameSource reading a live camera (V4L2 on Linux) or a live
// stream (OpenLive). A camera never ends by itself: stop it by cancelling
// the context passed to Next.
type Camera struct {
	info  Info
	c     *capture
	index int
	start time.Time
}

// OpenCamera opens the camera with the given index (0 is /dev/video0 on
// Linux). A camera that does not exist or cannot be opened gives a
// *SourceError wrapping ErrNoCamera.
func OpenCamera(index int) (*Camera, error) {
	name := fmt.Sprintf("camera:%d", index)
	if index < 0 {
		return nil, sourceErr(name, fmt.Errorf("%w: index must be 0 or more", ErrNoCamera))
	}
	vc, err := gocv.VideoCaptureDevice(index)
	if err != nil || !vc.IsOpened() {
		vc.Close()
		return nil, sourceErr(name, fmt.Errorf("%w: cannot open it (is a camera connected as /dev/video%d, and may this user read it?)", ErrNoCamera, index))
	}
	return newCamera(name, vc), nil
}

// newCamera wraps an open capture of a camera or live stream.
func newCamera(name string, vc *gocv.VideoCapture) *Camera {
	fps := vc.Get(gocv.VideoCaptureFPS)
	if fps < 0 || math.IsNaN(fps) || math.IsInf(fps, 0) || fps > 1000 {
		fps = 0 // unknown (some drivers report nonsense)
	}
	return &Camera{
		info: Info{
			Path: name, Kind: KindCamera, Codec: fourcc(vc.Get(gocv.VideoCaptureFOURCC)),
			Width: int(vc.Get(gocv.VideoCaptureFrameWidth)), Height: int(vc.Get(gocv.VideoCaptureFrameHeight)),
			FPS: fps, FrameCount: -1,
		},
		c: newCapture(vc, 0),
	}
}

// Info implements FrameSource.
func (c *Camera) Info() Info { return c.info }

// Next implements FrameSource. A camera that stops delivering frames gives
// an error wrapping ErrNoCamera.
func (c *Camera) Next(ctx context.Context) (Frame, error) { return nextReusing(ctx, c, &c.c.img) }

// NextInto implements IntoSource.
func (c *Camera) NextInto(ctx context.Context, dst image.Image) (Frame, error) {
	ok, err := c.c.read(ctx)
	if err != nil {
		if errors.Is(err, ctx.Err()) {
			return Frame{}, err
		}
		return Frame{}, sourceErr(c.info.Path, err)
	}
	if !ok {
		return Frame{}, sourceErr(c.info.Path, fmt.Errorf("%w: it stopped delivering frames", ErrNoCamera))
	}
	now := time.Now()
	if c.index == 0 {
		c.start = now
	}
	f, err := c.c.frame(dst)
	if err != nil {
		return Frame{}, sourceErr(c.info.Path, fmt.Errorf("frame %d: %w", c.index, err))
	}
	f.Index, f.Time = c.index, now.Sub(c.start).Seconds()
	c.index++
	return f, nil
}

// Close implements FrameSource.
func (c *Camera) Close() error {
	c.c.close()
	return nil
}
