package pipeline

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
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

// TestRunStartsVideoEarly: into a folder that exists, and into a new one
// two levels below one that exists, Run starts the annotated video's
// ffmpeg before pass one's frames (it is running while the poses are
// estimated, and it is the only ffmpeg started: its start answers whether
// ffmpeg has libx264), and the folder it writes is byte for byte the one
// Run writes when the encoder is started at the annotated pass, as before
// the early start. No ffmpeg is left running.
func TestRunStartsVideoEarly(t *testing.T) {
	if ffmpegChildren(t) != 0 {
		t.Skip("another ffmpeg child of this test process is running")
	}
	in := testenv.Testdata(t, sample.FixtureFile)
	cfg := quickConfig(t, report.AllFormats...)
	startEarly = false
	_, late := runOutputs(t, in, cfg)
	startEarly = true
	for _, tc := range []struct {
		name string
		dir  func(t *testing.T) string
	}{
		{"existing folder", func(t *testing.T) string { return t.TempDir() }},
		{"new folder", func(t *testing.T) string { return filepath.Join(t.TempDir(), "new", "out") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			starts := countFFmpegStarts(t)
			dir := tc.dir(t)
			running := -1
			cfg := cfg
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
			if n := starts(); n != 1 {
				t.Errorf("ffmpeg started %d times, want once", n)
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
		})
	}
}

// countFFmpegStarts puts the real ffmpeg first on PATH behind a script
// (a path not cached: whether it has libx264 is not known yet) that
// counts its starts, and returns the count so far.
func countFFmpegStarts(t *testing.T) func() int {
	t.Helper()
	real, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "starts")
	script := "#!/bin/sh\necho x >> '" + log + "'\nexec '" + real + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "ffmpeg"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return func() int {
		b, _ := os.ReadFile(log)
		return strings.Count(string(b), "x")
	}
}

// TestRunWithoutX264: with an ffmpeg that has no libx264 (failing as
// FFmpeg 5.1 does, at once) the early encoder's start is the only ffmpeg
// start, and the annotated video is written by OpenCV's writer, with no
// error: a whole video of every frame.
func TestRunWithoutX264(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "starts")
	script := `#!/bin/sh
echo "$*" >> '` + log + `'
case "$*" in *-encoders*) echo " V....D mpeg4                MPEG-4 part 2"; exit 0;; esac
echo "[fatal] Unknown encoder 'libx264'" >&2; exit 1
`
	if err := os.WriteFile(filepath.Join(dir, "ffmpeg"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv(vision.EncoderEnv, "")
	in := testenv.Testdata(t, sample.FixtureFile)
	out := filepath.Join(t.TempDir(), "out")
	res, err := Run(context.Background(), in, out, quickConfig(t, report.FormatJSON, report.FormatVideo))
	if err != nil {
		t.Fatal(err)
	}
	pr, err := vision.Probe(context.Background(), filepath.Join(out, report.VideoFile))
	if err != nil || pr.FrameCount != len(res.Track.Poses) {
		t.Errorf("video: %+v, %v; want %d frames", pr, err, len(res.Track.Poses))
	}
	b, _ := os.ReadFile(log)
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 1 || strings.Contains(lines[0], "-encoders") {
		t.Errorf("ffmpeg started as %q, want once, as the encoder", lines)
	}
}

// TestRunCancelWithEarlyVideo: an analysis cancelled during pass one,
// while the early encoder waits, or during the annotated pass leaves its
// existing folder as it was (an earlier file in it untouched, nothing
// added) and no ffmpeg running; into a folder that did not exist, two
// levels below one that did, it leaves no folder behind, and the one that
// existed as it was.
func TestRunCancelWithEarlyVideo(t *testing.T) {
	if ffmpegChildren(t) != 0 {
		t.Skip("another ffmpeg child of this test process is running")
	}
	for _, pass := range []string{"pose", "render"} {
		for _, nested := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/new folder %v", pass, nested), func(t *testing.T) {
				in := testenv.Testdata(t, sample.FixtureFile)
				mineDir := t.TempDir()
				mine := filepath.Join(mineDir, "notes.txt")
				if err := os.WriteFile(mine, []byte("kept"), 0o644); err != nil {
					t.Fatal(err)
				}
				dir := mineDir
				if nested {
					dir = filepath.Join(mineDir, "new", "out")
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				cfg := quickConfig(t, report.AllFormats...)
				cfg.Progress = func(p Progress) {
					if p.Pass == pass && p.Done == 20 {
						if _, err := os.Stat(dir); err != nil {
							t.Errorf("during pass %s: %v, want the folder begun", pass, err)
						}
						cancel()
					}
				}
				if _, err := Run(ctx, in, dir, cfg); !errors.Is(err, context.Canceled) {
					t.Fatalf("Run after cancel: %v, want context.Canceled", err)
				}
				if got := testenv.DirNames(t, mineDir); len(got) != 1 || got[0] != "notes.txt" {
					t.Errorf("cancelled run left %v, want only notes.txt", got)
				}
				if n := waitNoFFmpeg(t); n != 0 {
					t.Errorf("%d ffmpeg processes left after a cancelled Run", n)
				}
			})
		}
	}
}

