package vision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFFmpegRate: the rate's fraction is the closest one within the
// 1001000 bound, which is also the one FFmpeg 5.1 made of the number when
// the rawvideo command line gave it as a decimal (ffprobe's r_frame_rate
// for -framerate F, the values below), so videos keep the rates they had:
// NTSC's x/1001, rates whose closest fraction needs the bound on the
// numerator (240.00024), sub-frame rates. Rates outside (0, 1001000] are
// errors.
func TestFFmpegRate(t *testing.T) {
	for _, c := range []struct {
		fps      float64
		num, den int64
	}{
		{30.40112596762843, 43200, 1421},
		{29.97002997002997, 30000, 1001},
		{59.94, 2997, 50},
		{23.976, 2997, 125},
		{25, 25, 1},
		{30, 30, 1},
		{12.5, 25, 2},
		{0.5, 1, 2},
		{1000, 1000, 1},
		{240.00024, 1000081, 4167},
		{119.88, 2997, 25},
		{29.999, 29999, 1000},
		{7.3333333333333333, 22, 3},
	} {
		num, den, err := ffmpegRate(c.fps)
		if err != nil || num != c.num || den != c.den {
			t.Errorf("%v fps: %d/%d, %v; want %d/%d", c.fps, num, den, err, c.num, c.den)
		}
	}
	for _, fps := range []float64{0, -1, 1e300, 1e-7} {
		if _, _, err := ffmpegRate(fps); err == nil {
			t.Errorf("%v fps: no error", fps)
		}
	}
}

// TestFFmpegPipeSameFileAsRawvideo: the frames sent as YUV4MPEG2 (the
// encoder started to learn whether ffmpeg has libx264) give the file,
// byte for byte, that the rawvideo command line (every encoder once that
// is known) gives them, at a rate whose fraction matters (59.94: a header
// saying another rate gave another file) and at the shared clip's.
func TestFFmpegPipeSameFileAsRawvideo(t *testing.T) {
	needTool(t, "ffmpeg")
	real, _ := exec.LookPath("ffmpeg")
	const w, h, n = 64, 48, 12
	for _, fps := range []float64{59.94, 30.40112596762843} {
		t.Run(fmt.Sprint(fps), func(t *testing.T) {
			// A fresh path: not known to have libx264 until it says so.
			log := filepath.Join(t.TempDir(), "args")
			fakeFFmpeg(t, `echo "$*" >> '`+log+`'
exec '`+real+`' "$@"`)
			dir := t.TempDir()
			var files [][]byte
			for i, start := range []func(string) (*VideoWriter, error){
				func(p string) (*VideoWriter, error) { return StartFFmpegVideo(context.Background(), p, fps, w, h) },
				func(p string) (*VideoWriter, error) {
					return CreateVideoEncoder(context.Background(), p, fps, w, h, EncoderFFmpeg)
				},
			} {
				path := filepath.Join(dir, fmt.Sprintf("v%d.mp4", i))
				vw, err := start(path)
				if err != nil {
					t.Fatal(err)
				}
				for f := range n {
					if err := vw.Write(patternFrame(w, h, f)); err != nil {
						t.Fatal(err)
					}
				}
				if err := vw.Close(); err != nil {
					t.Fatal(err)
				}
				b, _ := os.ReadFile(path)
				files = append(files, b)
			}
			args, _ := os.ReadFile(log)
			starts := strings.Split(strings.TrimSpace(string(args)), "\n")
			if len(starts) != 2 || !strings.Contains(starts[0], "-f yuv4mpegpipe") || !strings.Contains(starts[1], "-f rawvideo") {
				t.Fatalf("ffmpeg started as %q, want YUV4MPEG2 then rawvideo input", starts)
			}
			if len(files[0]) == 0 || !bytes.Equal(files[0], files[1]) {
				t.Errorf("YUV4MPEG2 input wrote %d bytes, rawvideo %d, not the same file", len(files[0]), len(files[1]))
			}
		})
	}
}

// loggingFFmpeg puts an ffmpeg first on PATH (a fresh path, so nothing is
// cached for it) that notes each start in a log and then runs script, and
// returns a function counting the starts, and those that were the
// -encoders check.
func loggingFFmpeg(t *testing.T, script string) func() (starts, checks int) {
	t.Helper()
	log := filepath.Join(t.TempDir(), "starts")
	fakeFFmpeg(t, `echo "$*" >> '`+log+`'
`+script)
	return func() (int, int) {
		b, _ := os.ReadFile(log)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) == 1 && lines[0] == "" {
			return 0, 0
		}
		checks := 0
		for _, l := range lines {
			if strings.Contains(l, "-encoders") {
				checks++
			}
		}
		return len(lines), checks
	}
}

