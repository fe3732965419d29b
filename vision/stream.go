package vision

import (
	"context"
	"errors"
	"image"
	"io"
	"sync"

	"github.com/kneescreen/kneescreen/internal/bgr"
)

// IntoSource is a FrameSource that can read its next frame into a
// caller's image, so that Stream and Latest hand its frames out without
// copying each one from the image Next returns into one of their own. This
// package's sources implement it, and so can another package's (the
// pipeline's frame store).
type IntoSource interface {
	FrameSource
	// NextInto is Next writing into dst, which it reuses when dst is an
	// image of the frame's kind (*image.RGBA, or *bgr.Image for a Video
	// handing out BGR) and size; else (nil included) it makes a new image.
	// The frame's image belongs to the caller.
	NextInto(ctx context.Context, dst image.Image) (Frame, error)
}

// nextReusing is FrameSource.Next for this package's sources: it decodes
// into *buf, the image the previous call returned, and keeps the new image
// there. That is why a Frame from Next is only valid until the next call.
func nextReusing(ctx context.Context, src IntoSource, buf *image.Image) (Frame, error) {
	f, err := src.NextInto(ctx, *buf)
	if err == nil {
		*buf = f.Pixels()
	}
	return f, err
}

// FrameStream decodes a FrameSource in its own goroutine, keeping at most
// a few decoded frames waiting in a bounded channel, so decoding overlaps
// with whatever the receiver does with each frame.
//
// Frames received from Frames belong to the receiver. Handing an image back
// with Release when done with it lets the decoder reuse its memory instead
// of allocating a new image per frame.
type FrameStream struct {
	frames chan Frame
	free   chan image.Image
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
	err    error
}

// Stream starts decoding src in a new goroutine with at most depth frames
// waiting (depth < 1 counts as 1). Decoding stops at the end of src, at the
// first error, or when ctx is cancelled or Close is called; then the Frames
// channel is closed and Err tells why. Stream does not close src: whoever
// opened it closes it, after Close has returned.
func Stream(ctx context.Context, src FrameSource, depth int) *FrameStream {
	if depth < 1 {
		depth = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &FrameStream{
		frames: make(chan Frame, depth),
		free:   make(chan image.Image, depth+2),
		cancel: cancel,
		done:   make(chan struct{}),
	}
	go s.run(ctx, src)
	return s
}

func (s *FrameStream) run(ctx context.Context, src FrameSource) {
	defer close(s.done)
	defer close(s.frames)
	into, direct := src.(IntoSource)
	for {
		var dst image.Image
		select {
		case dst = <-s.free:
		default:
		}
		var f Frame
		var err error
		if direct {
			f, err = into.NextInto(ctx, dst)
		} else if f, err = src.Next(ctx); err == nil {
			rgba, _ := dst.(*image.RGBA)
			f.Image = copyRGBA(rgba, f.Image)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.err = err
			}
			return
		}
		select {
		case s.frames <- f:
		case <-ctx.Done():
			s.err = ctx.Err()
			return
		}
	}
}

// Frames returns the channel of decoded frames, closed at the end.
func (s *FrameStream) Frames() <-chan Frame { return s.frames }

// Release hands img, a frame's Image or BGR, back for the decoder to
// reuse. The caller must not use img afterwards. Releasing is optional.
func (s *FrameStream) Release(img image.Image) {
	switch m := img.(type) {
	case *image.RGBA:
		if m == nil {
			return
		}
	case *bgr.Image:
		if m == nil {
			return
		}
	default:
		return
	}
	select {
	case s.free <- img:
	default: // enough spare buffers already
	}
}

// Err returns why decoding stopped once Frames is closed: nil at the end of
// the source, the context's error when cancelled, else the source's error.
// It waits for the decoding goroutine to finish.
func (s *FrameStream) Err() error {
	<-s.done
	return s.err
}

// Close stops decoding and waits for the goroutine to finish. Frames not
// yet received are dropped. It returns nil; it is safe to call repeatedly.
func (s *FrameStream) Close() error {
	s.once.Do(s.cancel)
	<-s.done
	return nil
}

// copyRGBA copies src into dst, reusing dst when it has src's size.
func copyRGBA(dst, src *image.RGBA) *image.RGBA {
	r := src.Rect
	if dst == nil || dst.Rect.Dx() != r.Dx() || dst.Rect.Dy() != r.Dy() {
		dst = image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	}
	row := 4 * r.Dx()
	for y := 0; y < r.Dy(); y++ {
		so := src.PixOffset(r.Min.X, r.Min.Y+y)
		do := dst.PixOffset(dst.Rect.Min.X, dst.Rect.Min.Y+y)
		copy(dst.Pix[do:do+row], src.Pix[so:so+row])
	}
	return dst
}
