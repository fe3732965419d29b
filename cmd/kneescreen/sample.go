package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kneescreen/kneescreen/internal/sample"
)

// SampleConfig is the sample command's configuration (section "sample").
type SampleConfig struct {
	// Out is the video file to write.
	Out string `mapstructure:"out"`
	// Reps, ValgusLeft and ValgusRight shape the movement.
	Reps        int     `mapstructure:"reps"`
	ValgusLeft  float64 `mapstructure:"valgus-left"`
	ValgusRight float64 `mapstructure:"valgus-right"`
	// Mirror flips the clip left-right.
	Mirror bool `mapstructure:"mirror"`
}

// Validate implements validator.
func (c *SampleConfig) Validate() error {
	if c.Out == "" {
		return fmt.Errorf("sample: --out must name a video file")
	}
	if c.Reps < 1 || c.Reps > 20 {
		return fmt.Errorf("sample: --reps must be 1..20, got %d", c.Reps)
	}
	for _, v := range []float64{c.ValgusLeft, c.ValgusRight} {
		if v < -25 || v > 30 {
			return fmt.Errorf("sample: valgus must be within -25..30°, got %v", v)
		}
	}
	return nil
}

// SampleOptions holds the sample command's inputs.
type SampleOptions struct {
	Config SampleConfig
	Out    io.Writer
}

// NewCmdSample builds "kneescreen sample --out FILE".
func NewCmdSample(app *App, runF func(context.Context, *SampleOptions) error) *cobra.Command {
	opts := &SampleOptions{}
	if runF == nil {
		runF = runSample
	}
	d := sample.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "sample --out FILE",
		Short: "Render the synthetic demonstration clip (a figure squatting, no real person)",
		Long: `sample renders a synthetic recording to a video file: the project's 3D stick
body (screening/synth) squatting in front of the camera, drawn as a clothed,
shaded figure with a face on a plain background. By default the left knee
caves in (12° valgus at the bottom) and the right one tracks straight (2°).
It lets 'make demo' run a real analysis on a fresh machine without footage;
it is not a recording of a person and says nothing about real knees.`,
		Example: `  kneescreen sample --out demo.mp4 && kneescreen analyze demo.mp4 --out demo-report`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out = app.Out
			return app.run(cmd, "sample", &opts.Config, func(ctx context.Context) error { return runF(ctx, opts) })
		},
	}
	fs := cmd.Flags()
	fs.String("out", "", "video `file` to write (.mp4)")
	fs.Int("reps", d.Reps, "repetitions")
	fs.Float64("valgus-left", d.ValgusDeg[0], "left knee valgus at the bottom (degrees; negative: knee out)")
	fs.Float64("valgus-right", d.ValgusDeg[1], "right knee valgus at the bottom (degrees)")
	fs.Bool("mirror", false, "flip the clip left-right")
	for _, n := range []string{"out", "reps", "valgus-left", "valgus-right", "mirror"} {
		bindFlag(fs, n, "sample."+n)
	}
	return cmd
}

func runSample(ctx context.Context, opts *SampleOptions) error {
	c := opts.Config
	cfg := sample.DefaultConfig()
	cfg.Reps = c.Reps
	cfg.ValgusDeg = [2]float64{c.ValgusLeft, c.ValgusRight}
	clip, err := sample.New(cfg)
	if err != nil {
		return err
	}
	clip.Mirror = c.Mirror
	if dir := filepath.Dir(c.Out); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("sample: %w", err)
		}
	}
	if err := clip.WriteVideo(ctx, c.Out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(opts.Out, "%s: synthetic squat, %d reps, valgus left %.0f° right %.0f°, %dx%d, %d frames at %.0f frames/s\n",
		c.Out, c.Reps, c.ValgusLeft, c.ValgusRight, clip.Width, clip.Height, clip.Len(), clip.FPS)
	return err
}
