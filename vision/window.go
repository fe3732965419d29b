package vision

/*
#cgo !windows pkg-config: opencv4
#cgo CXXFLAGS: --std=c++11
#include <stdlib.h>
#include "window.h"
*/
import "C"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"

	"gocv.io/x/gocv"
)

// Errors of the display.
var (
	// ErrNoDisplay: no window can be opened (no display, or the window
	// system refuses the connection).
	ErrNoDisplay = errors.New("vision: no display")
	// ErrWindowClosed: the user closed the window.
	ErrWindowClosed = errors.New("vision: window closed")
)

// Keys Window.Show reports (the key's character code otherwise).
const (
	KeyNone   = -1
	KeyEscape = 27
	KeySpace  = ' '
)

// displayProbeEnv marks the child process ProbeDisplay starts.
const displayProbeEnv = "KNEESCREEN_VISION_DISPLAY_PROBE"

// displayProbeTimeout bounds the probe: a window system that does not
// answer is as good as none.
const displayProbeTimeout = 15 * time.Second

// ServeDisplayProbe must be called first thing in main (and in TestMain
// of tests that open windows) of every program that calls OpenWindow. In
// the child process ProbeDisplay starts, it opens a window, shows a
// frame, closes it and exits; everywhere else it returns at once.
func ServeDisplayProbe() {
	if os.Getenv(displayProbeEnv) != "1" {
		return
	}
	// Qt's warnings are left on: they say why a window cannot open.
	w, err := openWindow("kneescreen display probe", false)
	if err == nil {
		_, err = w.Show(image.NewRGBA(image.Rect(0, 0, 16, 16)))
		w.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// ProbeDisplay reports whether a window can be opened, without risking
// this process: OpenCV's window system (Qt) ends the process when it
// cannot reach the display, so a child process (this program again, see
// ServeDisplayProbe) tries first. The error wraps ErrNoDisplay and says
// why in one line.
func ProbeDisplay(ctx context.Context) error {
	display := os.Getenv("DISPLAY")
	if display == "" {
		display = os.Getenv("WAYLAND_DISPLAY")
	}
	if display == "" {
		return fmt.Errorf("%w: neither $DISPLAY nor $WAYLAND_DISPLAY is set", ErrNoDisplay)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("%w: cannot run the display probe: %v", ErrNoDisplay, err)
	}
	ctx, cancel := context.WithTimeout(ctx, displayProbeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), displayProbeEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		why := probeReason(stderr.String())
		switch {
		case ctx.Err() != nil:
			why = fmt.Sprintf("the window system did not answer within %v", displayProbeTimeout)
		case why == "":
			why = err.Error()
		}
		return fmt.Errorf("%w: cannot open a window on display %s: %s", ErrNoDisplay, display, why)
	}
	return nil
}

// probeReason picks from the probe's stderr the line that says why no
// window opened: Qt's first message ("qt.qpa.xcb: could not connect to
// display :1"), not its notes on other settings nor the runtime's dump of
// the abort that follows.
func probeReason(stderr string) string {
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "QStandardPaths:"):
			continue
		case strings.HasPrefix(l, "SIGABRT") || strings.HasPrefix(l, "goroutine ") || strings.HasPrefix(l, "PC="):
			return ""
		}
		return l
	}
	return ""
}

// gui runs every window call on one goroutine locked to its OS thread:
// the window system must be driven from the thread that started it. The
// goroutine lives as long as the process, like the window system's own
// state.
var gui struct {
	once sync.Once
	do   chan func()
}

func onGUI(f func()) {
	gui.once.Do(func() {
		gui.do = make(chan func())
		go func() {
			runtime.LockOSThread()
			for f := range gui.do {
				f()
			}
		}()
	})
	done := make(chan struct{})
	gui.do <- func() {
		defer close(done)
		f()
	}
	<-done
}

// Window shows frames in a desktop window (OpenCV's highgui), sized to
// the frames. It is used by one goroutine at a time.
type Window struct {
	name      *C.char
	rgba, bgr gocv.Mat
	closed    bool
}

// OpenWindow opens a window titled title, after ProbeDisplay has checked
// that one can open.
func OpenWindow(ctx context.Context, title string) (*Window, error) {
	if err := ProbeDisplay(ctx); err != nil {
		return nil, err
	}
	return openWindow(title, true)
}

// qtQuiet is the Qt logging rule a window opens with unless the user set
// one: Qt's warnings about its environment (e.g. "QStandardPaths:
// XDG_RUNTIME_DIR not set") would otherwise interleave with the program's
// own output. Qt reads it when its first window opens.
const qtQuiet = "default.warning=false;qt.*.warning=false"

func openWindow(title string, quiet bool) (*Window, error) {
	if _, set := os.LookupEnv("QT_LOGGING_RULES"); quiet && !set {
		os.Setenv("QT_LOGGING_RULES", qtQuiet)
	}
	w := &Window{name: C.CString(title)}
	var rc C.int
	onGUI(func() {
		rc = C.vision_window_open(w.name)
		w.rgba, w.bgr = gocv.NewMat(), gocv.NewMat()
	})
	if rc != 0 {
		w.Close()
		return nil, fmt.Errorf("%w: OpenCV cannot open a window", ErrNoDisplay)
	}
	return w, nil
}

// Show shows img, gives the window system a millisecond for its events,
// and returns the key pressed meanwhile (KeyNone for none). It returns
// ErrWindowClosed once the user has closed the window.
func (w *Window) Show(img *image.RGBA) (int, error) {
	if w.closed {
		return KeyNone, ErrWindowClosed
	}
	var key int
	var err error
	onGUI(func() {
		if err = rgbaToBGR(img, &w.rgba, &w.bgr); err != nil {
			return
		}
		if C.vision_window_show(w.name, unsafe.Pointer(w.bgr.Ptr())) != 0 {
			err = fmt.Errorf("vision: OpenCV cannot show the frame")
			return
		}
		key = int(C.vision_window_wait(1))
		if C.vision_window_visible(w.name) < 1 {
			err = ErrWindowClosed
		}
	})
	// Showing again would open a new window: a closed one stays closed.
	w.closed = errors.Is(err, ErrWindowClosed)
	if key >= 0 {
		key &= 0xff // Qt adds modifier bits
	}
	return key, err
}

// Close closes the window. It is safe to call more than once.
func (w *Window) Close() {
	if w.name == nil {
		return
	}
	onGUI(func() {
		C.vision_window_close(w.name)
		w.rgba.Close()
		w.bgr.Close()
	})
	C.free(unsafe.Pointer(w.name))
	w.name, w.closed = nil, true
}
