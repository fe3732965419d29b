package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"
	"golang.org/x/term"

	"github.com/kneescreen/kneescreen/internal/atomicfile"
	"github.com/kneescreen/kneescreen/internal/batch"
	"github.com/kneescreen/kneescreen/internal/dirlock"
	"github.com/kneescreen/kneescreen/internal/pipeline"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/screening"
)

// AnalyzeConfig is the analyze command's configuration (section
// "analyze"; screening thresholds and filter settings live in the
// top-level sections "thresholds" and "filter", shared with other
// commands that screen).
type AnalyzeConfig struct {
	ModelConfig     `mapstructure:",squash"`
	PassConfig      `mapstructure:",squash"`
	ScreeningConfig `mapstructure:",squash"`
	OutputConfig    `mapstructure:",squash"`
	// Out is the output folder; with several inputs (or Recursive), each
	// gets a sub-folder derived from its path (see batch.Folders), and
	// batch.json, index.html and summary.csv go beside them.
	Out string `mapstructure:"out"`
	// Recursive walks folder arguments for video files instead of
	// reading each as one folder of images.
	Recursive bool `mapstructure:"recursive"`
	// Jobs is how many inputs are analysed at once (0: one per CPU),
	// sharing the thread budget (--threads) and one loaded model.
	Jobs int `mapstructure:"jobs"`
	// Force analyses every input again, even one whose folder already
	// holds a complete report of its content with these settings.
	Force bool `mapstructure:"force"`
	// ImageFPS times the frames of an image folder.
	ImageFPS float64 `mapstructure:"image-fps"`
	// Progress is auto (a bar when stderr is a terminal), always or never.
	Progress progressMode `mapstructure:"progress"`
}

// Validate implements validator.
func (c *AnalyzeConfig) Validate() error {
	if err := c.ModelConfig.Validate(); err != nil {
		return err
	}
	if strings.TrimSpace(c.Out) == "" {
		return fmt.Errorf("analyze: --out must name a folder")
	}
	if err := checkParallel("--jobs", "one per CPU", c.Jobs); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	for _, v := range []validator{&c.PassConfig, &c.ScreeningConfig, &c.OutputConfig} {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
	}
	if !(c.ImageFPS > 0 && c.ImageFPS <= maxImageFPS) {
		return fmt.Errorf("analyze: --image-fps must be above 0 and at most %v frames/s, got %v", maxImageFPS, c.ImageFPS)
	}
	if c.Formats[report.FormatVideo] {
		if err := checkEncoderEnv(); err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
	}
	return nil
}

// maxImageFPS bounds --image-fps: the fastest high-speed phone cameras
// record 960 frames/s; more is a typo (or Inf) that would time a folder of
// images at no duration at all.
const maxImageFPS = 1000

// AnalyzeOptions holds the analyze command's inputs.
type AnalyzeOptions struct {
	Config AnalyzeConfig
	// Screening is built from Config and the thresholds and filter
	// sections.
	Screening screening.Options
	Inputs    []string
	Out, Err  io.Writer
	// LoadModel and Analyze come from App.Deps.
	LoadModel func(ModelConfig) (Model, error)
	Analyze   func(ctx context.Context, input, dir string, cfg pipeline.Config) (*pipeline.Result, error)
}

