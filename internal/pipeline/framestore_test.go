package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/kneescreen/kneescreen/internal/sample"
	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/vision"
)

// storeSpy stands in for openStoreFile while a test runs: its files stay
// linked until closed (as on a system that cannot unlink an open file), so
// one not removed shows in the folder; it counts the files made and the
// frames read back, and makes every write after the first failAfter fail
// with ENOSPC (negative: none fails).
type storeSpy struct {
	opened, reads atomic.Int32
	failAfter     int
}

func spyStore(t *testing.T, failAfter int) *storeSpy {
	t.Helper()
	s := &storeSpy{failAfter: failAfter}
	prev := openStoreFile
	openStoreFile = func(dir string) (storeFile, error) {
		f, err := os.CreateTemp(dir, "kneescreen-frames-*")
		if err != nil {
			return nil, err
		}
		s.opened.Add(1)
		return &spyFile{removeOnClose: removeOnClose{f}, spy: s}, nil
	}
	t.Cleanup(func() { openStoreFile = prev })
	return s
}

type spyFile struct {
	removeOnClose
	spy    *storeSpy
	writes int
}

func (f *spyFile) Write(p []byte) (int, error) {
	if f.spy.failAfter >= 0 && f.writes >= f.spy.failAfter {
		return 0, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	f.writes++
	return f.removeOnClose.Write(p)
}

func (f *spyFile) ReadAt(p []byte, off int64) (int, error) {
	f.spy.reads.Add(1)
	return f.removeOnClose.ReadAt(p, off)
}

// noiseSource is n frames of seeded noise, w x h, alpha opaque, timed at
// 25 fps; it does not reduce its frames itself.
type noiseSource struct {
	n, w, h, i int
	rng        *rand.Rand
	img        *image.RGBA
	// all keeps a copy of every frame handed out.
	all []*image.RGBA
}

func (s *noiseSource) Info() vision.Info {
	return vision.Info{Kind: vision.KindVideo, Width: s.w, Height: s.h, FPS: 25, FrameCount: s.n}
}

func (s *noiseSource) Next(context.Context) (vision.Frame, error) {
	if s.i >= s.n {
		return vision.Frame{}, io.EOF
	}
	if s.img == nil {
		s.img = image.NewRGBA(image.Rect(0, 0, s.w, s.h))
	}
	for p := range s.img.Pix {
		s.img.Pix[p] = uint8(s.rng.IntN(256))
		if p%4 == 3 {
			s.img.Pix[p] = 255
		}
	}
	s.all = append(s.all, copyFrame(nil, s.img))
	f := vision.Frame{Index: s.i, Time: float64(s.i) / 25, Image: s.img}
	s.i++
	return f, nil
}

func (s *noiseSource) Close() error { return nil }

// TestFrameStoreRoundTrip: the frames added come back in order with their
// index and time, at the annotated pass's size: copied when they have it,
// reduced as boxReduce (what a second decode gives Render) when they are
// the full frame. A frame of another size drops the store.
func TestFrameStoreRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name          string
		w, h, maxSide int
		k             int
	}{
		{"copied", 64, 48, 0, 1},
		{"reduced by 2", 130, 62, 65, 2},
		{"reduced by 3", 99, 60, 40, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spy := spyStore(t, -1)
			const n = 7
			src := &noiseSource{n: n, w: tc.w, h: tc.h, rng: rand.New(rand.NewPCG(1, uint64(tc.k)))}
			dir := t.TempDir()
			s := newFrameStore(FrameStoreOptions{Dir: dir}, src, -1, tc.maxSide)
			if s == nil {
				t.Fatal("no store")
			}
			defer s.Close()
			for range n {
				f, err := src.Next(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				s.add(f)
			}
			rd := s.source(n)
			if rd == nil {
				t.Fatalf("store dropped: %v", s.err)
			}
			if got := rd.Info(); got.Width != tc.w/tc.k || got.Height != tc.h/tc.k || got.FrameCount != n {
				t.Fatalf("store info %dx%d, %d frames; want %dx%d, %d", got.Width, got.Height, got.FrameCount, tc.w/tc.k, tc.h/tc.k, n)
			}
			for i := range n {
				f, err := rd.Next(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				want := src.all[i]
				if tc.k > 1 {
					want = boxReduce(nil, want, tc.k)
				}
				if f.Index != i || f.Time != float64(i)/25 || f.Image.Rect != want.Rect || !bytes.Equal(f.Image.Pix, want.Pix) {
					t.Fatalf("frame %d read back as frame %d at %.3f s, %v; want its pixels at %v", i, f.Index, f.Time, f.Image.Rect, want.Rect)
				}
			}
			if _, err := rd.Next(context.Background()); err != io.EOF {
				t.Errorf("after the last frame: %v, want io.EOF", err)
			}
			if int(spy.reads.Load()) != n {
				t.Errorf("%d reads, want %d", spy.reads.Load(), n)
			}
			// Read again as Render does, through a vision.Stream, which
			// gets each frame read straight into one of its buffers
			// (NextInto): the same frames.
			want := func(i int) *image.RGBA {
				if tc.k > 1 {
					return boxReduce(nil, src.all[i], tc.k)
				}
				return src.all[i]
			}
			stream := vision.Stream(context.Background(), s.source(n), 2)
			i := 0
			for f := range stream.Frames() {
				if w := want(i); f.Index != i || f.Image.Rect != w.Rect || !bytes.Equal(f.Image.Pix, w.Pix) {
					t.Fatalf("streamed frame %d came as frame %d, %v; want its pixels at %v", i, f.Index, f.Image.Rect, w.Rect)
				}
				stream.Release(f.Image)
				i++
			}
			if err := stream.Err(); err != nil || i != n {
				t.Fatalf("streamed %d frames, then %v; want %d and the end", i, err, n)
			}
			stream.Close()
			// NextInto fills the image it is given when that has the
			// stored size, and makes one otherwise.
			into := s.source(n).(vision.IntoSource)
			buf := image.NewRGBA(image.Rect(0, 0, tc.w/tc.k, tc.h/tc.k))
			if f, err := into.NextInto(context.Background(), buf); err != nil || f.Image != buf || !bytes.Equal(buf.Pix, want(0).Pix) {
				t.Errorf("NextInto a buffer of the stored size: %v, same buffer %v", err, err == nil && f.Image == buf)
			}
			odd := image.NewRGBA(image.Rect(0, 0, tc.w/tc.k+1, tc.h/tc.k))
			if f, err := into.NextInto(context.Background(), odd); err != nil || f.Image == odd || !bytes.Equal(f.Image.Pix, want(1).Pix) {
				t.Errorf("NextInto a buffer of another size: %v, same buffer %v", err, err == nil && f.Image == odd)
			}
			if s.source(n+1) != nil {
				t.Errorf("a store one frame short of pass one is used")
			}
			// A frame of another size drops the store: its pixels are
			// not the ones the annotated pass would decode.
			s2 := newFrameStore(FrameStoreOptions{Dir: dir}, src, -1, tc.maxSide)
			defer s2.Close()
			s2.add(vision.Frame{Image: image.NewRGBA(image.Rect(0, 0, tc.w+1, tc.h))})
			if s2.source(1) != nil || s2.err == nil {
				t.Errorf("a frame of another size was kept")
			}
			s.Close()
			s2.Close()
			if names := testenv.DirNames(t, dir); len(names) != 0 {
				t.Errorf("closed stores left %v", names)
			}
		})
	}
}

