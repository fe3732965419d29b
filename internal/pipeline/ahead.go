package pipeline

import (
	"sync/atomic"

	"github.com/kneescreen/kneescreen/vision"
)

// Ahead is an input being opened ahead of its analysis. Opening a video
// probes its container and decodes its first frame: a tenth of a second or
// more of one core that would otherwise come after loading the model and
// before the first inference. analyze does both at once: it opens its first
// input with OpenAhead while the model loads and hands the result to Run
// through Config.Ahead.
type Ahead struct {
	path     string
	imageFPS float64
	done     chan struct{} // closed when Open has returned
	src      vision.FrameSource
	err      error
	taken    atomic.Bool // by Run or by Close
}

// OpenAhead starts opening path as Open(path, imageFPS) would, in the
// background, and returns at once. Run takes the source when it analyses
// the same path with the same imageFPS; Close closes it when nothing did.
func OpenAhead(path string, imageFPS float64) *Ahead {
	a := &Ahead{path: path, imageFPS: imageFPS, done: make(chan struct{})}
	go func() {
		defer close(a.done)
		a.src, a.err = Open(path, imageFPS)
	}()
	return a
}

// take waits for and returns what opening path gave, once; ok is false when
// a is nil, is for another input or settings, or was taken already, and
// the caller opens the input itself.
func (a *Ahead) take(path string, imageFPS float64) (src vision.FrameSource, err error, ok bool) {
	if a == nil || path != a.path || imageFPS != a.imageFPS || !a.taken.CompareAndSwap(false, true) {
		return nil, nil, false
	}
	<-a.done
	return a.src, a.err, true
}

// Close closes the source if Run did not take it, after waiting for the
// opening to end, so no decoder outlives the command. A nil Ahead is
// allowed.
func (a *Ahead) Close() {
	if a == nil || !a.taken.CompareAndSwap(false, true) {
		return
	}
	<-a.done
	if a.err == nil { // a failed Open's source may be a typed nil
		a.src.Close()
	}
}
