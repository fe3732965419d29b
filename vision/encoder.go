package vision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/kneescreen/kneescreen/internal/yuv"
)

// Encoder names the program that encodes a VideoWriter's frames.
type Encoder string

const (
	// EncoderAuto picks EncoderFFmpeg when it can write the file (an H.264
	// container, an even frame size and an ffmpeg with libx264 on PATH)
	// and EncoderOpenCV otherwise.
	EncoderAuto Encoder = ""
	// EncoderFFmpeg converts frames to planar 4:2:0 Y'CbCr (internal/yuv)
	// and pipes them to an ffmpeg process running libx264 at preset
	// veryfast: about a third less CPU than OpenCV's writer, which runs
	// libx264 at its default preset (medium) and lets no option choose
	// another.
	EncoderFFmpeg Encoder = "ffmpeg"
	// EncoderOpenCV writes through OpenCV's VideoWriter (GoCV).
	EncoderOpenCV Encoder = "opencv"
)

// EncoderEnv is the environment variable CreateVideo reads to choose the
// encoder when it is not given one: "ffmpeg", "opencv" or "auto"/unset.
const EncoderEnv = "KNEESCREEN_VIDEO_ENCODER"

// ErrNoFFmpeg is returned when EncoderFFmpeg is asked for but no ffmpeg
// with the libx264 encoder is on PATH.
var ErrNoFFmpeg = errors.New("vision: no ffmpeg with libx264 on PATH (install ffmpeg, e.g. `make setup`, or use the opencv encoder)")

// x264 settings, from BenchmarkWriteVideo720p on a real 720p squat clip:
// OpenCV's writer (preset medium, its own bitrate) 17-19 ms CPU per frame;
// veryfast 11-12 ms at CRF 23 for a file a fifth smaller, or at CRF 21 for
// the same size and quality; ultrafast 7.5 ms but files three times as
// large; superfast 10.5 ms, files twice as large. CRF 21 keeps the old
// writer's fidelity (the tests' frame-index greys stay as close).
//
// Threads (x264ThreadArgs): one for frames of up to 640x360's pixels, two
// sliced threads above. The annotated pass draws on frames pass one kept (no second
// decode) while ffmpeg encodes them, the two sharing the machine's cores.
// Small frames cost libx264 little enough that one thread keeps up with
// the drawing, and frame threads only add work: on the shared 720p clip
// (900 frames drawn at 640x360, every output, 2 cores, medians of four
// alternating runs) one thread took 7.80 s of wall time and 13.5 s of CPU
// against 8.41 s and 15.2 s with two, for the same decoded frames; at
// 304x540 (614 frames) the wall time was the same and the CPU 6% less. At
// 540x960 the second thread pays: 606 frames of phone video took 11.8 s
// with two threads against 14.8 s with one (medians of three). Measured
// earlier, while ffmpeg still converted RGBA to YUV and the pass decoded
// again, two threads had been faster at 640x360 too.
//
// The two threads are sliced threads (each frame cut into two slices
// encoded at once), not libx264's default frame threads, because frame
// threads made the file differ from run to run: fed the same I420 frames
// (hashed as they were written to the pipe), six runs of the annotated pass
// under load gave four different videos, slight differences in a static
// corner of the last frames. Sliced threads gave the same file every time,
// at the same speed within the noise (606 540x960 frames: 13.7 against
// 13.1 s, medians of three) for 0.7% more bytes. One thread is
// deterministic too.
//
// Faster presets and tunes measured no cheaper per frame at 640x360
// (superfast, fastdecode, a shorter lookahead: within 5%) for files up to
// three times as large, while ffmpeg also converted RGBA to YUV. With I420 frames libx264 is most of ffmpeg's time, and
// faster presets do pay, at a price in bytes or quality (900 640x360
// frames of the 720p clip / 72 540x960 frames of the portrait one, CPU s,
// file size, PSNR against the frames): veryfast CRF 21 1.5 s, 0.71 MB,
// 44.2 dB / 0.6-0.8 s, 0.37 MB, 42.4 dB; ultrafast CRF 27 0.73 s, 1.37 MB,
// 44.8 dB / 0.26 s, 0.89 MB, 39.5 dB (handheld video needs about CRF 23
// for the same quality, 4.6 times the bytes); superfast CRF 21 0.46 s,
// 0.65 MB, 43.7 dB on the portrait clip but within 10% of veryfast's CPU
// on the static one. `analyze` with every output on the 720p clip took
// about 10% less wall time with ultrafast. Kept at veryfast: the saving
// is a few tenths of a second a clip, the files a clinic keeps would
// double or more.
const (
	x264Preset = "veryfast"
	x264CRF    = "21"
)

