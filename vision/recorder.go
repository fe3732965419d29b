package vision

import (
	"context"
	"fmt"
	"image"
	"math"
	"sync"
)

// Recorder writes the frames of a live source to a video at a constant
// frame rate, on its own goroutine, so that capture never waits for the
// encoder. Frames are placed by their time: each video frame shows the
// newest source frame nearest its time, so a frame is repeated when the
// source skipped a beat and left out when the source ran faster than the
// video's rate, and the recording lasts as long as the session did. If the
// encoder falls behind by more than a few frames, frames are left out
// (and counted) rather than queued without bound.
type Recorder struct {
	w     *VideoWriter
	fps   float64
	queue chan recFrame
	pool  chan *image.RGBA
	done  chan struct{}

	// send is held while a frame is queued and while the queue is
	// closed, so no frame is sent on a closed queue.
	send    sync.Mutex
	mu      sync.Mutex
	dropped int
	written int
	closed  bool
	err     error
}

type recFrame struct {
	img *image.RGBA
	t   float64
}

// recorderQueue is how many frames may wait for the encoder: a second at
// 30 frames/s (110 MB of 720p, held only while the encoder lags), enough
// for the bursts of a machine busy with estimation.
const recorderQueue = 30

// StartRecorder starts a video at path (see CreateVideoEncoder) with
// frames of width x height at fps. The writer runs under ctx: to keep a
// recording when the session is interrupted, pass a context that outlives
// the interruption.
func StartRecorder(ctx context.Context, path string, fps float64, width, height int) (*Recorder, error) {
	w, err := CreateVideoEncoder(ctx, path, fps, width, height, EncoderAuto)
	if err != nil {
		return nil, err
	}
	r := &Recorder{w: w, fps: fps, queue: make(chan recFrame, recorderQueue), pool: make(chan *image.RGBA, recorderQueue+1), done: make(chan struct{})}
	go r.run()
	return r, nil
}

// Add queues a copy of f's image (f.Time in seconds from the start). It
// never blocks: when the queue is full the frame is left out.
func (r *Recorder) Add(f LiveFrame) { r.add(f, false) }

// AddWait queues a copy of f's image like Add, but waits for room in the
// queue instead of leaving the frame out: for a source that can wait (a
// file played as fast as it can be processed), so that the recording
// holds every frame.
func (r *Recorder) AddWait(f LiveFrame) { r.add(f, true) }

func (r *Recorder) add(f LiveFrame, wait bool) {
	var buf *image.RGBA
	select {
	case buf = <-r.pool:
	default:
	}
	buf = copyRGBA(buf, f.Image)
	r.send.Lock()
	defer r.send.Unlock()
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return
	}
	rf := recFrame{img: buf, t: f.Time}
	if wait {
		r.queue <- rf // the writer only ever takes mu, never send
		return
	}
	select {
	case r.queue <- rf:
	default:
		r.mu.Lock()
		r.dropped++
		r.mu.Unlock()
	}
}

func (r *Recorder) run() {
	defer close(r.done)
	// Each video frame shows the newest source frame nearest its time:
	// a frame waits (pending) until a frame of a later slot arrives,
	// which tells how many video frames it fills.
	var pending *recFrame
	slot, t0 := 0, 0.0
	started := false
	for f := range r.queue {
		if !started {
			t0, started = f.t, true
		}
		s := int(math.Round((f.t - t0) * r.fps))
		if pending != nil && s > slot {
			r.write(pending.img, s-r.count())
		}
		if pending != nil {
			r.recycle(pending.img)
		}
		pending, slot = &f, s
	}
	if pending != nil {
		r.write(pending.img, max(1, slot+1-r.count()))
		r.recycle(pending.img)
	}
}

// write writes img n times, unless an earlier write failed.
func (r *Recorder) write(img *image.RGBA, n int) {
	for range n {
		if r.failed() {
			return
		}
		err := r.w.Write(img)
		r.mu.Lock()
		if err != nil {
			r.err = err
		} else {
			r.written++
		}
		r.mu.Unlock()
	}
}

func (r *Recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.written
}

func (r *Recorder) recycle(img *image.RGBA) {
	select {
	case r.pool <- img:
	default:
	}
}

func (r *Recorder) failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err != nil
}

// Stats returns the frames written to the video and those left out
// because the encoder fell behind.
func (r *Recorder) Stats() (written, dropped int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.written, r.dropped
}

// Close writes the frames still queued and finishes the file; nothing is
// saved (and an error says why) when no frame was written or encoding
// failed.
func (r *Recorder) Close() error {
	if !r.stop() {
		return r.err
	}
	if r.err != nil {
		r.w.Abort()
		return fmt.Errorf("vision: recording: %w", r.err)
	}
	return r.w.Close()
}

// Abort stops recording and removes the unfinished file.
func (r *Recorder) Abort() {
	if r.stop() {
		r.w.Abort()
	}
}

// stop closes the queue once and waits for the writer goroutine; false if
// already stopped.
func (r *Recorder) stop() bool {
	r.send.Lock()
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		r.send.Unlock()
		return false
	}
	r.closed = true
	r.mu.Unlock()
	close(r.queue)
	r.send.Unlock()
	<-r.done
	return true
}
