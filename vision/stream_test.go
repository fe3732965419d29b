package vision

import (
	"context"
	"errors"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSource yields n synthetic frames and then io.EOF, or fails with err
// at frame failAt. It is pure Go, so Stream's non-OpenCV path is tested.
type fakeSource struct {
	n, failAt int
	err       error
	next      atomic.Int64 // frames decoded so far
	img       *image.RGBA
}

func (s *fakeSource) Info() Info   { return Info{Path: "fake", Width: 8, Height: 4, FrameCount: s.n} }
func (s *fakeSource) Close() error { return nil }
func (s *fakeSource) Next(ctx context.Context) (Frame, error) {
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	i := int(s.next.Load())
	if s.err != nil && i == s.failAt {
		return Frame{}, s.err
	}
	if i >= s.n {
		return Frame{}, io.EOF
	}
	if s.img == nil {
		s.img = image.NewRGBA(image.Rect(0, 0, 8, 4))
	}
	s.img.Pix[0] = byte(i) // the source's one buffer, overwritten each call
	s.next.Add(1)
	return Frame{Index: i, Time: float64(i) / 10, Image: s.img}, nil
}

func TestStreamDeliversEveryFrameOwned(t *testing.T) {
	src := &fakeSource{n: 50}
	s := Stream(context.Background(), src, 3)
	defer s.Close()
	var got []Frame
	for f := range s.Frames() {
		got = append(got, f) // kept, not released: must not be overwritten
	}
	if err := s.Err(); err != nil {
		t.Fatalf("Err = %v, want nil at the end of the source", err)
	}
	if len(got) != 50 {
		t.Fatalf("got %d frames, want 50", len(got))
	}
	for i, f := range got {
		if f.Index != i || f.Image.Pix[0] != byte(i) || f.Image == src.img {
			t.Fatalf("frame %d: index %d, pixel %d, shares the source buffer: %v", i, f.Index, f.Image.Pix[0], f.Image == src.img)
		}
	}
}

func TestStreamReusesReleasedImages(t *testing.T) {
	path := writePatternVideo(t, tempPath(t, "s.mp4"), 20, 64, 48, 20)
	v, err := OpenVideo(path)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	s := Stream(context.Background(), v, 2)
	defer s.Close()
	seen := map[*image.RGBA]bool{}
	n := 0
	for f := range s.Frames() {
		if f.Index != n || decodeIndex(f.Image) != n {
			t.Fatalf("frame %d: index %d, pattern %d", n, f.Index, decodeIndex(f.Image))
		}
		seen[f.Image] = true
		s.Release(f.Image)
		n++
	}
	if err := s.Err(); err != nil || n != 20 {
		t.Fatalf("%d frames, Err %v; want 20, nil", n, err)
	}
	// depth 2 in the channel, 1 being decoded, spares in the free list.
	if len(seen) > 2+1+2+1 {
		t.Errorf("%d distinct images for 20 released frames; buffers are not reused", len(seen))
	}
}

// intoFake is a fakeSource of another package's kind (IntoSource): its
// frames are read into the images Stream gives it, and Next must not be
// called.
type intoFake struct {
	fakeSource
	t     *testing.T
	given map[*image.RGBA]bool // the buffers NextInto was handed
}

func (s *intoFake) Next(context.Context) (Frame, error) {
	s.t.Error("Stream called Next on an IntoSource")
	return Frame{}, io.EOF
}

func (s *intoFake) NextInto(ctx context.Context, into image.Image) (Frame, error) {
	dst, _ := into.(*image.RGBA)
	if dst != nil {
		s.given[dst] = true
	}
	s.img = dst
	return s.fakeSource.Next(ctx)
}

// TestStreamReadsIntoSourceBuffers: an IntoSource reads frames into the
// buffers released back to the stream (NextInto, never Next and the
// stream's copy), and every frame arrives in order.
func TestStreamReadsIntoSourceBuffers(t *testing.T) {
	src := &intoFake{fakeSource: fakeSource{n: 30}, t: t, given: map[*image.RGBA]bool{}}
	s := Stream(context.Background(), src, 2)
	defer s.Close()
	released := map[*image.RGBA]bool{}
	n := 0
	for f := range s.Frames() {
		if f.Index != n || f.Image.Pix[0] != byte(n) {
			t.Fatalf("frame %d: index %d, pixel %d", n, f.Index, f.Image.Pix[0])
		}
		released[f.Image] = true
		s.Release(f.Image)
		n++
	}
	if err := s.Err(); err != nil || n != 30 {
		t.Fatalf("%d frames, Err %v; want 30, nil", n, err)
	}
	if len(src.given) == 0 {
		t.Error("NextInto was never handed a released buffer")
	}
	for img := range src.given {
		if !released[img] {
			t.Error("NextInto was handed a buffer never released")
		}
	}
	// depth 2 in the channel, 1 being read, 1 with the receiver.
	if len(released) > 2+1+1 {
		t.Errorf("%d distinct images for 30 released frames; buffers are not reused", len(released))
	}
}

func TestStreamIsBounded(t *testing.T) {
	const depth = 2
	src := &fakeSource{n: 1000}
	s := Stream(context.Background(), src, depth)
	defer s.Close()
	// Nobody receives: the decoder fills the channel, decodes one more
	// frame and blocks sending it.
	deadline := time.Now().Add(5 * time.Second)
	for src.next.Load() < depth+1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if n := src.next.Load(); n != depth+1 {
		t.Errorf("decoded %d frames with nobody receiving, want %d", n, depth+1)
	}
}

func TestStreamStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &fakeSource{n: 1 << 30}
	s := Stream(ctx, src, 2)
	n := 0
	for range s.Frames() {
		n++
		if n == 5 {
			cancel()
		}
	}
	if err := s.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err = %v, want context.Canceled", err)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
	decoded := src.next.Load()
	if decoded > 5+2+1 {
		t.Errorf("decoded %d frames after cancelling at 5", decoded)
	}
}