// x264ThreadArgs are libx264's thread options for width x height frames
// (see above).
func x264ThreadArgs(width, height int) []string {
	if width*height <= 640*360 {
		return []string{"-threads", "1"}
	}
	return []string{"-threads", "2", "-x264-params", "sliced-threads=1"}
}

// h264Support caches, per ffmpeg executable, whether it has libx264:
// learnt by asking it (ffmpegH264) or from an encoder started without
// asking (StartFFmpegVideo, whose start answers).
var h264Support struct {
	sync.Mutex
	m map[string]bool
}

// ffmpegH264 reports whether the ffmpeg on PATH has the libx264 encoder,
// asking each ffmpeg executable once (Debian's has it; minimal builds may
// not, and exit as soon as they start).
func ffmpegH264() bool {
	path, err := exec.LookPath("ffmpeg")
	if err != nil {
		return false
	}
	h264Support.Lock()
	defer h264Support.Unlock()
	if ok, seen := h264Support.m[path]; seen {
		return ok
	}
	ok := false
	if out, err := exec.Command(path, "-hide_banner", "-v", "error", "-encoders").Output(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[1] == "libx264" {
				ok = true
			}
		}
	}
	learnH264(path, ok)
	return ok
}

// knownH264 returns the ffmpeg on PATH and what is known of its libx264:
// known is false until it was asked or an encoder it ran answered. It
// waits for an answer being asked for meanwhile (ffmpegH264 holds the
// lock while it asks).
func knownH264() (path string, ok, known bool, err error) {
	if path, err = exec.LookPath("ffmpeg"); err != nil {
		return "", false, false, err
	}
	h264Support.Lock()
	defer h264Support.Unlock()
	ok, known = h264Support.m[path]
	return path, ok, known, nil
}

// setH264 records whether the ffmpeg at path has libx264.
func setH264(path string, ok bool) {
	h264Support.Lock()
	defer h264Support.Unlock()
	learnH264(path, ok)
}

// learnH264 is setH264 for a caller holding h264Support.
func learnH264(path string, ok bool) {
	if h264Support.m == nil {
		h264Support.m = map[string]bool{}
	}
	h264Support.m[path] = ok
}

// EncoderFromEnv returns the encoder EncoderEnv chooses (EncoderAuto when
// unset), or an error naming the variable when its value is none of
// ffmpeg, opencv or auto. Commands call it before any work, so a bad value
// is found once rather than when each video is written.
func EncoderFromEnv() (Encoder, error) {
	switch e := strings.ToLower(strings.TrimSpace(os.Getenv(EncoderEnv))); e {
	case "", "auto":
		return EncoderAuto, nil
	case string(EncoderFFmpeg), string(EncoderOpenCV):
		return Encoder(e), nil
	default:
		return "", fmt.Errorf("vision: %s=%q: want ffmpeg, opencv or auto", EncoderEnv, os.Getenv(EncoderEnv))
	}
}

