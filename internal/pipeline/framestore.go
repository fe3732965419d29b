package pipeline

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/kneescreen/kneescreen/vision"
)

// FrameStoreOptions configure where Run keeps pass one's frames for the
// annotated pass (see Config.FrameStore).
type FrameStoreOptions struct {
	// Dir is the folder of the store's temporary file ("": os.TempDir()).
	// The file is unlinked as soon as it is made (where the system cannot
	// unlink an open file, removed when the run ends), so nothing is left
	// behind however the run ends.
	Dir string
	// MaxBytes caps the store's size (0: DefaultFrameStoreMax; negative:
	// no store, the annotated pass decodes the input again). The store
	// also takes at most half of Dir's free space, less what the other
	// stores of this process hold.
	MaxBytes int64
}

// DefaultFrameStoreMax is the default FrameStoreOptions.MaxBytes: about
// 150 s of 720p video kept at 640x360, 70 s of a phone's 1080x1920 at
// 540x960. A clip that would need more decodes twice.
const DefaultFrameStoreMax = 4 << 30

// frameStore keeps every frame pass one decodes, at the size the annotated
// pass draws on and with exactly the pixels a second decode would give it
// (Render's reduction: the source's own, or boxReduce of the full frame),
// so that pass reads them back instead of decoding the input again.
// Decoding is a good share of the CPU of an analysis (a quarter of it for
// a phone's 1080x1920 H.264), reading a file the page cache still holds
// almost nothing.
//
// The frames go, raw RGBA, to a temporary file, written in order by a
// goroutine of its own so the dispatcher only copies (or reduces) each
// frame into a recycled buffer. Its size is bounded up front from the
// frame count the source announces: a store that would not fit, or fills
// up, or whose file fails, is dropped, and the annotated pass decodes the
// input as before, which gives the same pixels. A nil *frameStore keeps
// nothing.
type frameStore struct {
	f     storeFile
	w, h  int // the stored frames' size
	fullW int // the source's frame size, reduced k times to w x h
	fullH int
	k     int
	fps   float64
	limit int64 // bytes the file may hold (reserved in storeReserved)
	// meta is each stored frame's index and time, appended by add (the
	// dispatcher) and read once the writer is done.
	meta []frameTime

	queue chan *image.RGBA
	free  chan *image.RGBA
	// conv makes the stored frames of BGR frames (made on the first).
	conv *vision.BGRConverter
	done chan struct{}
	// dropped is set when the store cannot be complete; err says why.
	dropped atomic.Bool
	mu      sync.Mutex
	err     error
	// written counts the frames in the file (the writer's, read after
	// done).
	written  int
	finished bool
	closed   bool
}

// storeFile is the store's file: an *os.File, or a test's stand-in.
type storeFile interface {
	io.Writer
	io.ReaderAt
	Truncate(size int64) error
	Close() error
}

// openStoreFile makes the store's file in dir. A variable so tests can
// count files and make writes fail.
var openStoreFile = func(dir string) (storeFile, error) {
	f, err := os.CreateTemp(dir, "kneescreen-frames-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		// Systems that cannot unlink an open file: removed on Close.
		return removeOnClose{f}, nil
	}
	return f, nil
}

// removeOnClose is a store file still linked: Close removes it.
type removeOnClose struct{ *os.File }

func (r removeOnClose) Close() error {
	err := r.File.Close()
	if rerr := os.Remove(r.Name()); err == nil && !errors.Is(rerr, os.ErrNotExist) {
		err = rerr
	}
	return err
}

// storeReserved is what the open stores of this process may still write,
// so concurrent runs (a server's workers) share the free space instead of
// each counting on half of it.
var storeReserved struct {
	sync.Mutex
	bytes int64
}

