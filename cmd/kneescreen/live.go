package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/kneescreen/kneescreen/internal/live"
	"github.com/kneescreen/kneescreen/internal/pipeline"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/vision"
)

// RecordingFile is the captured video a live session saves into --out.
const RecordingFile = "recording.mp4"

// displayMode says where a live session shows its overlay.
type displayMode string

const (
	displayAuto   displayMode = "auto"   // a window when a display exists
	displayWindow displayMode = "window" // a window, or an error
	displayNone   displayMode = "none"   // headless
)

// UnmarshalText parses auto, window or none.
func (d *displayMode) UnmarshalText(b []byte) error {
	switch m := displayMode(strings.ToLower(strings.TrimSpace(string(b)))); m {
	case displayAuto, displayWindow, displayNone:
		*d = m
		return nil
	}
	return fmt.Errorf("display %q: want auto, window or none", b)
}

// LiveConfig is the live command's configuration (section "live").
type LiveConfig struct {
	ModelConfig     `mapstructure:",squash"`
	ScreeningConfig `mapstructure:",squash"`
	OutputConfig    `mapstructure:",squash"`
	// Symmetric averages each frame's pose with its mirror image's.
	Symmetric bool `mapstructure:"symmetric"`
	// Camera names the source (see vision.OpenLive).
	Camera string `mapstructure:"camera"`
	// Out, when set, receives recording.mp4 and the offline report.
	Out string `mapstructure:"out"`
	// Display is auto, window or none.
	Display displayMode `mapstructure:"display"`
	// Events is "-" (stdout), a file, or "" for none.
	Events string `mapstructure:"events"`
	// Voice speaks the cues with espeak-ng.
	Voice bool `mapstructure:"voice"`
	// Duration ends the session (0: never by itself).
	Duration time.Duration `mapstructure:"duration"`
	// Pace plays a file at its frame rate in wall time, dropping frames
	// as a camera would; without it every frame is processed as fast as
	// it can be.
	Pace bool `mapstructure:"pace"`
	// StallTimeout: a camera that delivers no frame for this long has
	// stopped.
	StallTimeout time.Duration `mapstructure:"stall-timeout"`
	// The cues: the least time between two, and what prompts them.
	CueCooldown             time.Duration `mapstructure:"cue-cooldown"`
	CueSlowerDescentS       float64       `mapstructure:"cue-slower-descent-s"`
	CueDeeperDepth          float64       `mapstructure:"cue-deeper-depth"`
	CueDeeperSingleLegDepth float64       `mapstructure:"cue-deeper-single-leg-depth"`
	CueKneesOutHoldS        float64       `mapstructure:"cue-knees-out-hold-s"`
}

// Validate implements validator.
func (c *LiveConfig) Validate() error {
	if err := c.ModelConfig.Validate(); err != nil {
		return err
	}
	for _, v := range []validator{&c.ScreeningConfig, &c.OutputConfig} {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("live: %w", err)
		}
	}
	switch {
	case strings.TrimSpace(c.Camera) == "":
		return fmt.Errorf("live: --camera must name a camera (0, /dev/video0), a stream URL or a video file")
	case c.Duration < 0:
		return fmt.Errorf("live: --duration must not be negative, got %v", c.Duration)
	case c.StallTimeout <= 0:
		return fmt.Errorf("live: --stall-timeout must be positive, got %v", c.StallTimeout)
	}
	if c.Out != "" {
		// The recording and the report's video are encoded.
		if err := checkEncoderEnv(); err != nil {
			return fmt.Errorf("live: %w", err)
		}
	}
	cues := c.cues()
	if err := cues.Validate(); err != nil {
		return fmt.Errorf("live: %w", err)
	}
	return nil
}

// cues is the cue configuration.
func (c *LiveConfig) cues() live.CueConfig {
	cc := live.DefaultCueConfig()
	cc.Cooldown, cc.SlowerDescentS, cc.DeeperDepth, cc.DeeperSingleLegDepth, cc.KneesOutHoldS =
		c.CueCooldown, c.CueSlowerDescentS, c.CueDeeperDepth, c.CueDeeperSingleLegDepth, c.CueKneesOutHoldS
	return cc
}