// TestFrameStoreBounds: no store when it would exceed its cap or half the
// free space, when the frame count or size is unknown, or when the source
// reduces its frames by another factor than the annotated pass; a store
// whose frames outgrow the cap is dropped and emptied.
func TestFrameStoreBounds(t *testing.T) {
	spy := spyStore(t, -1)
	dir := t.TempDir()
	src := &noiseSource{n: 10, w: 64, h: 48, rng: rand.New(rand.NewPCG(2, 2))}
	frame := int64(64 * 48 * 4)
	for _, tc := range []struct {
		name string
		opts FrameStoreOptions
		src  vision.FrameSource
	}{
		{"disabled", FrameStoreOptions{Dir: dir, MaxBytes: -1}, src},
		{"over the cap", FrameStoreOptions{Dir: dir, MaxBytes: 10*frame - 1}, src},
		{"unknown frame count", FrameStoreOptions{Dir: dir}, &colourSource{n: -1}},
		{"no such folder", FrameStoreOptions{Dir: filepath.Join(dir, "missing")}, src},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s := newFrameStore(tc.opts, tc.src, -1, 0); s != nil {
				s.Close()
				t.Errorf("a store was made")
			}
		})
	}
	if free, ok := freeBytes(dir); ok {
		t.Run("over half the free space", func(t *testing.T) {
			big := &noiseSource{n: int(free/2/(4*4096*4096)) + 1, w: 4096, h: 4096}
			if s := newFrameStore(FrameStoreOptions{Dir: dir, MaxBytes: 1 << 62}, big, -1, 0); s != nil {
				s.Close()
				t.Errorf("a store of %d bytes was made with %d free", int64(big.n)*4*4096*4096, free)
			}
		})
	}
	if n := spy.opened.Load(); n != 0 {
		t.Errorf("%d store files made", n)
	}
	t.Run("outgrows the cap", func(t *testing.T) {
		s := newFrameStore(FrameStoreOptions{Dir: dir, MaxBytes: 10 * frame}, src, -1, 0)
		if s == nil {
			t.Fatal("no store")
		}
		defer s.Close()
		for range 11 {
			f, _ := src.Next(context.Background())
			if f.Image == nil {
				src.i = 0
				f, _ = src.Next(context.Background())
			}
			s.add(f)
		}
		if s.source(11) != nil || s.err == nil {
			t.Errorf("11 frames kept under a cap of 10")
		}
	})
	storeReserved.Lock()
	defer storeReserved.Unlock()
	if storeReserved.bytes != 0 {
		t.Errorf("closed stores still reserve %d bytes", storeReserved.bytes)
	}
}

