package vision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A paced file plays at its own rate in wall time; a slow consumer gets
// the newest frame each time, and the frames it did not take are dropped,
// not queued.
func TestLatestPacesAndDrops(t *testing.T) {
	const n, fps = 45, 30.0
	path := writePatternVideo(t, tempPath(t, "clip.mp4"), n, 160, 120, fps)
	src, err := OpenVideo(path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	l := StartLatest(context.Background(), src, LatestOptions{Pace: true, StallTimeout: 5 * time.Second})
	defer l.Close()
	var got []int
	var ages []time.Duration
	for {
		f, err := l.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ages = append(ages, time.Since(f.Captured))
		if idx := decodeIndex(f.Image); idx != f.Index%32 {
			t.Fatalf("frame %d shows pattern %d", f.Index, idx)
		}
		got = append(got, f.Index)
		time.Sleep(100 * time.Millisecond) // a consumer at 10 frames/s
	}
	elapsed := time.Since(start)
	// Playing took the clip's duration, not the consumer's pace (a
	// consumer at 10 frames/s would take 4.5 s for every frame), give or
	// take a busy machine's scheduling.
	if d := float64(n-1) / fps; elapsed.Seconds() < d || elapsed.Seconds() > d+1.5 {
		t.Errorf("played %d frames in %v, want about %.2f s", n, elapsed, d)
	}
	// Each frame taken is the newest: captured at most a frame period
	// before (plus scheduling slack). Queued frames would age by 67 ms
	// at every step, to a second by the end.
	for i, age := range ages {
		if age > time.Second/fps+200*time.Millisecond {
			t.Errorf("frame %d (taken %d) was %v old", got[i], i, age)
		}
	}
	captured, dropped := l.Stats()
	if captured != n || dropped != n-len(got) {
		t.Errorf("captured %d, dropped %d, taken %d; want %d captured, the rest dropped", captured, dropped, len(got), n)
	}
	if len(got) < 10 || len(got) > 20 {
		t.Errorf("took %d frames at 10 frames/s over 1.5 s", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("frames out of order: %v", got)
		}
	}
}

// With Keep every frame reaches the consumer, in order, as fast as it
// takes them; Tee sees every frame too.
func TestLatestKeep(t *testing.T) {
	const n = 20
	path := writePatternVideo(t, tempPath(t, "clip.mp4"), n, 160, 120, 5)
	src, err := OpenVideo(path)
	if err != nil {
		t.Fatal(err)
	}
	teed := 0
	l := StartLatest(context.Background(), src, LatestOptions{Keep: true, Tee: func(LiveFrame) { teed++ }})
	defer l.Close()
	start := time.Now()
	for i := 0; ; i++ {
		f, err := l.Next(context.Background())
		if errors.Is(err, io.EOF) {
			if i != n {
				t.Errorf("%d frames, want %d", i, n)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.Index != i || decodeIndex(f.Image) != i%32 {
			t.Fatalf("frame %d: index %d, pattern %d", i, f.Index, decodeIndex(f.Image))
		}
	}
	// 20 frames at 5 frames/s would take 3.8 s paced.
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("unpaced capture of %d small frames took %v", n, d)
	}
	if _, dropped := l.Stats(); dropped != 0 || teed != n {
		t.Errorf("dropped %d, teed %d of %d", dropped, teed, n)
	}
}

// A source that stops delivering fails Next after the stall timeout with
// an error naming it, whether it honours cancellation or hangs in a read.
func TestLatestStall(t *testing.T) {
	for _, hang := range []bool{false, true} {
		t.Run(fmt.Sprintf("hang=%v", hang), func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			src := &stallingSource{frames: 3, hang: hang, release: release}
			l := StartLatest(context.Background(), src, LatestOptions{Keep: true, StallTimeout: 300 * time.Millisecond})
			got := 0
			var err error
			start := time.Now()
			for {
				if _, err = l.Next(context.Background()); err != nil {
					break
				}
				got++
			}
			if got != 3 || !errors.Is(err, ErrStalled) || !errors.Is(err, ErrNoCamera) || !strings.Contains(err.Error(), "stalling") {
				t.Errorf("%d frames, then %v", got, err)
			}
			if d := time.Since(start); d < 300*time.Millisecond || d > 2*time.Second {
				t.Errorf("stall reported after %v", d)
			}
			cerr := l.Close()
			if hang != (cerr != nil) {
				t.Errorf("close of a source that hangs=%v: %v", hang, cerr)
			}
		})
	}
}

// stallingSource yields small frames, then blocks: until its context
// ends, or (hang) until released, as a driver read that never returns.
type stallingSource struct {
	frames  int
	n       int
	hang    bool
	release chan struct{}
}

func (s *stallingSource) Info() Info { return Info{Path: "stalling", Kind: KindCamera} }
func (s *stallingSource) Close() error {
	return nil
}
func (s *stallingSource) Next(ctx context.Context) (Frame, error) {
	if s.n < s.frames {
		s.n++
		return Frame{Index: s.n - 1, Image: image.NewRGBA(image.Rect(0, 0, 8, 8))}, nil
	}
	if s.hang {
		<-s.release
		return Frame{}, io.EOF
	}
	<-ctx.Done()
	return Frame{}, ctx.Err()
}

// OpenLive tells cameras, streams, pipes and files apart, and fails
// clearly for what is not there.
func TestOpenLive(t *testing.T) {
	dir := t.TempDir()
	clip := writePatternVideo(t, filepath.Join(dir, "clip.mp4"), 5, 64, 48, 30)
	tests := []struct {
		spec string
		file bool
		err  error
		msg  string
	}{
		{clip, true, nil, ""},
		{filepath.Join(dir, "missing.mp4"), false, ErrNotFound, "missing.mp4"},
		{"/dev/video97", false, ErrNoCamera, "no such device"},
		{"97", false, ErrNoCamera, "camera:97"},
		{"-1", false, ErrNoCamera, "index must be 0 or more"},
		{"http://127.0.0.1:1/none", false, ErrNoCamera, "http://127.0.0.1:1/none"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			src, file, err := OpenLive(tt.spec)
			if !errors.Is(err, tt.err) || (err != nil && !strings.Contains(err.Error(), tt.msg)) {
				t.Fatalf("error %v, want %v naming %q", err, tt.err, tt.msg)
			}
			if err != nil {
				return
			}
			defer src.Close()
			if file != tt.file {
				t.Errorf("file %v, want %v", file, tt.file)
			}
		})
	}
}