// chooseEncoder decides, in this one place, which encoder writes a video
// with extension ext and the given frame size.
func chooseEncoder(enc Encoder, ext string, width, height int) (Encoder, error) {
	if enc == EncoderAuto {
		e, err := EncoderFromEnv()
		if err != nil {
			return "", err
		}
		enc = e
	}
	switch enc {
	case EncoderOpenCV:
		return EncoderOpenCV, nil
	case EncoderFFmpeg:
		if err := ffmpegWrites(ext, width, height); err != nil {
			return "", err
		}
		if !ffmpegH264() {
			return "", ErrNoFFmpeg
		}
		return EncoderFFmpeg, nil
	case EncoderAuto:
		if ffmpegWrites(ext, width, height) == nil && ffmpegH264() {
			return EncoderFFmpeg, nil
		}
		return EncoderOpenCV, nil
	}
	return "", fmt.Errorf("vision: unknown video encoder %q: want ffmpeg, opencv or auto", enc)
}

// ffmpegWrites says why the ffmpeg encoder cannot write a file with
// extension ext and the given frame size, or nil when it can.
func ffmpegWrites(ext string, width, height int) error {
	if codecsFor(ext)[0] != "avc1" {
		return fmt.Errorf("vision: the ffmpeg encoder writes H.264 (.mp4, .mov, .m4v, .mkv), not %q files", ext)
	}
	if width%2 != 0 || height%2 != 0 { // yuv420p halves both dimensions
		return fmt.Errorf("vision: the ffmpeg encoder needs an even frame size for H.264, got %dx%d", width, height)
	}
	return nil
}

// ffmpegPipe is an ffmpeg process encoding the frames written to its
// standard input into a file.
type ffmpegPipe struct {
	ctx    context.Context
	cmd    *exec.Cmd
	path   string // the ffmpeg executable
	stdin  io.WriteCloser
	log    *ffmpegLog
	matrix yuv.Matrix
	buf    []byte // the frame being sent: I420, after "FRAME\n" with y4m
	// y4m: the frames go as a YUV4MPEG2 stream (an encoder started to
	// answer whether ffmpeg has libx264), else as rawvideo.
	y4m bool
	// started is when ffmpeg was started; exited is closed once it has
	// exited and waitErr is set.
	started time.Time
	exited  chan struct{}
	waitErr error
	// confirmed: this ffmpeg is known to have libx264 (asked before it was
	// started, or it has said so since: confirm).
	confirmed bool
}

// confirmWait is how long an ffmpeg started without asking whether it has
// libx264 is given to say so itself ("Stream mapping:", about 0.2 s after
// its start on an idle machine, over 2 s under strace -f) before it is
// asked the old way: an ffmpeg that never says so (another version's log)
// costs that check once, not a wrong answer. A variable for tests.
var confirmWait = 5 * time.Second

// Frames go to ffmpeg as yuv420p (I420), converted here, rather than as
// RGBA for ffmpeg's swscale to convert: the AVX2 conversion costs 0.2-0.3
// ms of CPU a 720p frame (yuv.BenchmarkFromRGBA), ffmpeg's reading and
// converting one about 4 ms, and the pipe carries 1.5 bytes a pixel
// instead of 4. (900 frames of 640x360 piped from a file into the same
// command line: 2.2 s wall and 2.9 s CPU as RGBA, 1.4 s and 1.8 s as
// yuv420p.)
//
// The stream is tagged (x264 writes the tags into the H.264 VUI, which
// browsers and players honour) as what the frames are: limited range, the
// matrix they were converted with, and BT.709 primaries and transfer,
// because the RGB frames are a camera video's R'G'B' as decoded (OpenCV
// converts no primaries or transfer) and phones, webcams and HD video are
// BT.709. The matrix is BT.709 for HD frames and BT.601 for smaller ones
// (ffmpegMatrix): correct either way for players that read the tags, and
// also for those that ignore them and guess from the size as mpv, VLC and
// browsers do for untagged video. Chroma is the 2x2 block's mean, so its
// sample sits at the block's centre, and the stream says so.
func ffmpegColourArgs(m yuv.Matrix) []string {
	return []string{"-color_range", "tv", "-colorspace", m.String(),
		"-color_primaries", "bt709", "-color_trc", "bt709", "-chroma_sample_location", "center"}
}

