package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/kneescreen/kneescreen/models"
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

// BenchResult is a JSON line bench prints, one per network of the model.
type BenchResult struct {
	Model string `json:"model"` // the --model value
	// Network names the network timed: the MoveNet model itself, or
	// BlazePose's "blazepose-detector" and its landmark model
	// ("blazepose-full").
	Network string `json:"network"`
	Threads int    `json:"threads"` // the effective thread count
	Runs    int    `json:"runs"`    // timed inferences
	// MsMedian and MsP90 are the median and 90th percentile of the timed
	// inferences, in milliseconds.
	MsMedian float64 `json:"ms_median"`
	MsP90    float64 `json:"ms_p90"`
	// CPUMs is the process's CPU time (user and system, every thread) per
	// timed inference, in milliseconds: what other work on a busy machine
	// disturbs least, and what onnxruntime's bench prints beside its
	// times (scripts/onnxruntime-bench). Omitted where the platform does
	// not tell.
	CPUMs float64 `json:"cpu_ms,omitempty"`
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
		Long: `bench times each network of the pose model on a fixed model-sized input (so
it measures the network itself, without decoding, cropping or resizing) and
prints one JSON line per network:
{"model","network","threads","runs","ms_median","ms_p90","cpu_ms"} (cpu_ms:
the process's CPU time per inference, every thread). MoveNet is one
network; BlazePose is two, the person detector (which a video runs only
when it loses the person) and the landmark model (every frame). Warm-up
runs are not timed.`,
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

// networked is a Model whose networks can be timed one by one (the
// models the kneescreen binary loads are).
type networked interface {
	Networks() []models.Network
}

func runBench(ctx context.Context, opts *BenchOptions) error {
	cfg := &opts.Config
	m, err := opts.LoadModel(cfg.ModelConfig)
	if err != nil {
		return err
	}
	nm, ok := m.(networked)
	if !ok {
		return fmt.Errorf("bench: model %s cannot be timed network by network", m.Name())
	}
	enc := json.NewEncoder(opts.Out)
	for _, n := range nm.Networks() {
		ms, cpuMs, err := timeNetwork(ctx, n, cfg.threads(), cfg.Warmup, cfg.Runs)
		if err != nil {
			return fmt.Errorf("bench: %s: %w", n.Name, err)
		}
		if err := enc.Encode(BenchResult{
			Model:    cfg.Model,
			Network:  n.Name,
			Threads:  cfg.threads(),
			Runs:     cfg.Runs,
			MsMedian: roundTo(quantile(ms, 0.5), 3),
			MsP90:    roundTo(quantile(ms, 0.9), 3),
			CPUMs:    roundTo(cpuMs, 3),
		}); err != nil {
			return fmt.Errorf("bench: writing output: %w", err)
		}
	}
	return nil
}

// timeNetwork runs n warmup times untimed, then runs times, and returns
// each timed run's milliseconds and the process's CPU milliseconds per
// timed run (0 where the platform does not tell).
func timeNetwork(ctx context.Context, n models.Network, threads, warmup, runs int) ([]float64, float64, error) {
	r, err := n.NewRun(threads)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	for range warmup {
		if err := r.Run(ctx); err != nil {
			return nil, 0, err
		}
	}
	ms := make([]float64, runs)
	cpu0, cpuKnown := processCPU()
	for i := range ms {
		t0 := time.Now()
		if err := r.Run(ctx); err != nil {
			return nil, 0, err
		}
		ms[i] = float64(time.Since(t0).Microseconds()) / 1000
	}
	cpu1, _ := processCPU()
	if !cpuKnown {
		return ms, 0, nil
	}
	return ms, float64((cpu1 - cpu0).Microseconds()) / 1000 / float64(runs), nil
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