// newFrameStore returns a store for pass one over src, whose frames pass
// one reduces with MaxSide trackMaxSide, for an annotated pass at
// videoMaxSide; nil when the frames are not worth or not possible to keep:
// a source of unknown size or frame count, one that reduces its frames
// itself by another factor than the annotated pass (a second decode gives
// pixels pass one never sees), more bytes than opts or the free space
// allow, or a file that cannot be made.
func newFrameStore(opts FrameStoreOptions, src vision.FrameSource, trackMaxSide, videoMaxSide int) *frameStore {
	if opts.MaxBytes < 0 {
		return nil
	}
	info := src.Info()
	if info.Width <= 0 || info.Height <= 0 || info.FrameCount <= 0 {
		return nil
	}
	k := videoReduction(info.Width, info.Height, videoMaxSide)
	if _, ok := src.(frameReducer); ok {
		// presetReduction has the source reduce by kp: unless the
		// annotated pass reduces alike, its pixels are not in pass one.
		if kp := reduction(info.Width, info.Height, trackMaxSide); kp > 1 && kp != k {
			return nil
		}
	}
	w, h := info.Width/k, info.Height/k
	frame := int64(4 * w * h)
	if frame == 0 {
		return nil
	}
	// Headers can undercount the frames that decode; a quarter more is
	// allowed before the store gives up.
	want := int64(info.FrameCount) * frame
	want += want/4 + frame
	dir := opts.Dir
	if dir == "" {
		dir = os.TempDir()
	}
	limit := opts.MaxBytes
	if limit == 0 {
		limit = DefaultFrameStoreMax
	}
	free, ok := freeBytes(dir)
	if !ok {
		return nil // unknown: a disk the store might fill
	}
	storeReserved.Lock()
	defer storeReserved.Unlock()
	limit = min(limit, free/2-storeReserved.bytes)
	if int64(info.FrameCount)*frame > limit {
		return nil
	}
	limit = min(limit, want)
	f, err := openStoreFile(dir)
	if err != nil {
		return nil
	}
	storeReserved.bytes += limit
	s := &frameStore{f: f, w: w, h: h, fullW: info.Width, fullH: info.Height, k: k, fps: info.FPS, limit: limit,
		queue: make(chan *image.RGBA, 2), free: make(chan *image.RGBA, 4), done: make(chan struct{})}
	go s.write()
	return s
}

// drop gives the store up; the first reason is kept.
func (s *frameStore) drop(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
	s.dropped.Store(true)
}

// add keeps frame f, the next frame pass one decoded: reduced to the
// stored size when it is the full frame, copied when it already has it;
// a BGR frame is converted to RGBA (and reduced) by vision, as the
// source would have made it. f's image is only read, before add returns.
// It is called by one goroutine (the dispatcher) and may block while the
// writer is two frames behind.
func (s *frameStore) add(f vision.Frame) {
	if s == nil || s.dropped.Load() {
		return
	}
	var buf *image.RGBA
	select {
	case buf = <-s.free:
	default:
	}
	b := f.Pixels().Bounds()
	k := 0 // the reduction to the stored size
	switch w, h := b.Dx(), b.Dy(); {
	case w == s.w && h == s.h:
		k = 1
	case s.k > 1 && w == s.fullW && h == s.fullH:
		k = s.k
	default:
		s.drop(fmt.Errorf("frame %d is %dx%d, not %dx%d", f.Index, w, h, s.fullW, s.fullH))
		return
	}
	switch {
	case f.BGR != nil:
		if s.conv == nil {
			s.conv = vision.NewBGRConverter()
		}
		var err error
		if buf, err = s.conv.ToRGBA(buf, f.BGR, k); err != nil {
			s.drop(fmt.Errorf("frame %d: %w", f.Index, err))
			return
		}
	case k == 1:
		buf = copyFrame(buf, f.Image)
	default:
		buf = boxReduce(buf, f.Image, k)
	}
	s.meta = append(s.meta, frameTime{f.Index, f.Time})
	s.queue <- buf
}