// LiveOptions holds the live command's inputs.
type LiveOptions struct {
	Config LiveConfig
	// Screening is built from Config and the thresholds and filter
	// sections.
	Screening screening.Options
	Out, Err  io.Writer
	// LoadModel and Analyze come from App.Deps.
	LoadModel func(ModelConfig) (Model, error)
	Analyze   func(ctx context.Context, input, dir string, cfg pipeline.Config) (*pipeline.Result, error)
}

// NewCmdLive builds "kneescreen live".
func NewCmdLive(app *App, runF func(context.Context, *LiveOptions) error) *cobra.Command {
	opts := &LiveOptions{LoadModel: app.Deps.LoadModel, Analyze: app.Deps.Analyze}
	if runF == nil {
		runF = runLive
	}
	cmd := &cobra.Command{
		Use:   "live [--camera 0|/dev/videoN|rtsp://...|http://...|FILE] [--out DIR]",
		Short: "Screen squats live from a camera: overlay, per-rep verdicts and cues, a report at the end",
		Long: `live reads a camera (or a stream, or a video file played as if it were a
camera), estimates the pose in the newest frame (frames the estimation
cannot keep up with are dropped, never queued), screens the movement as it
happens and shows the overlay in a window: skeleton, live FPPA and knee over
foot per side, rep counter, the last rep's verdict in colour, and a framing
guide when the person or the view does not allow the metrics. Each rep's
verdict comes within half a second of its end; one coaching cue at a time
("knees out", "slower", "go deeper") is shown, written to the events and,
with --voice, spoken by espeak-ng.

Keys in the window: q or Esc stop, space pauses. The session also ends at
the end of a file, after --duration, or on Ctrl-C. With --out DIR the
captured frames are saved as DIR/recording.mp4 and analysed into the same
report analyze writes. A camera that stops delivering, like every other
failure, ends the session with a one-line error; what was recorded is
kept and reported.

Events (--events - or FILE) are JSON lines: {"type":"rep",...} with the
rep's metrics and findings, {"type":"cue",...}, {"type":"guide",...} when
the framing guide changes, {"type":"people","others":true|false} when a
second person comes into view or is gone, and {"type":"stats","fps","latency_ms_p50",
"latency_ms_p95","dropped","processed",...} every second and at the end
(latency: frame captured to overlay shown).`,
		Example: `  kneescreen live --out session
  kneescreen live --camera /dev/video2 --voice --events events.jsonl
  kneescreen live --camera squat.mp4 --display none --events -`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out, opts.Err = app.Out, app.Err
			s, err := app.screeningOptions()
			if err != nil {
				return &UsageError{Err: err}
			}
			opts.Screening = s
			return app.run(cmd, "live", &opts.Config, func(ctx context.Context) error {
				opts.Config.ScreeningConfig.apply(&opts.Screening)
				if err := opts.Screening.Validate(); err != nil {
					return &UsageError{Err: err}
				}
				return runF(ctx, opts)
			})
		},
	}
	d := live.DefaultCueConfig()
	fs := cmd.Flags()
	fs.String("camera", "0", "camera index, device (/dev/videoN), stream URL (rtsp://, http://) or a video `file` played as a camera")
	fs.String("out", "", "`folder` for recording.mp4 and the offline report at the end (default: none)")
	fs.String("display", string(displayAuto), "overlay display: auto (a window when $DISPLAY or $WAYLAND_DISPLAY is set), window or none")
	fs.String("events", "", "write JSON-line events to `file`, or - for stdout")
	fs.Bool("voice", false, "speak the cues (needs espeak-ng)")
	fs.Duration("duration", 0, "stop after this long (0: at the end of a file, q, Esc or Ctrl-C)")
	fs.Bool("pace", true, "play a file at its own frame rate, dropping frames as a camera would; --pace=false processes every frame as fast as it can")
	fs.Duration("stall-timeout", 5*time.Second, "a camera that delivers no frame for this long has stopped")
	fs.Duration("cue-cooldown", d.Cooldown, "least time between two cues")
	fs.Float64("cue-slower-descent-s", d.SlowerDescentS, `cue "slower" when a rep's descent (start to bottom) is quicker than this many seconds`)
	fs.Float64("cue-deeper-depth", d.DeeperDepth, `cue "go deeper" when a squat's hips descend less than this many leg lengths`)
	fs.Float64("cue-deeper-single-leg-depth", d.DeeperSingleLegDepth, `cue "go deeper" when a single-leg rep's hips descend less than this many leg lengths`)
	fs.Float64("cue-knees-out-hold-s", d.KneesOutHoldS, `cue "knees out" when a knee's live FPPA stays beyond its watch cut-off this long mid-rep`)
	bindFlags(fs, "live", "camera", "out", "display", "events", "voice", "duration", "pace", "stall-timeout", "cue-cooldown",
		"cue-slower-descent-s", "cue-deeper-depth", "cue-deeper-single-leg-depth", "cue-knees-out-hold-s")
	addSymmetricFlag(fs, "live")
	addScreeningFlags(cmd, "live")
	addOutputFlags(cmd, "live")
	addModelFlags(app, cmd, "live")
	return cmd
}

