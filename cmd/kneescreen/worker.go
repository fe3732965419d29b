package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/server/queue"
	"github.com/kneescreen/kneescreen/server/worker"
)

// WorkerConfig is the worker command's configuration (section "worker").
type WorkerConfig struct {
	AnalysisConfig `mapstructure:",squash"`
	NATS           string `mapstructure:"nats"`
	// NATSToken, or the first line of NATSTokenFile, authenticates.
	NATSToken     string `mapstructure:"nats-token"`
	NATSTokenFile string `mapstructure:"nats-token-file"`
	// Analyses is how many analyses run at once; Threads (model flags)
	// is shared among them.
	Analyses int    `mapstructure:"analyses"`
	Name     string `mapstructure:"name"`
	TempDir  string `mapstructure:"temp-dir"`
}

// Validate implements validator.
func (c *WorkerConfig) Validate() error {
	if err := c.AnalysisConfig.Validate(); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	switch {
	case strings.TrimSpace(c.NATS) == "":
		return errors.New("worker: --nats must give the NATS URL of the clinic server (e.g. nats://server:4222)")
	case c.Analyses < 1:
		return fmt.Errorf("worker: --analyses must be at least 1, got %d", c.Analyses)
	case c.NATSToken != "" && c.NATSTokenFile != "":
		return errors.New("worker: give --nats-token-file or KNEESCREEN_WORKER_NATS_TOKEN, not both")
	}
	return nil
}

// WorkerOptions holds the worker command's inputs.
type WorkerOptions struct {
	Config    WorkerConfig
	Screening screening.Options
	Out, Err  io.Writer
}

// NewCmdWorker builds "kneescreen worker --nats URL".
func NewCmdWorker(app *App, runF func(context.Context, *WorkerOptions) error) *cobra.Command {
	opts := &WorkerOptions{}
	if runF == nil {
		runF = runWorker
	}
	cmd := &cobra.Command{
		Use:   "worker --nats URL [--analyses N] [--threads T]",
		Short: "Run analysis jobs of a clinic server from its NATS queue, on any machine",
		Long: `worker takes analysis jobs from a clinic server's queue (see 'kneescreen serve'),
fetches each video from the NATS object store, analyses it and stores the
report there: it needs no shared disk and no database, only the NATS URL
and token (the server's DIR/nats-token, via --nats-token-file or
KNEESCREEN_WORKER_NATS_TOKEN).

The model is loaded once and shared; --analyses jobs run at once and share
--threads inference threads. Stop it with Ctrl-C or SIGTERM (exit code 0):
its running jobs go straight back to the queue. If it dies instead, they are
redelivered to another worker after the server's --ack-wait.`,
		Example: `  kneescreen worker --nats nats://clinic-server:4222 --nats-token-file nats-token
  KNEESCREEN_WORKER_NATS_TOKEN=... kneescreen worker --nats nats://n1:4222,nats://n2:4222 --analyses 2`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out, opts.Err = app.Out, app.Err
			_ = app.v.BindEnv("worker.nats-token")
			s, err := app.screeningOptions()
			if err != nil {
				return &UsageError{Err: err}
			}
			opts.Screening = s
			return app.run(cmd, "worker", &opts.Config, func(ctx context.Context) error { return runF(ctx, opts) })
		},
	}
	fs := cmd.Flags()
	fs.String("nats", "", "NATS `URL` of the clinic server or cluster (comma-separated for several)")
	fs.String("nats-token-file", "", "`file` holding the NATS token (the server's DIR/nats-token)")
	fs.Int("analyses", 1, "analyses run at once, sharing --threads")
	fs.String("name", "", "this worker's name in job records (default: host name and pid)")
	fs.String("temp-dir", "", "`folder` staging videos and reports (default: the system's)")
	for _, name := range []string{"nats", "nats-token-file", "analyses", "name", "temp-dir"} {
		bindFlag(fs, name, "worker."+name)
	}
	addAnalysisFlags(app, cmd, "worker")
	return cmd
}

// runWorker connects and takes jobs until the context ends.
func runWorker(ctx context.Context, opts *WorkerOptions) error {
	c := &opts.Config
	token := c.NATSToken
	if c.NATSTokenFile != "" {
		b, err := os.ReadFile(c.NATSTokenFile)
		if err != nil {
			return &UsageError{Err: fmt.Errorf("worker: --nats-token-file: %w", err)}
		}
		token = strings.TrimSpace(string(b))
	}
	a, err := c.analyzer(c.Analyses, opts.Screening)
	if err != nil {
		return &UsageError{Err: err}
	}
	conn, err := queue.Connect(ctx, queue.ConnectOptions{URL: c.NATS, Token: token, Name: "kneescreen worker"})
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.Open(ctx); err != nil {
		return err
	}
	w := worker.New(conn, a, worker.Config{Name: c.Name, Concurrency: c.Analyses, TempDir: c.TempDir, Log: opts.Err})
	fmt.Fprintf(opts.Out, "kneescreen worker %s: taking jobs from %s (%d at once, %d inference threads each)\n",
		w.Name(), queue.RedactURL(c.NATS), c.Analyses, a.ThreadsPerAnalysis())
	// A stop (SIGINT, SIGTERM) is the normal end of a service: exit 0.
	return w.Run(ctx)
}