// A named pipe is read as a live stream: frames as the writer sends them,
// and a writer that goes quiet is a camera that stopped delivering.
func TestOpenLivePipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "camera.y4m")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	const w, h = 64, 48
	written := make(chan error, 1)
	stop := make(chan struct{})
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			written <- err
			return
		}
		defer f.Close()
		var b bytes.Buffer
		fmt.Fprintf(&b, "YUV4MPEG2 W%d H%d F30:1 Ip A1:1 C420jpeg\n", w, h)
		for i := range 10 {
			b.WriteString("FRAME\n")
			b.Write(bytes.Repeat([]byte{byte(16 + 20*i)}, w*h))
			b.Write(bytes.Repeat([]byte{128}, w*h/2))
		}
		_, err = f.Write(b.Bytes())
		written <- err
		<-stop // silent, the pipe still open: a camera that stopped
	}()
	src, file, err := OpenLive(path)
	if err != nil {
		close(stop)
		t.Fatal(err)
	}
	if file {
		t.Error("a pipe read as a file")
	}
	l := StartLatest(context.Background(), src, LatestOptions{Keep: true, StallTimeout: 500 * time.Millisecond})
	n := 0
	for {
		if _, err = l.Next(context.Background()); err != nil {
			break
		}
		n++
	}
	close(stop) // the writer closes: the blocked read ends
	if werr := <-written; werr != nil {
		t.Fatal(werr)
	}
	// FFmpeg may hold back the last frame or two until it sees the next.
	if n < 8 || !errors.Is(err, ErrStalled) {
		t.Errorf("%d of 10 frames, then %v; want the frames, then a stall", n, err)
	}
	if err := l.Close(); err != nil {
		t.Error(err)
	}
}