func TestStreamCloseWithoutReading(t *testing.T) {
	s := Stream(context.Background(), &fakeSource{n: 1 << 30}, 1)
	s.Close()
	s.Close() // twice is fine
	for range s.Frames() {
	}
	if err := s.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err = %v after Close, want context.Canceled", err)
	}
}

func TestStreamReportsSourceError(t *testing.T) {
	boom := errors.New("disk on fire")
	s := Stream(context.Background(), &fakeSource{n: 10, failAt: 4, err: boom}, 2)
	defer s.Close()
	n := 0
	for range s.Frames() {
		n++
	}
	if !errors.Is(s.Err(), boom) || n != 4 {
		t.Errorf("%d frames then Err %v; want 4 then %v", n, s.Err(), boom)
	}
}

// TestNextAfterClose reads each kind of source after closing it: an error
// naming the input, not a crash on released OpenCV memory.
func TestNextAfterClose(t *testing.T) {
	dir := t.TempDir()
	clip := writePatternVideo(t, filepath.Join(dir, "clip.mp4"), 3, 64, 48, 30)
	imgs := filepath.Join(dir, "imgs")
	if err := os.Mkdir(imgs, 0o755); err != nil {
		t.Fatal(err)
	}
	writePNG(t, filepath.Join(imgs, "1.png"), patternFrame(64, 48, 0))
	tests := []struct {
		name string
		open func() (FrameSource, error)
		path string
	}{
		{"video", func() (FrameSource, error) { return OpenVideo(clip) }, clip},
		{"images", func() (FrameSource, error) { return OpenImages(imgs, 10) }, imgs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := tt.open()
			if err != nil {
				t.Fatal(err)
			}
			if err := src.Close(); err != nil {
				t.Fatal(err)
			}
			_, err = src.Next(context.Background())
			var se *SourceError
			if !errors.As(err, &se) || se.Input != tt.path || !strings.Contains(err.Error(), "source is closed") {
				t.Errorf("Next after Close: %v, want a *SourceError for %s saying the source is closed", err, tt.path)
			}
		})
	}
}
