package pipeline

import (
	"context"
	"errors"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/internal/sample"
	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/vision"
)

// ffmpegChildren counts this process's child processes named ffmpeg,
// from /proc (Linux; the test skips elsewhere).
func ffmpegChildren(t *testing.T) int {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("counts child processes through /proc")
	}
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split
		// after its closing parenthesis.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || !strings.Contains(s[:i], "(ffmpeg") {
			continue
		}
		if f := strings.Fields(s[i+1:]); len(f) > 1 {
			if ppid, _ := strconv.Atoi(f[1]); ppid == os.Getpid() {
				n++
			}
		}
	}
	return n
}

// waitNoFFmpeg waits a little for ffmpeg children to be gone (a process
// that was waited for is gone at once; this only absorbs /proc's lag).
func waitNoFFmpeg(t *testing.T) int {
	t.Helper()
	n := ffmpegChildren(t)
	for i := 0; n > 0 && i < 20; i++ {
		time.Sleep(50 * time.Millisecond)
		n = ffmpegChildren(t)
	}
	return n
}

// TestRunStartsVideoEarly: into a folder that exists, Run starts the
// annotated video's ffmpeg before pass one's frames (it is running while
// the poses are estimated), and the folder it writes is byte for byte the
// one Run writes into a new folder, where the encoder starts at the
// annotated pass as before. No ffmpeg is left running.
func TestRunStartsVideoEarly(t *testing.T) {
	if ffmpegChildren(t) != 0 {
		t.Skip("another ffmpeg child of this test process is running")
	}
	in := testenv.Testdata(t, sample.FixtureFile)
	cfg := quickConfig(t, report.AllFormats...)
	_, late := runOutputs(t, in, cfg) // a folder Run creates: no early start
	dir := t.TempDir()
	running := -1
	cfg.Progress = func(p Progress) {
		if p.Pass == "pose" && p.Done == 10 {
			running = ffmpegChildren(t)
		}
	}
	if _, err := Run(context.Background(), in, dir, cfg); err != nil {
		t.Fatal(err)
	}
	if running != 1 {
		t.Errorf("%d ffmpeg processes running during pass one, want the early encoder", running)
	}
	if n := waitNoFFmpeg(t); n != 0 {
		t.Errorf("%d ffmpeg processes left after Run", n)
	}
	early := map[string][]byte{}
	for _, name := range testenv.DirNames(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		early[name] = b
	}
	sameOutputs(t, early, late)
}