// liveRun is one live command's resources, closed in order whatever
// happens.
type liveRun struct {
	opts    *LiveOptions
	cfg     *LiveConfig
	msgs    io.Writer // the summary line and notices
	src     vision.FrameSource
	latest  *vision.Latest
	window  *vision.Window
	rec     *recording
	events  *live.Events
	evFile  *os.File
	voice   *live.Voice
	est     *pipeline.FrameEstimator
	model   Model
	lock    *outLock // --out, held to the end
	summary *live.Summary
}

// runLive runs a session and, with --out, saves and analyses what it
// recorded. Every failure is one line; what was recorded is kept.
func runLive(ctx context.Context, opts *LiveOptions) error {
	c := &opts.Config
	r := &liveRun{opts: opts, cfg: c, msgs: opts.Out}
	if c.Events == "-" {
		r.msgs = opts.Err // stdout carries the events
	}
	defer r.close()
	if err := r.open(ctx); err != nil {
		return err
	}
	sess := &live.Session{
		Source:    latestSource{r.latest},
		Estimator: r.est,
		Events:    r.events,
		Config:    live.Config{Screening: opts.Screening, FPS: r.latest.Info().FPS, Cues: c.cues(), Duration: c.Duration},
	}
	if r.window != nil {
		sess.Display = windowDisplay{r.window}
	}
	if r.voice != nil {
		sess.Voice = r.voice
	}
	sum, runErr := sess.Run(ctx)
	r.summary = sum
	// Stop capturing before the recording is finished: its last frames
	// come from the capture goroutine.
	r.latest.Close()
	r.latest = nil
	saved, err := r.save(ctx)
	if err != nil && runErr == nil {
		runErr = err
	}
	r.report(saved)
	if runErr != nil {
		if saved != "" {
			return fmt.Errorf("live: %w (what was recorded is kept in %s)", runErr, filepath.Dir(saved))
		}
		return fmt.Errorf("live: %w", runErr)
	}
	return r.events.Err()
}