// runOutputs runs cfg on in into a new folder and returns its files'
// contents by name.
func runOutputs(t *testing.T, in string, cfg Config) (*Result, map[string][]byte) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	res, err := Run(context.Background(), in, dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, name := range testenv.DirNames(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	return res, files
}

// sameOutputs fails unless got holds exactly want's files, byte for byte.
func sameOutputs(t *testing.T, got, want map[string][]byte) {
	t.Helper()
	names := func(m map[string][]byte) []string {
		var s []string
		for k := range m {
			s = append(s, k)
		}
		slices.Sort(s)
		return s
	}
	if !slices.Equal(names(got), names(want)) {
		t.Fatalf("files %v, want %v", names(got), names(want))
	}
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s differs from the second decode's (%d bytes, want %d)", name, len(got[name]), len(b))
		}
	}
}

// TestRenderFromStoreDrawsTheSame: the annotated frames and kept stills
// Render draws on the frames pass one stored are byte for byte the ones it
// draws on the input decoded again (the encoder and JPEG could hide a
// stray bit in Run's files; the frames cannot): frames copied (at the
// input's size, or at the size the source reduces to for pass one too),
// reduced by 2 or 3 by the store, with only some frames estimated
// (EstimateHz: the others are stored all the same), and from a folder of
// images.
func TestRenderFromStoreDrawsTheSame(t *testing.T) {
	video := testenv.Testdata(t, sample.FixtureFile)
	images := imageFolder(t, video, 40)
	for _, tc := range []struct {
		name         string
		in           string
		trackMaxSide int
		videoMaxSide int
		estimateHz   float64
	}{
		{name: "input size", in: video},
		{name: "reduced by 2", in: video, videoMaxSide: 320},
		{name: "reduced by 3", in: video, videoMaxSide: 240},
		{name: "reduced for both passes", in: video, trackMaxSide: 320, videoMaxSide: 320},
		{name: "some frames estimated", in: video, videoMaxSide: 320, estimateHz: 10},
		{name: "images", in: images, videoMaxSide: 320},
	} {
		t.Run(tc.name, func(t *testing.T) {
			renderFromStore(t, tc.in, TrackOptions{NewEstimator: lightning(t), MaxSide: tc.trackMaxSide, EstimateHz: tc.estimateHz}, tc.videoMaxSide)
		})
	}
}