// NewCmdAnalyze builds "kneescreen analyze VIDEO... --out DIR".
func NewCmdAnalyze(app *App, runF func(context.Context, *AnalyzeOptions) error) *cobra.Command {
	opts := &AnalyzeOptions{LoadModel: app.Deps.LoadModel, Analyze: app.Deps.Analyze}
	if runF == nil {
		runF = runAnalyze
	}
	cmd := &cobra.Command{
		Use:   "analyze VIDEO|FOLDER... --out DIR",
		Short: "Screen squats and step-downs: report.json, CSVs, report.html and an annotated video",
		Long: `analyze finds the person in every frame, screens the movement (reps, knee
valgus, pelvic drop, trunk lean, flexion pattern) and writes into DIR:
report.json, keypoints.csv, angles.csv, report.html and annotated.mp4, and
manifest.json last (which input, which settings, each file's digest). A
folder of images is read in name order as one recording (--image-fps).

A batch (several inputs, or --recursive to walk folder trees for videos)
gives each input a sub-folder of DIR derived from its path (d1/a.mp4 ->
DIR/d1/a), and writes batch.json (input -> folder, digest, outcome),
index.html (one sortable row per input, linking its report) and
summary.csv beside them. --jobs N analyses N inputs at once within one
thread budget. A re-run skips inputs whose folder holds a complete report
of the same content with the same settings (--force redoes them), so a
batch that was interrupted or killed resumes where it stopped. One run at
a time writes into DIR; a second gets an error at once.

Screening thresholds are configuration keys (see report.json "thresholds"
for the list): set them in the YAML file, e.g.
  thresholds:
    fppa:
      female_flag_deg: 16
or as KNEESCREEN_THRESHOLDS_FPPA_FEMALE_FLAG_DEG=16.

Exit code 0 when every report was written, 1 when some inputs failed (each
named on stderr with its cause; the others are still written), 2 for a
usage error (found before any work: a bad setting, model or --out), 130
when interrupted. A video in which nobody is seen is such a failure
("no person to screen"), and so is one with more than one person; a person
too small or a view that does not suit the movement still gets a report
that says so. Ctrl-C stops cleanly: no half-written file is left behind.`,
		Example: `  kneescreen analyze squat.mp4 --out report
  kneescreen analyze --movement step-down --stance left --sex female clip.mov --out out
  kneescreen analyze --formats json,csv clinic/*.mp4 --out batch
  kneescreen analyze --recursive --jobs 2 clinic/ --out batch`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Inputs, opts.Out, opts.Err = args, app.Out, app.Err
			s, err := app.screeningOptions()
			if err != nil {
				return &UsageError{Err: err}
			}
			opts.Screening = s
			return app.run(cmd, "analyze", &opts.Config, func(ctx context.Context) error {
				opts.Config.ScreeningConfig.apply(&opts.Screening)
				if err := opts.Screening.Validate(); err != nil {
					return &UsageError{Err: err}
				}
				return runF(ctx, opts)
			})
		},
	}
	fs := cmd.Flags()
	fs.String("out", "kneescreen-out", "output `folder` (created if needed)")
	fs.Float64("image-fps", 30, "frame rate that times a folder of images")
	fs.String("progress", string(progressAuto), "progress bar: auto (when stderr is a terminal), always or never")
	fs.Bool("recursive", false, "walk folder arguments for video files (else a folder is one recording of images)")
	fs.Int("jobs", 1, "inputs analysed at once, sharing --threads (0: one per CPU)")
	fs.Bool("force", false, "analyse inputs again even when their folder holds a complete, current report")
	bindFlags(fs, "analyze", "out", "image-fps", "progress", "recursive", "jobs", "force")
	addScreeningFlags(cmd, "analyze")
	addOutputFlags(cmd, "analyze")
	addPassFlags(cmd, "analyze")
	addModelFlags(app, cmd, "analyze")
	return cmd
}

// screeningOptions builds the screening options from the "thresholds" and
// "filter" sections (file and environment) over the defaults.
func (a *App) screeningOptions() (screening.Options, error) {
	o := screening.DefaultOptions()
	// Environment variables only reach viper for keys it knows of.
	for _, s := range screening.ThresholdSpecs() {
		_ = a.v.BindEnv(s.Key)
	}
	for _, k := range []string{"min_score", "max_gap_s", "hampel_window_s", "hampel_sigmas", "mode", "cutoff_hz", "order",
		"one_euro_min_cutoff_hz", "one_euro_beta", "one_euro_d_cutoff_hz", "fix_swaps"} {
		_ = a.v.BindEnv("filter." + k)
	}
	if err := a.decode("thresholds", &o.Thresholds); err != nil {
		return o, err
	}
	if err := a.decode("filter", &o.Filter); err != nil {
		return o, err
	}
	if err := o.Thresholds.Validate(); err != nil {
		return o, err
	}
	if err := o.Filter.Validate(); err != nil {
		return o, err
	}
	return o, nil
}