// ffmpegMatrix is the Y'CbCr matrix for a video of width x height: BT.709
// for HD, which mpv's guess for untagged video takes to be a frame at
// least 1280 wide or more than 576 high (PAL's height), BT.601 otherwise.
func ffmpegMatrix(width, height int) yuv.Matrix {
	if width >= 1280 || height > 576 {
		return yuv.BT709
	}
	return yuv.BT601
}

// An encoder started to answer whether ffmpeg has libx264 (not
// confirmed) gets its frames as a YUV4MPEG2 stream rather than bare
// rawvideo, with -nofind_stream_info: the stream's header (size, rate,
// chroma siting) is written as ffmpeg starts, so ffmpeg opens its input
// and chooses its encoder at once instead of after the first frame
// (rawvideo's demuxer opens only once ten bytes have arrived, and stream
// probing reads a frame). An ffmpeg without libx264 then says "Unknown
// encoder 'libx264'" and exits within its start-up, and one with it logs
// "Stream mapping:" (it logs at level info with each message's level
// named, and ffmpegLog keeps only the error messages, what -v error
// showed). With -r giving the header's rate, as the rawvideo command line
// gives it to -framerate (ffmpegRate), the file is byte for byte the one
// that command line makes (TestFFmpegPipeSameFileAsRawvideo).
//
// Every other encoder, once the answer is known, keeps that rawvideo
// command line: an ffmpeg older than the YUV4MPEG2 one's options (FFmpeg
// 5.1 has them) fails only the first start, which then gives no answer,
// and its videos are written as they always were.

// startFFmpeg starts the ffmpeg at path writing H.264 to out
// (overwriting it); confirmed says whether it is known to have libx264.
// width and height are even (ffmpegWrites).
func startFFmpeg(ctx context.Context, path, out string, fps float64, width, height int, confirmed bool) (*ffmpegPipe, error) {
	m := ffmpegMatrix(width, height)
	// The colour options go on both sides: on the input they describe the
	// raw frames, on the output they tag the stream, and with the two the
	// same no ffmpeg inserts a conversion between them.
	num, den, err := ffmpegRate(fps)
	if err != nil {
		return nil, err
	}
	rate := fmt.Sprintf("%d:%d", num, den)
	var args []string
	var hdr string
	if confirmed {
		args = []string{"-hide_banner", "-nostats", "-v", "error",
			"-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", fmt.Sprintf("%dx%d", width, height)}
		args = append(args, ffmpegColourArgs(m)...)
		args = append(args, "-framerate", rate)
	} else {
		args = []string{"-hide_banner", "-nostats", "-v", "level+info", "-f", "yuv4mpegpipe"}
		args = append(args, ffmpegColourArgs(m)...)
		args = append(args, "-r", rate, "-nofind_stream_info")
		// C420jpeg: chroma sited at the 2x2 block's centre
		// (ffmpegColourArgs); A0:0: no pixel aspect stated, as rawvideo.
		hdr = fmt.Sprintf("YUV4MPEG2 W%d H%d F%d:%d Ip A0:0 C420jpeg\n", width, height, num, den)
	}
	args = append(args, "-i", "-",
		"-an", "-c:v", "libx264", "-preset", x264Preset, "-crf", x264CRF, "-pix_fmt", "yuv420p")
	args = append(args, x264ThreadArgs(width, height)...)
	args = append(args, ffmpegColourArgs(m)...)
	switch strings.ToLower(out[strings.LastIndexByte(out, '.')+1:]) {
	case "mp4", "mov", "m4v":
		// Index first, so players can start before the whole file is read.
		args = append(args, "-movflags", "+faststart")
	}
	// The output is the last argument and absolute (ffmpegPath): a folder
	// named "-out" must not read as an option, nor "x:" as a protocol.
	args = append(args, "-y", ffmpegPath(out))
	p := &ffmpegPipe{ctx: ctx, cmd: exec.CommandContext(ctx, path, args...), path: path, log: newFFmpegLog(),
		matrix: m, y4m: !confirmed, confirmed: confirmed, exited: make(chan struct{})}
	p.cmd.Stderr = p.log
	// If kneescreen is killed (kill -9 gives it no chance to stop the
	// child), ffmpeg goes with it instead of finishing a file nobody will
	// publish; in a process group of its own, the terminal's Ctrl-C
	// reaches kneescreen only, which decides whether the video is
	// finished (a live recording) or stopped.
	p.cmd.SysProcAttr = ownProcessGroup(childAttr())
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	// A pipe that holds a whole frame (up to 1 MiB): with the default 64
	// KiB the two processes take turns 6 times for each 640x360 frame.
	growPipe(w, p.frameSize(width, height))
	p.cmd.Stdin, p.stdin = r, w
	err = p.cmd.Start()
	r.Close() // the child's now
	if err != nil {
		w.Close()
		return nil, err
	}
	p.started = time.Now()
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	if hdr != "" {
		// An ffmpeg that fails in its start-up (no libx264, options it
		// does not know) may close its input before or after the header
		// arrives. Either way the start is kept, and its answer is what
		// confirm reads from the exited process (ErrNoFFmpeg or ffmpeg's
		// own error), whichever came first.
		if _, err := io.WriteString(w, hdr); err != nil {
			p.wait() // stdin closed: ffmpeg ends, if it had not
		}
	}
	return p, nil
}

