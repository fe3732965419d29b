package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/spf13/cobra"
)

// BenchConfig is the bench command's configuration (section "bench").
type BenchConfig struct {
	ModelConfig `mapstructure:",squash"`
	// Runs is the number of timed inferences; Warmup untimed ones run
	// first so one-off costs (buffer sizing, page faults) are excluded.
	Runs   int `mapstructure:"runs"`
	Warmup int `mapstructure:"warmup"`
}

// Validate implements validator.
func (c *BenchConfig) Validate() error {
	if err := c.ModelConfig.Validate(); err != nil {
		return err
	}
	if c.Runs < 1 {
		return fmt.Errorf("bench: --runs must be at least 1, got %d", c.Runs)
	}
	if c.Warmup < 0 {
		return fmt.Errorf("bench: --warmup must not be negative, got %d", c.Warmup)
	}
	return nil
}

// BenchOptions holds the bench command's inputs.
type BenchOptions struct {
	Config BenchConfig
	Out    io.Writer
	// LoadModel comes from App.Deps.
	LoadModel func(ModelConfig) (Model, error)
}

// BenchResult is the JSON line bench prints.
type BenchResult struct {
	Model   string `json:"model"`   // the --model value
	Threads int    `json:"threads"` // the effective thread count
	Runs    int    `json:"runs"`    // timed inferences
	// MsMedian and MsP90 are the median and 90th percentile of the timed
	// inferences, in milliseconds.
	MsMedian float64 `json:"ms_median"`
	MsP90    float64 `json:"ms_p90"`
}

// NewCmdBench builds "kneescreen bench".
func NewCmdBench(app *App, runF func(context.Context, *BenchOptions) error) *cobra.Command {
	opts := &BenchOptions{LoadModel: app.Deps.LoadModel}
	if runF == nil {
		runF = runBench
	}
	cmd := &cobra.Command{
		Use:   "bench [--model M] [--threads N] [--runs N]",
		Short: "Time the pose model: median and 90th percentile ms per inference",
		Long: `bench times pose estimation on one model-sized image (so it measures the
model itself, without decoding or resizing) and prints one JSON line:
{"model","threads","runs","ms_median","ms_p90"}. Warm-up runs are not timed.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out = app.Out
			return app.run(cmd, "bench", &opts.Config, func(ctx context.Context) error { return runF(ctx, opts) })
		},
	}
	addModelFlags(app, cmd, "bench")
	cmd.Flags().Int("runs", 20, "timed inferences")
	cmd.Flags().Int("warmup", 2, "untimed inferences before timing")
	bindFlags(cmd.Flags(), "bench", "runs", "warmup")
	return cmd
}

func runBench(ctx context.Context, opts *BenchOptions) error {
	cfg := &opts.Config
	m, err := opts.LoadModel(cfg.ModelConfig)
	if err != nil {
		return err
	}
	est, err := m.NewEstimator(cfg.threads())
	if err != nil {
		return err
	}
	defer est.Close()
	// A fixed noise image: the engine's cost does not depend on content,
	// and a seeded image keeps runs comparable.
	n := est.InputSize()
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
	}
	for range cfg.Warmup {
		if _, err := est.Estimate(ctx, img); err != nil {
			return err
		}
	}
	ms := make([]float64, cfg.Runs)
	for i := range ms {
		t0 := time.Now()
		if _, err := est.Estimate(ctx, img); err != nil {
			return err
		}
		ms[i] = float64(time.Since(t0).Microseconds()) / 1000
	}
	return json.NewEncoder(opts.Out).Encode(BenchResult{
		Model:    cfg.Model,
		Threads:  cfg.threads(),
		Runs:     cfg.Runs,
		MsMedian: roundTo(quantile(ms, 0.5), 3),
		MsP90:    roundTo(quantile(ms, 0.9), 3),
	})
}

// quantile returns the q-quantile of xs (linear interpolation between
// order statistics); xs is sorted in place.
func quantile(xs []float64, q float64) float64 {
	slices.Sort(xs)
	pos := q * float64(len(xs)-1)
	i := int(pos)
	if i+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[i] + (pos-float64(i))*(xs[i+1]-xs[i])
}