// TestStartFFmpegVideoWithoutX264: an ffmpeg without libx264 (answering
// as FFmpeg 5.1 does, at once and before reading a frame) started by
// StartFFmpegVideo makes Ready fail with ErrNoFFmpeg and leaves no file;
// the answer is kept, so EncoderAuto then picks OpenCV's writer, explicit
// EncoderFFmpeg fails with ErrNoFFmpeg, and a second StartFFmpegVideo
// fails at once, all without starting ffmpeg again: one start in all.
func TestStartFFmpegVideoWithoutX264(t *testing.T) {
	t.Setenv(EncoderEnv, "")
	starts := loggingFFmpeg(t, `case "$*" in *-encoders*) echo " V....D mpeg4                MPEG-4 part 2"; exit 0;; esac
head -c 20 >/dev/null; echo "[fatal] Unknown encoder 'libx264'" >&2; exit 1`)
	dir := t.TempDir()
	vw, err := StartFFmpegVideo(context.Background(), filepath.Join(dir, "a.mp4"), 30, 64, 48)
	if err != nil {
		t.Fatal(err)
	}
	if err := vw.Ready(); !errors.Is(err, ErrNoFFmpeg) {
		t.Fatalf("Ready: %v, want ErrNoFFmpeg", err)
	}
	if err := vw.Write(patternFrame(64, 48, 0)); err == nil {
		t.Error("Write after a failed Ready succeeded")
	}
	vw.Abort()
	ow, err := CreateVideo(filepath.Join(dir, "b.mp4"), 30, 64, 48)
	if err != nil {
		t.Fatal(err)
	}
	if ow.Encoder() != EncoderOpenCV {
		t.Errorf("auto chose %q after ffmpeg said it has no libx264, want opencv", ow.Encoder())
	}
	ow.Abort()
	if _, err := CreateVideoEncoder(context.Background(), filepath.Join(dir, "c.mp4"), 30, 64, 48, EncoderFFmpeg); !errors.Is(err, ErrNoFFmpeg) {
		t.Errorf("forced ffmpeg: %v, want ErrNoFFmpeg", err)
	}
	if _, err := StartFFmpegVideo(context.Background(), filepath.Join(dir, "d.mp4"), 30, 64, 48); !errors.Is(err, ErrNoFFmpeg) {
		t.Errorf("second StartFFmpegVideo: %v, want ErrNoFFmpeg", err)
	}
	if n, checks := starts(); n != 1 || checks != 0 {
		t.Errorf("ffmpeg started %d times (%d checks), want once, the encoder's start", n, checks)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files left", len(entries))
	}
}