// frameSize is the bytes sent for each width x height frame.
func (p *ffmpegPipe) frameSize(width, height int) int {
	if p.y4m {
		return len(y4mFrame) + yuv.Size(width, height)
	}
	return yuv.Size(width, height)
}

// y4mFrame starts each frame of a YUV4MPEG2 stream.
const y4mFrame = "FRAME\n"

// confirm waits, unless it is known, for this ffmpeg to say whether it has
// libx264 and records the answer for ffmpegH264: the line ffmpeg logs once
// it has chosen its encoders, or its exit with "Unknown encoder
// 'libx264'" (ErrNoFFmpeg). An ffmpeg that says neither within
// confirmWait of its start is asked the old way. It fails, ffmpeg stopped
// and waited for, when ffmpeg exited or has no libx264.
func (p *ffmpegPipe) confirm() error {
	if p.confirmed {
		return nil
	}
	closed := func(c <-chan struct{}) bool {
		select {
		case <-c:
			return true
		default:
			return false
		}
	}
	if !closed(p.log.mapped) && !closed(p.exited) {
		timer := time.NewTimer(time.Until(p.started.Add(confirmWait)))
		select {
		case <-p.log.mapped:
		case <-p.exited:
		case <-timer.C:
		}
		timer.Stop()
	}
	// What ffmpeg said counts before the timer, which has often run out
	// by the time the caller asks.
	switch {
	case closed(p.log.mapped):
		setH264(p.path, true)
	case closed(p.exited):
		err := p.wait()
		if p.log.unknownX264() {
			setH264(p.path, false)
			return ErrNoFFmpeg
		}
		if err == nil {
			err = errors.New("ffmpeg: exited before any frame")
		}
		return err
	default:
		if !ffmpegH264() {
			p.kill()
			return ErrNoFFmpeg
		}
	}
	p.confirmed = true
	return nil
}

// write sends one frame; on failure ffmpeg has been stopped and waited
// for, and the error says why.
func (p *ffmpegPipe) write(img *image.RGBA) error {
	if err := p.ctx.Err(); err != nil {
		p.kill()
		return err
	}
	if err := p.confirm(); err != nil {
		return err
	}
	head := 0
	if p.y4m {
		head = len(y4mFrame)
	}
	if n := p.frameSize(img.Rect.Dx(), img.Rect.Dy()); len(p.buf) != n {
		p.buf = make([]byte, n)
		copy(p.buf, y4mFrame[:head])
	}
	// Converted in place, after the frame's header: one write a frame.
	if _, err := yuv.FromRGBA(p.buf[head:], img, p.matrix); err != nil {
		// Not ffmpeg's fault, but the stream has lost a frame.
		p.kill()
		return err
	}
	if _, err := p.stdin.Write(p.buf); err != nil {
		// ffmpeg has gone (killed by the context or failed): its own
		// message says more than the broken pipe.
		if werr := p.wait(); werr != nil {
			return werr
		}
		return err
	}
	return nil
}