// write appends the queued frames to the file until the queue closes. On
// the first failure or a frame past the limit the store is dropped and
// the file emptied at once, so a full disk is not held on to.
func (s *frameStore) write() {
	defer close(s.done)
	frame := int64(4 * s.w * s.h)
	emptied := false
	for img := range s.queue {
		if !s.dropped.Load() {
			if int64(s.written+1)*frame > s.limit {
				s.drop(fmt.Errorf("more than the %d bytes allowed", s.limit))
			} else if _, err := s.f.Write(img.Pix[:frame]); err != nil {
				s.drop(err)
			} else {
				s.written++
			}
		}
		if s.dropped.Load() && !emptied {
			emptied = true
			_ = s.f.Truncate(0) // best effort: the file is dropped anyway
		}
		select {
		case s.free <- img:
		default:
		}
	}
}

// finish waits for the writer to be done with every frame added.
func (s *frameStore) finish() {
	if s.finished {
		return
	}
	s.finished = true
	close(s.queue)
	<-s.done
}

// source returns the stored frames as a vision.FrameSource for Render when
// the store holds all of pass one's frames (frames of them), else nil:
// the annotated pass then decodes the input again. Pass one must be over.
func (s *frameStore) source(frames int) vision.FrameSource {
	if s == nil {
		return nil
	}
	s.finish()
	if s.dropped.Load() || frames <= 0 || s.written != frames || len(s.meta) != frames {
		return nil
	}
	return &storeReader{s: s}
}

// Close stops the writer and closes (so removes) the file. It is safe to
// call on nil and more than once.
func (s *frameStore) Close() {
	if s == nil || s.closed {
		return
	}
	s.closed = true
	s.finish()
	if s.conv != nil {
		s.conv.Close()
	}
	_ = s.f.Close() // unlinked or removed: nothing written is lost
	storeReserved.Lock()
	storeReserved.bytes -= s.limit
	storeReserved.Unlock()
}

// storeReader reads a finished store's frames in order. Like a decoder's,
// the image Next returns is valid until the next call.
type storeReader struct {
	s    *frameStore
	next int
	img  *image.RGBA
}

// Info implements vision.FrameSource: the stored frames' size and count.
func (r *storeReader) Info() vision.Info {
	return vision.Info{Kind: vision.KindVideo, Width: r.s.w, Height: r.s.h, FPS: r.s.fps, FrameCount: r.s.written}
}

// Next implements vision.FrameSource.
func (r *storeReader) Next(ctx context.Context) (vision.Frame, error) {
	f, err := r.NextInto(ctx, r.img)
	if err == nil {
		r.img = f.Image
	}
	return f, err
}

// NextInto implements vision.IntoSource: the next frame read straight into
// dst when it is an RGBA image of the stored size (as the frames a
// vision.Stream hands back are), so the stream need not copy it.
func (r *storeReader) NextInto(ctx context.Context, into image.Image) (vision.Frame, error) {
	dst, _ := into.(*image.RGBA)
	if err := ctx.Err(); err != nil {
		return vision.Frame{}, err
	}
	if r.s.closed {
		return vision.Frame{}, errors.New("pipeline: frame store: closed")
	}
	if r.next >= r.s.written {
		return vision.Frame{}, io.EOF
	}
	if dst == nil || dst.Rect != image.Rect(0, 0, r.s.w, r.s.h) || dst.Stride != 4*r.s.w {
		dst = image.NewRGBA(image.Rect(0, 0, r.s.w, r.s.h))
	}
	if _, err := r.s.f.ReadAt(dst.Pix[:4*r.s.w*r.s.h], int64(r.next)*int64(4*r.s.w*r.s.h)); err != nil {
		return vision.Frame{}, fmt.Errorf("pipeline: frame store: frame %d: %w", r.next, err)
	}
	m := r.s.meta[r.next]
	r.next++
	return vision.Frame{Index: m.index, Time: m.time, Image: dst}, nil
}

// Close implements vision.FrameSource; the store closes with the run.
func (r *storeReader) Close() error { return nil }

// copyFrame copies src into dst, reused when it has src's size.
func copyFrame(dst, src *image.RGBA) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	if dst == nil || dst.Rect.Dx() != w || dst.Rect.Dy() != h {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	for y := range h {
		copy(dst.Pix[y*dst.Stride:][:4*w], src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+y):][:4*w])
	}
	return dst
}