// runAnalyze analyses the inputs into the output folder: settings, the
// folder and the model are checked before any work (usage errors, see
// prepareAnalyze); then each input is analysed, jobs at once (runInputs).
func runAnalyze(ctx context.Context, opts *AnalyzeOptions) error {
	a, release, err := prepareAnalyze(opts)
	if err != nil {
		return err
	}
	defer release()
	runErr := a.runInputs(ctx)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if runErr != nil {
		return fmt.Errorf("analyze: %w", runErr)
	}
	if a.failed > 0 {
		return inputsFailed("analyze", a.failed, len(a.plan.Inputs))
	}
	return nil
}

// prepareAnalyze does everything that can fail before an input is read:
// it finds the inputs and their folders, takes the output folder (created
// and locked), loads the model, builds the one pipeline.Config all inputs
// share and, for a batch, starts batch.json. Its errors are usage errors.
// release gives the folder back and closes the first input if it was
// opened ahead and not analysed.
func prepareAnalyze(opts *AnalyzeOptions) (a *analyzeRun, release func(), err error) {
	c := &opts.Config
	plan, err := batch.NewPlan(opts.Inputs, c.Recursive, c.Out)
	if err != nil {
		return nil, nil, &UsageError{Err: fmt.Errorf("analyze: %w", err)}
	}
	lock, err := lockOut("analyze", c.Out)
	if err != nil {
		return nil, nil, &UsageError{Err: err}
	}
	// The first input is opened (probed, its first frame decoded) while
	// the model loads: each is a tenth of a second or more of one core
	// before the first inference. Its errors are still the input's, met
	// when the analysis takes the source.
	var ahead *pipeline.Ahead
	if len(plan.Inputs) > 0 {
		ahead = pipeline.OpenAhead(plan.Inputs[0].Path, c.ImageFPS)
	}
	cleanup := func() {
		ahead.Close()
		lock.Release()
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	// Whether ffmpeg has libx264 is not asked here (that would be a
	// second ffmpeg start): the first analysis starts its video's encoder
	// before pass one, and that start answers (pipeline's startVideo).
	m, err := opts.LoadModel(c.ModelConfig)
	if err != nil {
		return nil, nil, &UsageError{Err: err}
	}
	jobs := c.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	jobs = min(jobs, len(plan.Inputs))
	// One thread budget and one model for every input; inputs analysed
	// at once share the budget evenly.
	budget := pipeline.NewBudget(c.Threads)
	mc := c.ModelConfig
	if jobs > 1 {
		mc.Threads = max(1, budget.Size()/jobs)
	}
	a = &analyzeRun{opts: opts, plan: plan, jobs: jobs, single: len(plan.Inputs) == 1 && !c.Recursive,
		cfg: analysisConfig(m, budget, mc, c.PassConfig, c.OutputConfig, opts.Screening, c.ImageFPS)}
	a.cfg.Ahead = ahead
	if !a.single {
		// What a batch run killed while writing its own files left.
		if _, err := atomicfile.RemoveTemps(c.Out, batch.RecordFile, batch.IndexFile, batch.SummaryFile); err != nil {
			return nil, nil, &UsageError{Err: fmt.Errorf("analyze: --out %s: %w", c.Out, err)}
		}
		a.record = batch.NewRecord(c.Out, a.cfg.Analysis.Tool, a.cfg.Fingerprint(), plan)
		if err := a.record.Write(); err != nil {
			return nil, nil, &UsageError{Err: fmt.Errorf("analyze: --out %s: %w", c.Out, err)}
		}
	}
	if plan.Skipped > 0 {
		fmt.Fprintf(opts.Out, "analyze: %d files without a video extension passed over\n", plan.Skipped)
	}
	return a, cleanup, nil
}

// runInputs analyses the inputs, jobs at once: each is skipped when its
// folder already holds its complete, current report, or reported on stderr
// when it fails, the others carrying on. A batch then writes batch.json,
// index.html and summary.csv, also after an interruption (they say how far
// it got; a re-run resumes from the folders). It returns ctx's error or a
// failure to write the batch's files; failed inputs are counted in
// a.failed.
func (a *analyzeRun) runInputs(ctx context.Context) error {
	out := a.opts.Config.Out
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(a.jobs)
	for i, in := range a.plan.Inputs {
		dir := out
		if !a.single {
			dir = in.Dir(out)
		}
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return a.one(gctx, i, in.Path, dir) })
	}
	err := g.Wait()
	if a.record != nil {
		if werr := a.record.Write(); err == nil {
			err = werr
		}
		if werr := batch.WriteIndex(out, a.record.Entries()); err == nil {
			err = werr
		}
	}
	return err
}