// finish closes ffmpeg's input and waits for it to write the file.
func (p *ffmpegPipe) finish() error {
	return p.wait()
}

// kill stops ffmpeg without finishing the file and waits for it.
func (p *ffmpegPipe) kill() {
	p.cmd.Process.Kill()
	p.wait()
}

// wait closes stdin, waits for ffmpeg and turns a failure into one line:
// the context's error, or ffmpeg's last message and exit status.
func (p *ffmpegPipe) wait() error {
	p.stdin.Close()
	<-p.exited
	return p.exitErr(p.waitErr)
}

func (p *ffmpegPipe) exitErr(err error) error {
	if st := p.cmd.ProcessState; st != nil && !st.Success() {
		if cerr := p.ctx.Err(); cerr != nil {
			return cerr
		}
		msg := st.String()
		if last := p.log.last(); last != "" {
			msg = last + " (" + msg + ")"
		}
		return fmt.Errorf("ffmpeg: %s", msg)
	}
	return err
}

// ffmpegLog is ffmpeg's standard error, logged with -v level+info: each
// message begins with its level in brackets, after the "[name @ 0x...]"
// of the component that logged it. It keeps the messages of level error
// and worse, without the level (what -v error printed), and lines that
// name no level when they follow a kept one (a message's further lines);
// and it closes mapped when ffmpeg logs "Stream mapping:", once it has
// opened its input and found the encoders of its output.
type ffmpegLog struct {
	mu      sync.Mutex
	kept    []string
	partial []byte
	keep    bool
	mapped  chan struct{}
}

func newFFmpegLog() *ffmpegLog {
	return &ffmpegLog{keep: true, mapped: make(chan struct{})}
}

// ffmpegLevels are the levels FFmpeg's log names (av_log's "level" flag).
var ffmpegLevels = []string{"quiet", "panic", "fatal", "error", "warning", "info", "verbose", "debug", "trace"}

func (l *ffmpegLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, b...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.line(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	return len(b), nil
}

// line files one line of the log.
func (l *ffmpegLog) line(s string) {
	s = strings.TrimSuffix(s, "\r")
	// The first tag names the level: the message after it may hold any text.
	level, at := "", len(s)
	for _, lv := range ffmpegLevels {
		if i := strings.Index(s[:at], "["+lv+"] "); i >= 0 {
			level, at = lv, i
		}
	}
	if level == "" {
		if l.keep {
			l.kept = append(l.kept, s)
		}
		return
	}
	msg := s[at+len(level)+3:]
	switch level {
	case "panic", "fatal", "error":
		l.keep = true
		l.kept = append(l.kept, s[:at]+msg)
	default:
		l.keep = false
		if level == "info" && at == 0 && strings.TrimSpace(msg) == "Stream mapping:" {
			select {
			case <-l.mapped:
			default:
				close(l.mapped)
			}
		}
	}
}

// flush files a last line that did not end (ffmpeg has exited).
func (l *ffmpegLog) flush() {
	if len(l.partial) > 0 {
		l.line(string(l.partial))
		l.partial = nil
	}
}

// last returns the last message kept, "" when there is none.
func (l *ffmpegLog) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flush()
	for i := len(l.kept) - 1; i >= 0; i-- {
		if s := strings.TrimSpace(l.kept[i]); s != "" {
			return s
		}
	}
	return ""
}

// unknownX264 reports whether ffmpeg said it has no libx264.
func (l *ffmpegLog) unknownX264() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flush()
	for _, s := range l.kept {
		if strings.Contains(s, "Unknown encoder 'libx264'") {
			return true
		}
	}
	return false
}