// open loads the model, opens the camera, the display, the events, the
// voice and the recording, and starts capturing. A model that does not
// load is a usage error; the rest fail the command.
func (r *liveRun) open(ctx context.Context) error {
	c, opts := r.cfg, r.opts
	m, err := opts.LoadModel(c.ModelConfig)
	if err != nil {
		return &UsageError{Err: err}
	}
	r.model = m
	if r.est, err = pipeline.NewFrameEstimator(pipeline.TrackOptions{NewEstimator: estimators(m), Symmetric: c.Symmetric, Threads: c.Threads}); err != nil {
		return err
	}
	if c.Out != "" {
		// The folder is held from before the first frame to the end of
		// the report, as analyze holds it: a second session or analysis
		// there fails at once instead of mixing two runs' files.
		if r.lock, err = lockOut("live", c.Out); err != nil {
			return &UsageError{Err: err}
		}
	}
	src, file, err := vision.OpenLive(c.Camera)
	if err != nil {
		return fmt.Errorf("live: %w", err)
	}
	r.src = src
	if err := r.openDisplay(ctx); err != nil {
		return err
	}
	if err := r.openEvents(); err != nil {
		return err
	}
	if c.Voice {
		v, err := live.NewVoice()
		if err != nil {
			fmt.Fprintf(opts.Err, "kneescreen: %v\n", err)
		} else {
			v.OnError = func(err error) { fmt.Fprintf(opts.Err, "kneescreen: %v\n", err) }
			r.voice = v
		}
	}
	if c.Out != "" {
		r.rec = &recording{ctx: context.WithoutCancel(ctx), path: filepath.Join(c.Out, RecordingFile), fps: src.Info().FPS}
	}
	lo := vision.LatestOptions{Pace: file && c.Pace, Keep: file && !c.Pace, StallTimeout: c.StallTimeout}
	if r.rec != nil {
		r.rec.wait = lo.Keep
		lo.Tee = r.rec.add
	}
	r.latest = vision.StartLatest(ctx, src, lo)
	r.src = nil // the capture owns it now
	return nil
}

// openDisplay opens the window: with --display window, or auto when a
// display exists (falling back to none, with a notice, if it cannot
// open).
func (r *liveRun) openDisplay(ctx context.Context) error {
	mode := r.cfg.Display
	if mode == displayAuto {
		mode = displayNone
		if os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "" {
			mode = displayWindow
		}
	}
	if mode != displayWindow {
		return nil
	}
	w, err := vision.OpenWindow(ctx, "kneescreen live")
	if err == nil {
		r.window = w
		return nil
	}
	if r.cfg.Display == displayAuto {
		fmt.Fprintf(r.opts.Err, "kneescreen: live: %v; running without a display\n", err)
		return nil
	}
	return fmt.Errorf("live: %w (use --display none to run without one)", err)
}

// openEvents opens the events stream.
func (r *liveRun) openEvents() error {
	switch r.cfg.Events {
	case "":
		return nil
	case "-":
		r.events = live.NewEvents(r.opts.Out)
		return nil
	}
	f, err := os.Create(r.cfg.Events)
	if err != nil {
		return fmt.Errorf("live: --events: %w", err)
	}
	r.evFile = f
	r.events = live.NewEvents(f)
	return nil
}

// save finishes the recording and writes the offline report of it into
// --out; it returns the recording's path ("" when nothing was saved).
// The analysis runs even after Ctrl-C (a second one ends the process).
func (r *liveRun) save(ctx context.Context) (string, error) {
	if r.rec == nil {
		return "", nil
	}
	path, err := r.rec.close()
	if err != nil {
		return "", err
	}
	if r.rec.dropped > 0 {
		fmt.Fprintf(r.opts.Err, "kneescreen: live: %d captured frames were left out of %s: the encoder fell behind (its neighbours stand in for them)\n", r.rec.dropped, path)
	}
	c := r.cfg
	pass := PassConfig{Symmetric: c.Symmetric}
	cfg := analysisConfig(r.model, pipeline.NewBudget(c.Threads), c.ModelConfig, pass, c.OutputConfig, r.opts.Screening, 30)
	// What analyze does with one input, into the folder this session
	// holds: the recording's digest and the settings in the manifest, the
	// files staged and published together.
	digest, _ := pipeline.InputDigest(path) // "" when unreadable: the analysis says why
	res, err := analyzeInput(context.WithoutCancel(ctx), r.opts.Analyze, path, digest, c.Out, cfg, r.opts.Err, progressAuto)
	if err != nil {
		return path, fmt.Errorf("report of %s: %w", path, err)
	}
	rep := res.Report
	fmt.Fprintf(r.msgs, "%s: %s, %s view, %d reps, %s -> %s\n", path, rep.Movement, rep.View, len(rep.Reps), findingsLine(rep), c.Out)
	return path, nil
}

