package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

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
	// Out is the output folder; with several inputs, each gets a
	// sub-folder named after it.
	Out string `mapstructure:"out"`
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
report.json, keypoints.csv, angles.csv, report.html and annotated.mp4.
With several inputs each gets a sub-folder of DIR named after it. A folder
of images is read in name order as one recording (--image-fps).

Screening thresholds are configuration keys (see report.json "thresholds"
for the list): set them in the YAML file, e.g.
  thresholds:
    fppa:
      female_flag_deg: 16
or as KNEESCREEN_THRESHOLDS_FPPA_FEMALE_FLAG_DEG=16.

Exit code 0 when every report was written, 1 when some inputs failed (each
named on stderr with its cause; the others are still written), 2 for a
usage error. A video without a usable person still gets a report that says
so. Ctrl-C stops cleanly: no half-written file is left behind.`,
		Example: `  kneescreen analyze squat.mp4 --out report
  kneescreen analyze --movement step-down --stance left --sex female clip.mov --out out
  kneescreen analyze --formats json,csv clinic/*.mp4 --out batch`,
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
	bindFlags(fs, "analyze", "out", "image-fps", "progress")
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

// runAnalyze analyses each input in turn (each run already uses every
// core), reporting failures per input and carrying on.
func runAnalyze(ctx context.Context, opts *AnalyzeOptions) error {
	c := &opts.Config
	m, err := opts.LoadModel(c.ModelConfig)
	if err != nil {
		return &UsageError{Err: err}
	}
	// One input at a time, each on the whole budget; inputs run at once
	// (a batch's --jobs) would share it and the model.
	budget := pipeline.NewBudget(c.Threads)
	dirs := outputDirs(c.Out, opts.Inputs)
	failed := 0
	for i, in := range opts.Inputs {
		bar := newProgress(opts.Err, c.Progress, filepath.Base(in))
		cfg := analysisConfig(m, budget, c.ModelConfig, c.PassConfig, c.OutputConfig, opts.Screening, c.ImageFPS)
		cfg.Progress = bar.update
		start := time.Now()
		res, err := opts.Analyze(ctx, in, dirs[i], cfg)
		bar.finish()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			failed++
			fmt.Fprintf(opts.Err, "kneescreen: analyze %s\n", describeInputError(in, err))
			continue
		}
		r := res.Report
		fps := float64(len(res.Track.Poses)) / time.Since(start).Seconds()
		fmt.Fprintf(opts.Out, "%s: %s, %s view, %d reps, %s -> %s (%d frames, %.0f frames/s)\n",
			in, r.Movement, r.View, len(r.Reps), findingsLine(r), dirs[i], len(res.Track.Poses), fps)
	}
	if failed > 0 {
		return fmt.Errorf("analyze: %d of %d inputs failed: %w", failed, len(opts.Inputs), ErrInputsFailed)
	}
	return nil
}

// findingsLine summarises the graded indicators: "2 flag, 1 watch" or the
// first data problem.
func findingsLine(r *screening.Report) string {
	n := map[screening.Level]int{}
	for _, in := range r.Indicators {
		n[in.Level]++
	}
	if n[screening.LevelFlag]+n[screening.LevelWatch]+n[screening.LevelOK] == 0 {
		if len(r.Quality.Problems) > 0 {
			return "not assessable: " + string(r.Quality.Problems[0].Code)
		}
		return "no indicator graded"
	}
	return fmt.Sprintf("%d flag, %d watch, %d ok", n[screening.LevelFlag], n[screening.LevelWatch], n[screening.LevelOK])
}

// outputDirs maps inputs to output folders: out itself for one input, else
// out/<name> with the input's base name (without extension), numbered when
// two inputs share a name.
func outputDirs(out string, inputs []string) []string {
	if len(inputs) == 1 {
		return []string{out}
	}
	used := map[string]int{}
	dirs := make([]string, len(inputs))
	for i, in := range inputs {
		base := strings.TrimSuffix(filepath.Base(filepath.Clean(in)), filepath.Ext(in))
		if base == "" || base == "." || base == string(filepath.Separator) {
			base = "input"
		}
		used[base]++
		if used[base] > 1 {
			base = fmt.Sprintf("%s-%d", base, used[base])
		}
		dirs[i] = filepath.Join(out, base)
	}
	return dirs
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
