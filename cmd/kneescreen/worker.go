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
	"github.com/kneescreen/kneescreen/server/natstls"
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
	// NATSCAFile is the CA the server's certificate is verified against
	// (the server's DATA/nats-ca.pem; "": the system's roots).
	NATSCAFile string `mapstructure:"nats-ca-file"`
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
		return errors.New("worker: --nats must give the NATS URL of the clinic server (e.g. tls://server:4222)")
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
report there: it needs no shared disk and no database, only the NATS URL,
the token (the server's DIR/nats-token, via --nats-token-file or
KNEESCREEN_WORKER_NATS_TOKEN) and, for a server's self-made certificate,
its CA (DIR/nats-ca.pem, via --nats-ca-file): the connection is TLS.

The model is loaded once and shared; --analyses jobs run at once and share
--threads inference threads. Stop it with Ctrl-C or SIGTERM (exit code 0):
its running jobs go straight back to the queue. If it dies instead, they are
redelivered to another worker after the server's --ack-wait.`,
		Example: `  kneescreen worker --nats tls://clinic-server:4222 --nats-token-file nats-token --nats-ca-file nats-ca.pem
  KNEESCREEN_WORKER_NATS_TOKEN=... kneescreen worker --nats tls://n1:4222,tls://n2:4222 --analyses 2`,
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
	fs.String("nats-ca-file", "", "CA certificate `file` the server's NATS certificate is checked against (the server's DIR/nats-ca.pem)")
	fs.Int("analyses", 1, "analyses run at once, sharing --threads")
	fs.String("name", "", "this worker's name in job records (default: host name and pid)")
	fs.String("temp-dir", "", "`folder` staging videos and reports (default: the system's)")
	for _, name := range []string{"nats", "nats-token-file", "nats-ca-file", "analyses", "name", "temp-dir"} {
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
	if c.NATSCAFile != "" {
		if err := natstls.CheckCAFile(c.NATSCAFile); err != nil {
			return &UsageError{Err: fmt.Errorf("worker: --nats-ca-file: %w", err)}
		}
	}
	// Connect before loading the model: a wrong URL, token or CA is
	// reported at once.
	conn, err := queue.Connect(ctx, queue.ConnectOptions{URL: c.NATS, Token: token, CAFile: c.NATSCAFile, Name: "kneescreen worker"})
	if err != nil {
		return connectAdvice(err, c.NATS, c.NATSCAFile)
	}
	defer conn.Close()
	a, err := c.analyzer(c.Analyses, opts.Screening)
	if err != nil {
		return &UsageError{Err: err}
	}
	if err := conn.Open(ctx); err != nil {
		return err
	}
	w := worker.New(conn, a, worker.Config{Name: c.Name, Concurrency: c.Analyses, TempDir: c.TempDir, Log: opts.Err})
	fmt.Fprintf(opts.Out, "kneescreen worker %s: taking jobs from %s (%d at once, %d inference threads each)\n",
		w.Name(), queue.RedactURL(c.NATS), c.Analyses, a.ThreadsPerAnalysis())
	// A stop (SIGINT, SIGTERM) is the normal end of a service: exit 0.
	return w.Run(ctx)
}

// connectAdvice turns a TLS refusal into one line saying what to do.
func connectAdvice(err error, url, caFile string) error {
	where := queue.RedactURL(url)
	tlsURL := strings.Replace(strings.Replace(where, "nats://", "tls://", -1), "***@", "", -1)
	switch {
	case errors.Is(err, queue.ErrTLSName):
		return fmt.Errorf("worker: the certificate of the NATS server at %s does not name the host in that URL: use a name it has, "+
			"or restart serve with --nats-tls-name HOST (re-issued from the same CA: workers need nothing new) (%v)", where, errors.Unwrap(err))
	case errors.Is(err, queue.ErrTLSUntrusted) && caFile == "":
		return fmt.Errorf("worker: the NATS server at %s is TLS with a certificate this machine does not trust: copy the server's DATA/%s here "+
			"and run with --nats-ca-file %s --nats %s", where, natstls.CAFile, natstls.CAFile, tlsURL)
	case errors.Is(err, queue.ErrTLSUntrusted):
		return fmt.Errorf("worker: the certificate of the NATS server at %s is not signed by the CA in %s: copy that server's current DATA/%s "+
			"(serve made a new CA if its old one was moved away) (%v)", where, caFile, natstls.CAFile, errors.Unwrap(err))
	case errors.Is(err, queue.ErrTLSUnavailable):
		return fmt.Errorf("worker: the NATS server at %s offers no TLS and --nats-ca-file (or tls://) asks for it: "+
			"is it 'kneescreen serve --nats-listen' of this version? An existing NATS needs TLS set up in its own configuration", where)
	}
	return err
}