// lockOut creates the output folder if needed and locks it for this run
// of command cmd (analyze, live).
func lockOut(cmd, out string) (*outLock, error) {
	if err := pipeline.MakeDir(out); err != nil {
		return nil, fmt.Errorf("%s: --out: %w", cmd, err)
	}
	lock, err := dirlock.Acquire(out)
	if err != nil {
		pipeline.RemoveMadeDirs(out)
		if errors.Is(err, dirlock.ErrLocked) {
			return nil, fmt.Errorf("%s: --out %w", cmd, err)
		}
		return nil, fmt.Errorf("%s: --out %s: cannot write there: %w", cmd, out, err)
	}
	return &outLock{lock: lock, dir: out}, nil
}

// outLock is an output folder lockOut holds.
type outLock struct {
	lock *dirlock.Lock
	dir  string
}

// Release gives the folder back. A folder lockOut made (and any parents it
// made) is removed again when nothing was written there: an input refused
// before any work leaves no empty folder behind.
func (l *outLock) Release() {
	l.lock.Release()
	pipeline.RemoveMadeDirs(l.dir)
}

// analyzeRun is what the inputs of one analyze command share.
type analyzeRun struct {
	opts *AnalyzeOptions
	plan *batch.Plan
	// single: one input, written into --out itself (no batch files).
	single bool
	jobs   int
	cfg    pipeline.Config
	record *batch.Record // nil for a single input
	mu     sync.Mutex    // guards failed and the output streams
	failed int
}

// one analyses input i into dir, unless dir already holds its complete,
// current report. Its failure is reported and counted, not returned: the
// other inputs carry on. Only an error writing batch.json is returned.
func (a *analyzeRun) one(ctx context.Context, i int, input, dir string) error {
	c := &a.opts.Config
	cfg := a.cfg
	// The input is hashed here only when dir holds a result it may be up
	// to date with; otherwise Run hashes it once it has opened it, so an
	// input that is no video (gigabytes of anything) is refused in a
	// fraction of a second, not after it has all been read.
	digest := ""
	if _, err := os.Stat(filepath.Join(dir, report.ManifestFile)); err == nil && !c.Force {
		var err error
		if digest, err = pipeline.InputDigestContext(ctx, input); err != nil {
			digest = "" // unreadable: the analysis says why
		} else if _, err := pipeline.Complete(dir, digest, cfg); err == nil {
			if err := report.RemoveTemps(dir); err != nil {
				return a.fail(ctx, i, input, digest, err)
			}
			a.mu.Lock()
			fmt.Fprintf(a.opts.Out, "%s: up to date -> %s\n", input, dir)
			a.mu.Unlock()
			return a.set(i, digest, batch.StatusUpToDate, nil)
		}
	}
	mode := c.Progress
	if a.jobs > 1 { // bars of inputs at once would overwrite each other
		mode = progressNever
	}
	start := time.Now()
	res, err := analyzeInput(ctx, a.opts.Analyze, input, digest, dir, cfg, a.opts.Err, mode)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return a.fail(ctx, i, input, digest, err)
	}
	a.mu.Lock()
	r := res.Report
	fps := float64(len(res.Track.Poses)) / time.Since(start).Seconds()
	fmt.Fprintf(a.opts.Out, "%s: %s, %s view, %d reps, %s -> %s (%d frames, %.0f frames/s)\n",
		input, r.Movement, r.View, len(r.Reps), findingsLine(r), dir, len(res.Track.Poses), fps)
	a.mu.Unlock()
	if res.Manifest != nil {
		digest = res.Manifest.Input.SHA256
	}
	return a.set(i, a.digestOf(ctx, input, digest), batch.StatusAnalysed, nil)
}