// TestStartFFmpegVideoWithX264: with a working ffmpeg (the real one, run
// through a script that counts its starts) StartFFmpegVideo's encoder
// writes a whole video with one ffmpeg start, no -encoders check, and the
// writer created next knows the answer: two starts for two videos. An
// ffmpeg that never says it found its encoder (a script claiming libx264
// when asked) is asked the old way once confirmWait has passed, and its
// encoder is then used. One that rejects the YUV4MPEG2 command line is
// asked too, and used with the rawvideo one.
func TestStartFFmpegVideoWithX264(t *testing.T) {
	needTool(t, "ffmpeg")
	real, _ := exec.LookPath("ffmpeg")
	t.Setenv(EncoderEnv, "")
	t.Run("says so", func(t *testing.T) {
		starts := loggingFFmpeg(t, `exec '`+real+`' "$@"`)
		dir := t.TempDir()
		for i, start := range []func(string) (*VideoWriter, error){
			func(p string) (*VideoWriter, error) { return StartFFmpegVideo(context.Background(), p, 25, 64, 48) },
			func(p string) (*VideoWriter, error) { return CreateVideo(p, 25, 64, 48) },
		} {
			path := filepath.Join(dir, fmt.Sprintf("v%d.mp4", i))
			vw, err := start(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := vw.Ready(); err != nil {
				t.Fatal(err)
			}
			writePattern(t, vw, 5)
			if vw.Encoder() != EncoderFFmpeg {
				t.Errorf("video %d: encoder %q", i, vw.Encoder())
			}
			if pr, err := Probe(context.Background(), path); err != nil || pr.FrameCount != 5 {
				t.Errorf("video %d: %+v, %v; want 5 frames", i, pr, err)
			}
		}
		if n, checks := starts(); n != 2 || checks != 0 {
			t.Errorf("ffmpeg started %d times (%d checks) for two videos, want 2 and none", n, checks)
		}
	})
	t.Run("said so before the wait ran out", func(t *testing.T) {
		// Ready after confirmWait, with ffmpeg's word already in: the
		// word counts, no check (four tries: a coin toss would show).
		old := confirmWait
		confirmWait = time.Nanosecond
		defer func() { confirmWait = old }()
		for i := range 4 {
			starts := loggingFFmpeg(t, `exec '`+real+`' "$@"`)
			vw, err := StartFFmpegVideo(context.Background(), filepath.Join(t.TempDir(), "v.mp4"), 25, 64, 48)
			if err != nil {
				t.Fatal(err)
			}
			select {
			case <-vw.ff.log.mapped:
			case <-time.After(30 * time.Second):
				t.Fatal("ffmpeg did not log its stream mapping")
			}
			if err := vw.Ready(); err != nil {
				t.Fatal(err)
			}
			vw.Abort()
			if n, checks := starts(); n != 1 || checks != 0 {
				t.Fatalf("try %d: ffmpeg started %d times (%d checks), want once", i, n, checks)
			}
		}
	})
	t.Run("silent", func(t *testing.T) {
		old := confirmWait
		confirmWait = 200 * time.Millisecond
		defer func() { confirmWait = old }()
		starts := loggingFFmpeg(t, `case "$*" in *-encoders*) echo " V....D libx264 H.264"; exit 0;; esac
exec '`+real+`' "$@" 2>/dev/null`)
		path := filepath.Join(t.TempDir(), "v.mp4")
		vw, err := StartFFmpegVideo(context.Background(), path, 25, 64, 48)
		if err != nil {
			t.Fatal(err)
		}
		writePattern(t, vw, 3)
		if n, checks := starts(); n != 2 || checks != 1 {
			t.Errorf("ffmpeg started %d times (%d checks), want the encoder and one check", n, checks)
		}
	})
	t.Run("older", func(t *testing.T) {
		// An ffmpeg without the YUV4MPEG2 command line's options: the
		// early start fails and answers nothing; the writers made after
		// it ask and use the rawvideo command line, as before.
		starts := loggingFFmpeg(t, `case "$*" in *-nofind_stream_info*)
	echo "Unrecognized option 'nofind_stream_info'." >&2; echo "Error splitting the argument list: Option not found" >&2; exit 1;; esac
exec '`+real+`' "$@"`)
		dir := t.TempDir()
		vw, err := StartFFmpegVideo(context.Background(), filepath.Join(dir, "a.mp4"), 25, 64, 48)
		if err != nil {
			t.Fatal(err)
		}
		if err := vw.Ready(); err == nil || errors.Is(err, ErrNoFFmpeg) || !strings.Contains(err.Error(), "Option not found") {
			t.Fatalf("Ready: %v, want ffmpeg's own error", err)
		}
		for i, start := range []func(string) (*VideoWriter, error){
			func(p string) (*VideoWriter, error) { return CreateVideo(p, 25, 64, 48) },
			func(p string) (*VideoWriter, error) { return StartFFmpegVideo(context.Background(), p, 25, 64, 48) },
		} {
			path := filepath.Join(dir, fmt.Sprintf("v%d.mp4", i))
			vw, err := start(path)
			if err != nil {
				t.Fatal(err)
			}
			writePattern(t, vw, 3)
			if vw.Encoder() != EncoderFFmpeg {
				t.Errorf("video %d: encoder %q", i, vw.Encoder())
			}
		}
		if n, checks := starts(); n != 4 || checks != 1 {
			t.Errorf("ffmpeg started %d times (%d checks), want the failed start, a check and two encoders", n, checks)
		}
	})
}

// TestFFmpegLog: ffmpeg's level-tagged log keeps what -v error showed
// (error, fatal and panic messages without their level, and the untagged
// lines that continue them), drops the rest, and says when ffmpeg has
// mapped its streams; a last line without its newline counts.
func TestFFmpegLog(t *testing.T) {
	for _, c := range []struct {
		name   string
		in     string
		last   string
		mapped bool
		no264  bool
	}{
		{"mapped", "[info] Input #0, yuv4mpegpipe, from 'pipe:':\n[info] Stream mapping:\n[info]   Stream #0:0 -> #0:0\n", "", true, false},
		{"unknown encoder", "[info] Input #0\n[fatal] Unknown encoder 'libx264'\n", "Unknown encoder 'libx264'", false, true},
		{"component error", "[info] Stream mapping:\n[mp4 @ 0x55] [error] muxer failed\n[libx264 @ 0x56] [info] frame I:1\n[info] video:1kB\n", "[mp4 @ 0x55] muxer failed", true, false},
		{"continued", "[error] first\n  more of it\n[warning] noise\n  noise's tail\n", "more of it", false, false},
		{"untagged (a fake ffmpeg)", "some warning\n[libx264 @ 0x1] broken encoder", "[libx264 @ 0x1] broken encoder", false, false},
		{"mapping inside a message", "[error] not a Stream mapping:\n", "not a Stream mapping:", false, false},
		{"a level inside a message", "[info] said [error] x\n[error] real\n[info] then [fatal] y\n", "real", false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newFFmpegLog()
			// In pieces, as a pipe delivers it.
			for i := 0; i < len(c.in); i += 7 {
				l.Write([]byte(c.in[i:min(i+7, len(c.in))]))
			}
			mapped := false
			select {
			case <-l.mapped:
				mapped = true
			default:
			}
			if got := l.last(); got != c.last || mapped != c.mapped || l.unknownX264() != c.no264 {
				t.Errorf("last %q, mapped %v, no libx264 %v; want %q, %v, %v", got, mapped, l.unknownX264(), c.last, c.mapped, c.no264)
			}
		})
	}
}

// writePattern writes n 64x48 pattern frames to vw and closes it.
func writePattern(t *testing.T, vw *VideoWriter, n int) {
	t.Helper()
	for f := range n {
		if err := vw.Write(patternFrame(64, 48, f)); err != nil {
			t.Fatal(err)
		}
	}
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
}
