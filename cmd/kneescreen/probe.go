package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/spf13/cobra"

	"github.com/kneescreen/kneescreen/vision"
)

// ProbeConfig is the probe command's configuration (section "probe").
type ProbeConfig struct {
	// Jobs is how many files are decoded at once; 0 means one per CPU.
	Jobs int `mapstructure:"jobs"`
}

// Validate implements validator.
func (c *ProbeConfig) Validate() error {
	if c.Jobs < 0 {
		return fmt.Errorf("probe: --jobs must be 0 (one per CPU) or more, got %d", c.Jobs)
	}
	return nil
}

// ProbeOptions holds the probe command's inputs.
type ProbeOptions struct {
	Config   ProbeConfig
	Inputs   []string
	Out, Err io.Writer
}

// NewCmdProbe builds "kneescreen probe VIDEO...".
func NewCmdProbe(app *App, runF func(context.Context, *ProbeOptions) error) *cobra.Command {
	opts := &ProbeOptions{}
	if runF == nil {
		runF = runProbe
	}
	cmd := &cobra.Command{
		Use:   "probe VIDEO...",
		Short: "Describe video files as JSON, counting the frames that really decode",
		Long: `probe prints one JSON object per line for each video: path, container,
codec, upright width and height, fps, the number of frames that decode
(frame_count) next to the number the header announces, duration and rotation.
A file that cannot be read gets one line on stderr naming it and the cause;
the others are still reported, and the exit code is 1.`,
		Example: `  kneescreen probe squat.mp4
  kneescreen probe --jobs 4 clips/*.mov`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Inputs, opts.Out, opts.Err = args, app.Out, app.Err
			return app.run(cmd, "probe", &opts.Config, func(ctx context.Context) error { return runF(ctx, opts) })
		},
	}
	cmd.Flags().Int("jobs", 0, "files decoded at once (0: one per CPU)")
	bindFlag(cmd.Flags(), "jobs", "probe.jobs")
	return cmd
}

type probeOutcome struct {
	res vision.ProbeResult
	err error
}

// runProbe decodes the inputs with up to Jobs workers and prints results
// in input order as soon as each is known.
func runProbe(ctx context.Context, opts *ProbeOptions) error {
	jobs := opts.Config.Jobs
	if jobs == 0 {
		jobs = runtime.NumCPU()
	}
	outcomes := make([]chan probeOutcome, len(opts.Inputs))
	for i := range outcomes {
		outcomes[i] = make(chan probeOutcome, 1)
	}
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	defer wg.Wait()
	for i, path := range opts.Inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				outcomes[i] <- probeOutcome{err: ctx.Err()}
				return
			}
			defer func() { <-sem }()
			res, err := vision.Probe(ctx, path)
			outcomes[i] <- probeOutcome{res, err}
		}()
	}
	enc := json.NewEncoder(opts.Out)
	failed := 0
	for i, path := range opts.Inputs {
		o := <-outcomes[i]
		if err := ctx.Err(); err != nil {
			return err
		}
		if o.err != nil {
			failed++
			fmt.Fprintf(opts.Err, "kneescreen: probe %s\n", describeInputError(path, o.err))
			continue
		}
		if err := enc.Encode(o.res); err != nil {
			return fmt.Errorf("probe: writing results: %w", err)
		}
	}
	if failed > 0 {
		return inputsFailed("probe", failed, len(opts.Inputs))
	}
	return nil
}