// report prints the session's summary line.
func (r *liveRun) report(saved string) {
	s := r.summary
	if s == nil {
		return
	}
	st := s.Stats
	fmt.Fprintf(r.msgs, "live: %s: %d reps, %d frames processed of %d captured (%d dropped), %.1f frames/s, latency p50 %v ms, p95 %v ms\n",
		s.Stop, s.Reps, st.Processed, st.Captured, st.Dropped, st.FPS, number(st.LatencyP50Ms), number(st.LatencyP95Ms))
	if s.Others > 0 {
		fmt.Fprintf(r.msgs, "live: someone else was in view in %d of %d frames looked at: the verdicts may be of either person; screen one person alone\n",
			s.Others, s.Probes)
	}
}

func number(n screening.Number) string {
	if !n.Valid() {
		return "–"
	}
	return fmt.Sprintf("%.1f", float64(n))
}

// close releases everything still open.
func (r *liveRun) close() {
	if r.latest != nil {
		r.latest.Close()
	}
	if r.src != nil {
		r.src.Close()
	}
	if r.rec != nil {
		r.rec.abort()
	}
	if r.window != nil {
		r.window.Close()
	}
	if r.voice != nil {
		r.voice.Close()
	}
	if r.est != nil {
		r.est.Close()
	}
	if r.evFile != nil {
		r.evFile.Close()
	}
	if r.lock != nil {
		r.lock.Release()
	}
}

// recording starts the recorder on the first frame (a stream's size is
// known only then) and feeds it every captured frame.
type recording struct {
	ctx  context.Context
	path string
	fps  float64
	// wait: the source can wait for the encoder (a file played as fast
	// as it can be), so no frame is left out of the recording.
	wait bool
	mu   sync.Mutex
	rec  *vision.Recorder
	err  error
	done bool
	// written and dropped count the video's frames, once closed, and
	// the frames left out because the encoder fell behind.
	written, dropped int
}

// add is the capture's Tee.
func (r *recording) add(f vision.LiveFrame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done || r.err != nil {
		return
	}
	if r.rec == nil {
		fps := r.fps
		if !(fps > 0) {
			fps = 30
		}
		r.rec, r.err = vision.StartRecorder(r.ctx, r.path, fps, f.Image.Rect.Dx(), f.Image.Rect.Dy())
		if r.err != nil {
			return
		}
	}
	if r.wait {
		r.rec.AddWait(f)
	} else {
		r.rec.Add(f)
	}
}

// close finishes the video; its path, or an error when nothing could be
// saved.
func (r *recording) close() (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = true
	switch {
	case r.err != nil:
		return "", fmt.Errorf("recording: %w", r.err)
	case r.rec == nil:
		return "", errors.New("recording: no frame was captured; nothing saved")
	}
	rec := r.rec
	r.rec = nil
	if err := rec.Close(); err != nil {
		return "", err
	}
	r.written, r.dropped = rec.Stats()
	return r.path, nil
}

// abort drops an unfinished recording (after a failure to start).
func (r *recording) abort() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = true
	if r.rec != nil {
		r.rec.Abort()
		r.rec = nil
	}
}

// latestSource adapts vision's capture to a session's Source.
type latestSource struct{ l *vision.Latest }

func (s latestSource) Next(ctx context.Context) (live.Frame, error) {
	f, err := s.l.Next(ctx)
	if err != nil {
		return live.Frame{}, err
	}
	return live.Frame{Index: f.Index, Time: f.Time, Captured: f.Captured, Image: f.Image}, nil
}

func (s latestSource) Stats() (int, int) { return s.l.Stats() }

// windowDisplay adapts vision's window to a session's Display.
type windowDisplay struct{ w *vision.Window }

func (d windowDisplay) Show(img *image.RGBA) (int, error) {
	key, err := d.w.Show(img)
	if errors.Is(err, vision.ErrWindowClosed) {
		return key, fmt.Errorf("%w: %w", live.ErrClosed, err)
	}
	return key, err
}