// hashSink keeps the SHA-256 of every frame written.
type hashSink struct{ sums [][32]byte }

func (s *hashSink) Write(img *image.RGBA) error {
	s.sums = append(s.sums, sha256.Sum256(img.Pix))
	return nil
}

// renderFromStore runs pass one over in with topts, keeping its frames in
// a store, then renders at videoMaxSide from the store and from in decoded
// again, and fails unless every annotated frame and kept still is the
// same, byte for byte.
func renderFromStore(t *testing.T, in string, topts TrackOptions, videoMaxSide int) {
	t.Helper()
	ctx := context.Background()
	spy := spyStore(t, -1)
	src, err := Open(in, 25)
	if err != nil {
		t.Fatal(err)
	}
	store := newFrameStore(FrameStoreOptions{Dir: t.TempDir()}, src, topts.MaxSide, videoMaxSide)
	defer store.Close()
	tr, err := track(ctx, src, topts, store)
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	n := len(tr.Poses)
	keep := []int{0, n / 3, n - 1}
	render := func(src vision.FrameSource) ([][32]byte, map[int]image.Image) {
		t.Helper()
		sink := &hashSink{}
		kept, err := Render(ctx, src, nil, tr, RenderOptions{Video: sink, Keep: keep, VideoMaxSide: videoMaxSide})
		if err != nil {
			t.Fatal(err)
		}
		return sink.sums, kept
	}
	stored := store.source(n)
	if stored == nil {
		t.Fatalf("the store holds no complete pass one: %v", store.err)
	}
	got, gotKept := render(stored)
	if spy.reads.Load() != int32(n) {
		t.Errorf("%d frames read from the store, want %d", spy.reads.Load(), n)
	}
	src, err = Open(in, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	want, wantKept := render(src)
	if len(got) != len(want) || len(got) != n {
		t.Fatalf("%d frames drawn from the store, %d decoded again, %d poses", len(got), len(want), n)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("frame %d drawn from the store differs from the one decoded again", i)
		}
	}
	for _, k := range keep {
		g, w := gotKept[k].(*image.RGBA), wantKept[k].(*image.RGBA)
		if g == nil || w == nil || g.Rect != w.Rect || !bytes.Equal(g.Pix, w.Pix) {
			t.Errorf("kept frame %d differs", k)
		}
	}
}