// TestRunCancelWithEarlyVideo: an analysis cancelled during pass one,
// while the early encoder waits, or during the annotated pass leaves its
// existing folder as it was (an earlier file in it untouched, nothing
// added) and no ffmpeg running.
func TestRunCancelWithEarlyVideo(t *testing.T) {
	if ffmpegChildren(t) != 0 {
		t.Skip("another ffmpeg child of this test process is running")
	}
	for _, pass := range []string{"pose", "render"} {
		t.Run(pass, func(t *testing.T) {
			in := testenv.Testdata(t, sample.FixtureFile)
			dir := t.TempDir()
			mine := filepath.Join(dir, "notes.txt")
			if err := os.WriteFile(mine, []byte("kept"), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cfg := quickConfig(t, report.AllFormats...)
			cfg.Progress = func(p Progress) {
				if p.Pass == pass && p.Done == 20 {
					cancel()
				}
			}
			if _, err := Run(ctx, in, dir, cfg); !errors.Is(err, context.Canceled) {
				t.Fatalf("Run after cancel: %v, want context.Canceled", err)
			}
			if got := testenv.DirNames(t, dir); len(got) != 1 || got[0] != "notes.txt" {
				t.Errorf("cancelled run left %v, want only notes.txt", got)
			}
			if n := waitNoFFmpeg(t); n != 0 {
				t.Errorf("%d ffmpeg processes left after a cancelled Run", n)
			}
		})
	}
}

// TestEarlyVideoTake: the early writer is handed over only for the rate
// and size it was started with; otherwise its ffmpeg is stopped, and once
// its reservation is dropped nothing is left. The one handed over writes
// a video that checks out.
func TestEarlyVideoTake(t *testing.T) {
	if ffmpegChildren(t) != 0 {
		t.Skip("another ffmpeg child of this test process is running")
	}
	cfg := quickConfig(t, report.FormatVideo)
	info := vision.Info{Width: 64, Height: 48, FPS: 10}
	for _, tc := range []struct {
		name          string
		fps           float64
		width, height int
		taken         bool
	}{
		{"same", 10, 64, 48, true},
		{"another rate", 12.5, 64, 48, false},
		{"another size", 10, 32, 24, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, e := startVideo(context.Background(), dir, info, cfg)
			if out == nil || e == nil {
				t.Fatal("no early video in an existing folder")
			}
			defer out.Abort()
			if n := ffmpegChildren(t); n != 1 {
				t.Fatalf("%d ffmpeg processes after startVideo, want 1", n)
			}
			vw := e.take(tc.fps, tc.width, tc.height)
			if (vw != nil) != tc.taken {
				t.Fatalf("take: writer %v, want one: %v", vw != nil, tc.taken)
			}
			e.abort() // nothing once taken
			if !tc.taken {
				if n := waitNoFFmpeg(t); n != 0 {
					t.Errorf("%d ffmpeg processes after a writer not taken", n)
				}
				out.Drop(report.VideoFile)
				if got := testenv.DirNames(t, dir); len(got) != 0 {
					t.Errorf("folder holds %v after the early video was given up", got)
				}
				return
			}
			img := image.NewRGBA(image.Rect(0, 0, 64, 48))
			for i := range 5 {
				for p := range img.Pix {
					img.Pix[p] = uint8(40 * i)
				}
				if err := vw.Write(img); err != nil {
					t.Fatal(err)
				}
			}
			if err := vw.Close(); err != nil {
				t.Fatal(err)
			}
			if err := out.Commit(nil); err != nil {
				t.Fatal(err)
			}
			pr, err := vision.Probe(context.Background(), filepath.Join(dir, report.VideoFile))
			if err != nil || pr.FrameCount != 5 {
				t.Errorf("video: %+v, %v; want 5 frames", pr, err)
			}
		})
	}
}

// TestStartVideoWhenNot: no early encoder (and no folder begun) without
// the video format, for an input of unknown size, a folder not yet made
// or the opencv encoder.
func TestStartVideoWhenNot(t *testing.T) {
	info := vision.Info{Width: 64, Height: 48, FPS: 10}
	for _, tc := range []struct {
		name    string
		formats []report.Format
		info    vision.Info
		dir     func(t *testing.T) string
		env     string
	}{
		{"no video", []report.Format{report.FormatJSON, report.FormatHTML}, info, func(t *testing.T) string { return t.TempDir() }, ""},
		{"unknown size", []report.Format{report.FormatVideo}, vision.Info{FPS: 10}, func(t *testing.T) string { return t.TempDir() }, ""},
		{"new folder", []report.Format{report.FormatVideo}, info, func(t *testing.T) string { return filepath.Join(t.TempDir(), "new") }, ""},
		{"opencv", []report.Format{report.FormatVideo}, info, func(t *testing.T) string { return t.TempDir() }, "opencv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(vision.EncoderEnv, tc.env)
			dir := tc.dir(t)
			out, e := startVideo(context.Background(), dir, tc.info, quickConfig(t, tc.formats...))
			if out != nil || e != nil {
				e.abort()
				if out != nil {
					out.Abort()
				}
				t.Fatalf("started: folder %v, writer %v", out != nil, e != nil)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "new")); tc.name == "new folder" && !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the folder was made: %v", err)
			}
		})
	}
}