// analyzeInput analyses input (of content digest, "" when unreadable:
// the analysis says why) into dir, the folder the caller holds: the report
// files are staged and published together under a manifest naming the
// input's digest and cfg's settings (pipeline.Run). A progress bar goes to
// w as mode says.
func analyzeInput(ctx context.Context, analyze func(context.Context, string, string, pipeline.Config) (*pipeline.Result, error),
	input, digest, dir string, cfg pipeline.Config, w io.Writer, mode progressMode) (*pipeline.Result, error) {
	cfg.InputDigest = digest
	bar := newProgress(w, mode, filepath.Base(input))
	cfg.Progress = bar.update
	defer bar.finish()
	return analyze(ctx, input, dir, cfg)
}

// fail reports input i's failure on stderr and in batch.json. A batch
// records the input's digest (digest, or read now when "" and the input is
// readable: the failure is on stderr first).
func (a *analyzeRun) fail(ctx context.Context, i int, input, digest string, err error) error {
	a.mu.Lock()
	a.failed++
	fmt.Fprintf(a.opts.Err, "kneescreen: analyze %s\n", describeInputError(input, err))
	a.mu.Unlock()
	return a.set(i, a.digestOf(ctx, input, digest), batch.StatusFailed, err)
}

// digestOf is digest, or for a batch when it is "", the input's digest
// read now ("" when unreadable).
func (a *analyzeRun) digestOf(ctx context.Context, input, digest string) string {
	if digest != "" || a.record == nil {
		return digest
	}
	d, _ := pipeline.InputDigestContext(ctx, input)
	return d
}

// set records input i's outcome in batch.json (a batch only).
func (a *analyzeRun) set(i int, digest string, st batch.Status, err error) error {
	if a.record == nil {
		return nil
	}
	return a.record.Set(i, digest, st, err)
}

// findingsLine summarises the graded indicators: "2 flag, 1 watch" or the
// first data problem, in words that say what to do ("no person found in
// the video: film the whole body, ...").
func findingsLine(r *screening.Report) string {
	n := map[screening.Level]int{}
	for _, in := range r.Indicators {
		n[in.Level]++
	}
	if n[screening.LevelFlag]+n[screening.LevelWatch]+n[screening.LevelOK] == 0 {
		if len(r.Quality.Problems) > 0 {
			p := r.Quality.Problems[0]
			if p.Message != "" {
				return "not assessable: " + p.Message
			}
			return "not assessable: " + string(p.Code)
		}
		return "no indicator graded"
	}
	return fmt.Sprintf("%d flag, %d watch, %d ok", n[screening.LevelFlag], n[screening.LevelWatch], n[screening.LevelOK])
}

// versionTag is the short version recorded in reports.
func versionTag() string {
	s := strings.TrimPrefix(versionString(debug.ReadBuildInfo()), "kneescreen ")
	if i := strings.IndexByte(s, ' '); i > 0 {
		s = s[:i]
	}
	return s
}

// progress shows a bar per pass on a terminal; it is silent otherwise.
type progress struct {
	w    io.Writer
	name string
	on   bool
	bar  *progressbar.ProgressBar
	pass string
}

func newProgress(w io.Writer, mode progressMode, name string) *progress {
	p := &progress{w: w, name: name}
	switch mode {
	case progressAlways:
		p.on = true
	case progressAuto:
		f, ok := w.(*os.File)
		p.on = ok && term.IsTerminal(int(f.Fd()))
	}
	return p
}

func (p *progress) update(pr pipeline.Progress) {
	if !p.on {
		return
	}
	if p.bar == nil || p.pass != pr.Pass {
		if p.bar != nil {
			_ = p.bar.Finish() // clears its line
		}
		p.pass = pr.Pass
		desc := p.name + " pose"
		if pr.Pass == "render" {
			desc = p.name + " video"
		}
		p.bar = progressbar.NewOptions(pr.Total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("frames"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(28),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	_ = p.bar.Set(pr.Done)
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}