// TestRunFrameStoreSameOutputs: Run's folder is byte for byte the same
// whether the annotated pass reads pass one's frames from the store or
// decodes the input again, and so when the store is dropped part-way (a
// write fails) or never made (a cap too small, pass one reducing by
// another factor than the annotated pass); pass one's poses are the same;
// no store file is left behind in any case.
func TestRunFrameStoreSameOutputs(t *testing.T) {
	video := testenv.Testdata(t, sample.FixtureFile)
	images := imageFolder(t, video, 40)
	for _, tc := range []struct {
		name         string
		in           string
		trackMaxSide int
		videoMaxSide int
		maxBytes     int64
		failAfter    int
		used         bool
	}{
		{name: "stored", in: video, videoMaxSide: 320, failAfter: -1, used: true},
		{name: "images", in: images, videoMaxSide: 320, failAfter: -1, used: true},
		{name: "write fails", in: video, videoMaxSide: 320, failAfter: 10},
		{name: "cap too small", in: video, videoMaxSide: 320, maxBytes: 1, failAfter: -1},
		{name: "other reductions", in: video, trackMaxSide: 320, failAfter: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := quickConfig(t, report.AllFormats...)
			cfg.ImageFPS = 25
			cfg.Track.MaxSide, cfg.VideoMaxSide = tc.trackMaxSide, tc.videoMaxSide
			cfg.FrameStore.MaxBytes = -1
			wantRes, want := runOutputs(t, tc.in, cfg)

			spy := spyStore(t, tc.failAfter)
			cfg.FrameStore = FrameStoreOptions{Dir: t.TempDir(), MaxBytes: tc.maxBytes}
			res, got := runOutputs(t, tc.in, cfg)
			sameOutputs(t, got, want)
			if !reflect.DeepEqual(res.Track.Poses, wantRes.Track.Poses) {
				t.Errorf("pass one's poses differ with the store")
			}
			if used := spy.reads.Load() > 0; used != tc.used {
				t.Errorf("store read %d times; want it used: %v", spy.reads.Load(), tc.used)
			}
			if tc.failAfter >= 0 && spy.opened.Load() != 1 {
				t.Errorf("%d store files made, want the one whose write fails", spy.opened.Load())
			}
			if names := testenv.DirNames(t, cfg.FrameStore.Dir); len(names) != 0 {
				t.Errorf("store files left: %v", names)
			}
		})
	}
}

// imageFolder writes the first n frames of video as PNG files into a new
// folder.
func imageFolder(t *testing.T, video string, n int) string {
	t.Helper()
	src, err := Open(video, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dir := t.TempDir()
	for i := range n {
		f, err := src.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dir, fmt.Sprintf("%04d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		err = png.Encode(out, f.Image)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestRunFrameStoreCancel: a run cancelled in either pass leaves no store
// file behind (the spy's files stay linked until closed, so one that is
// not shows).
func TestRunFrameStoreCancel(t *testing.T) {
	in := testenv.Testdata(t, sample.FixtureFile)
	for _, pass := range []string{"pose", "render"} {
		t.Run(pass, func(t *testing.T) {
			spy := spyStore(t, -1)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cfg := quickConfig(t, report.AllFormats...)
			cfg.FrameStore.Dir = t.TempDir()
			cfg.Progress = func(p Progress) {
				if p.Pass == pass && p.Done == 20 {
					cancel()
				}
			}
			if _, err := Run(ctx, in, filepath.Join(t.TempDir(), "out"), cfg); !errors.Is(err, context.Canceled) {
				t.Fatalf("Run after cancel: %v, want context.Canceled", err)
			}
			if spy.opened.Load() != 1 {
				t.Errorf("%d store files made, want 1", spy.opened.Load())
			}
			if names := testenv.DirNames(t, cfg.FrameStore.Dir); len(names) != 0 {
				t.Errorf("store files left: %v", names)
			}
		})
	}
}

// TestRenderFromStoreRealClips: on a 720p clip (stored reduced by 2) and
// a phone's 1080x1920 (stored as pass one's source reduces it), at
// analyze's default sizes, the annotated frames and stills drawn from the
// store are the ones a second decode gives, byte for byte.
func TestRenderFromStoreRealClips(t *testing.T) {
	dir := testenv.Shared(t, "realdata/videos")
	for _, name := range []string{"rjsong_front_squat.mp4", "lnewco_IMG_7027.mov"} {
		t.Run(name, func(t *testing.T) {
			renderFromStore(t, filepath.Join(dir, name), TrackOptions{NewEstimator: lightning(t)}, DefaultVideoMaxSide)
		})
	}
}
