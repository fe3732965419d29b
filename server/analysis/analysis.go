package analysis

import (
	"context"
	"errors"
	"fmt"

	"github.com/kneescreen/kneescreen/internal/pipeline"
	"github.com/kneescreen/kneescreen/models"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/server/web"
	"github.com/kneescreen/kneescreen/server/worker"
	"github.com/kneescreen/kneescreen/vision"
)

// Options configure an Analyzer.
type Options struct {
	// Model and ModelsDir select the pose model as --model and
	// --models-dir do.
	Model     string
	ModelsDir string
	// Threads is the process's inference thread budget (0: all CPUs),
	// shared evenly by Analyses concurrent analyses (0: 1).
	Threads  int
	Analyses int
	// Symmetric averages each frame's pose with its mirror image's.
	Symmetric bool
	// VideoMaxSide caps the annotated video's longer side (0: the
	// input's size, as in pipeline.Config).
	VideoMaxSide int
	// Screening holds thresholds and filter settings; movement, view,
	// stance and sex come with each job.
	Screening screening.Options
	// Tool is the version recorded in reports.
	Tool string
}

// Analyzer runs the kneescreen pipeline for the worker. It is safe for
// concurrent use: every analysis makes its estimators from one loaded
// model (shared weights) and draws their threads from one process-wide
// budget, so however many analyses run at once, no more than Threads
// threads estimate poses.
type Analyzer struct {
	opts   Options
	budget *pipeline.Budget
	perRun int
	// model is loaded once; every analysis's estimators share its
	// weights, each with the threads its lane was given.
	model models.PoseModel
}

// New loads (and checks) the model, so a bad model fails at start, and
// returns an Analyzer.
func New(opts Options) (*Analyzer, error) {
	budget := pipeline.NewBudget(opts.Threads)
	perRun := max(1, budget.Size()/max(1, opts.Analyses))
	m, err := models.Open(opts.Model, opts.ModelsDir, models.Options{Threads: perRun})
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	return &Analyzer{opts: opts, model: m, budget: budget, perRun: perRun}, nil
}

// ThreadsPerAnalysis is each analysis's share of the thread budget.
func (a *Analyzer) ThreadsPerAnalysis() int { return a.perRun }

// Analyze implements worker.Analyzer. Bad options, unreadable videos and
// videos that cannot be screened (pipeline.Unscreenable) are permanent
// failures.
func (a *Analyzer) Analyze(ctx context.Context, req worker.Request) error {
	sopts, err := a.screening(req)
	if err != nil {
		return worker.Permanent(err)
	}
	sopts.SourcePath = req.Name
	cfg := pipeline.Config{
		Screening: sopts,
		Track: pipeline.TrackOptions{
			NewEstimator: func(threads int) (pipeline.Estimator, error) {
				return a.model.NewPoseEstimator(threads), nil
			},
			Symmetric: a.opts.Symmetric,
			Threads:   a.perRun,
			Budget:    a.budget,
		},
		Formats:      report.Formats{report.FormatJSON: true, report.FormatCSV: true, report.FormatHTML: true, report.FormatVideo: true},
		Analysis:     report.Analysis{Tool: a.opts.Tool, Model: a.model.Name(), Symmetric: a.opts.Symmetric},
		VideoMaxSide: a.opts.VideoMaxSide,
	}
	if req.Progress != nil {
		cfg.Progress = func(p pipeline.Progress) { req.Progress(p.Pass, p.Done, p.Total) }
	}
	_, err = pipeline.Run(ctx, req.Video, req.Dir, cfg)
	var se *vision.SourceError
	if errors.As(err, &se) {
		// The path is the worker's staging copy; the cause is what counts.
		return worker.Permanent(fmt.Errorf("the video: %w", se.Err))
	}
	if pipeline.Unscreenable(err) {
		// Two people, a paused recording: no retry changes the video.
		return worker.Permanent(fmt.Errorf("the video: %w", err))
	}
	return err
}

// screening builds the job's screening options.
func (a *Analyzer) screening(req worker.Request) (screening.Options, error) {
	o := a.opts.Screening
	var err error
	if o.Movement, err = screening.ParseMovement(req.Movement); err != nil {
		return o, err
	}
	if o.View, err = ParseView(req.View); err != nil {
		return o, err
	}
	if o.Stance, err = screening.ParseStance(req.Stance); err != nil {
		return o, err
	}
	if o.Sex, err = screening.ParseSex(req.Sex); err != nil {
		return o, err
	}
	return o, o.Validate()
}

// ParseView accepts the views a recording can be given: auto, front, side.
func ParseView(s string) (screening.View, error) {
	v, err := screening.ParseView(s)
	if err == nil && v == screening.ViewOblique {
		return "", fmt.Errorf("view %q: want auto, front or side", s)
	}
	return v, err
}

// Prober probes uploads with vision: it sniffs the container, checks its
// structure fits the file and decodes the first frame.
type Prober struct{}

// Probe implements web.Prober.
func (Prober) Probe(ctx context.Context, path string) (web.VideoInfo, error) {
	if err := ctx.Err(); err != nil {
		return web.VideoInfo{}, err
	}
	v, err := vision.OpenVideo(path)
	if err != nil {
		var se *vision.SourceError
		if errors.As(err, &se) {
			return web.VideoInfo{}, se.Err
		}
		return web.VideoInfo{}, err
	}
	defer v.Close()
	in := v.Info()
	return web.VideoInfo{Container: in.Container, Codec: in.Codec, Width: in.Width, Height: in.Height,
		FPS: in.FPS, Duration: in.Duration, Rotation: in.Rotation}, nil
}