// TestRunCancelLeavesNoNewFolder: without a video (no early start: the
// folder is begun after pass one), an analysis cancelled in the render
// pass that the HTML report's stills need also removes the new folder it
// made, and leaves the folder above it, which existed, as it was.
func TestRunCancelLeavesNoNewFolder(t *testing.T) {
	in := testenv.Testdata(t, sample.FixtureFile)
	root := t.TempDir()
	dir := filepath.Join(root, "new", "out")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := quickConfig(t, report.FormatJSON, report.FormatHTML)
	began := false
	cfg.Progress = func(p Progress) {
		if p.Pass == "pose" && p.Done == 20 {
			if _, err := os.Stat(dir); err == nil {
				t.Error("folder made during pass one without a video")
			}
		}
		if p.Pass == "render" && p.Done == 5 {
			_, err := os.Stat(dir)
			began = err == nil
			cancel()
		}
	}
	if _, err := Run(ctx, in, dir, cfg); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel: %v, want context.Canceled", err)
	}
	if !began {
		t.Error("the folder was not begun before the render pass")
	}
	if got := testenv.DirNames(t, root); len(got) != 0 {
		t.Errorf("cancelled run left %v", got)
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

// TestStartVideoWhenNot: no early encoder (and no folder begun or made)
// without the video format, for an input of unknown size, with the opencv
// encoder, or where the folder cannot be made (a file is in the way).
func TestStartVideoWhenNot(t *testing.T) {
	info := vision.Info{Width: 64, Height: 48, FPS: 10}
	for _, tc := range []struct {
		name    string
		formats []report.Format
		info    vision.Info
		env     string
		blocked bool
	}{
		{"no video", []report.Format{report.FormatJSON, report.FormatHTML}, info, "", false},
		{"unknown size", []report.Format{report.FormatVideo}, vision.Info{FPS: 10}, "", false},
		{"opencv", []report.Format{report.FormatVideo}, info, "opencv", false},
		{"a file in the way", []report.Format{report.FormatVideo}, info, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(vision.EncoderEnv, tc.env)
			root := t.TempDir()
			if tc.blocked {
				if err := os.WriteFile(filepath.Join(root, "new"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			dir := filepath.Join(root, "new", "out")
			out, e := startVideo(context.Background(), dir, tc.info, quickConfig(t, tc.formats...))
			if out != nil || e != nil {
				e.abort()
				if out != nil {
					out.Abort()
				}
				t.Fatalf("started: folder %v, writer %v", out != nil, e != nil)
			}
			want := 0
			if tc.blocked {
				want = 1
			}
			if got := testenv.DirNames(t, root); len(got) != want {
				t.Errorf("%s holds %v", root, got)
			}
		})
	}
}
