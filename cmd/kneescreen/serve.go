package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/server"
	"github.com/kneescreen/kneescreen/server/analysis"
	"github.com/kneescreen/kneescreen/server/natstls"
	"github.com/kneescreen/kneescreen/server/queue"
	"github.com/kneescreen/kneescreen/server/web"
)

// AnalysisConfig is how a process that runs analyses runs them (serve's
// in-process workers, worker). Threads in the embedded ModelConfig is the
// process's whole inference budget.
type AnalysisConfig struct {
	ModelConfig `mapstructure:",squash"`
	// Symmetric averages each frame's pose with its mirror image's.
	Symmetric bool `mapstructure:"symmetric"`
	// VideoMaxSide caps the annotated video's longer side (0: input size).
	VideoMaxSide int `mapstructure:"video-max-side"`
}

// Validate implements validator.
func (c *AnalysisConfig) Validate() error {
	if err := c.ModelConfig.Validate(); err != nil {
		return err
	}
	if err := checkVideoMaxSide(c.VideoMaxSide); err != nil {
		return err
	}
	return checkEncoderEnv()
}

// analyzer loads the model for analyses concurrent analyses.
func (c *AnalysisConfig) analyzer(analyses int, s screening.Options) (*analysis.Analyzer, error) {
	return analysis.New(analysis.Options{Model: c.Model, ModelsDir: c.ModelsDir, Threads: c.Threads, Analyses: analyses,
		Symmetric: c.Symmetric, VideoMaxSide: c.VideoMaxSide, Screening: s, Tool: versionTag()})
}

// addAnalysisFlags declares the model and analysis flags of section (the
// shared --symmetric and --video-max-side of options.go).
func addAnalysisFlags(app *App, cmd *cobra.Command, section string) {
	addSymmetricFlag(cmd.Flags(), section)
	addVideoMaxSideFlag(cmd.Flags(), section)
	addModelFlags(app, cmd, section)
}

// ServeConfig is the serve command's configuration (section "serve").
type ServeConfig struct {
	AnalysisConfig `mapstructure:",squash"`
	Data           string `mapstructure:"data"`
	Addr           string `mapstructure:"addr"`
	Workers        int    `mapstructure:"workers"`
	NATS           string `mapstructure:"nats"`
	NATSListen     string `mapstructure:"nats-listen"`
	NATSToken      string `mapstructure:"nats-token"`
	// NATSCAFile is the CA that --nats's certificates are checked against.
	NATSCAFile string `mapstructure:"nats-ca-file"`
	// NATSTLSCert and NATSTLSKey are the operator's own certificate for
	// the --nats-listen port; NATSTLSNames extend the self-made one.
	NATSTLSCert  string   `mapstructure:"nats-tls-cert"`
	NATSTLSKey   string   `mapstructure:"nats-tls-key"`
	NATSTLSNames []string `mapstructure:"nats-tls-name"`
	// AckWait, MaxDeliver and Replicas shape the job queue.
	AckWait    time.Duration `mapstructure:"ack-wait"`
	MaxDeliver int           `mapstructure:"max-deliver"`
	Replicas   int           `mapstructure:"replicas"`
	// MaxUploadMB bounds one upload request (413 beyond).
	MaxUploadMB int `mapstructure:"max-upload-mb"`
	// MaxUploads bounds uploads received at once.
	MaxUploads    int           `mapstructure:"max-uploads"`
	PurgeAfter    time.Duration `mapstructure:"purge-after"`
	SecureCookies bool          `mapstructure:"secure-cookies"`
	Clinic        string        `mapstructure:"clinic"`
	// AdminPassword is read from KNEESCREEN_SERVE_ADMIN_PASSWORD (never a
	// flag: flags show in process lists) on first run.
	AdminPassword string `mapstructure:"admin-password"`
}

// Validate implements validator.
func (c *ServeConfig) Validate() error {
	if err := c.AnalysisConfig.Validate(); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	switch {
	case strings.TrimSpace(c.Data) == "":
		return errors.New("serve: --data must name the folder that keeps the records, videos and reports")
	case c.Workers < 0:
		return fmt.Errorf("serve: --workers must be 0 (web only) or more, got %d", c.Workers)
	case c.AckWait < time.Second:
		return fmt.Errorf("serve: --ack-wait must be at least 1s, got %s", c.AckWait)
	case c.MaxDeliver < 1:
		return fmt.Errorf("serve: --max-deliver must be at least 1, got %d", c.MaxDeliver)
	case c.Replicas < 1 || c.Replicas > 5:
		return fmt.Errorf("serve: --replicas must be 1 to 5, got %d", c.Replicas)
	case c.MaxUploadMB < 1:
		return fmt.Errorf("serve: --max-upload-mb must be at least 1, got %d", c.MaxUploadMB)
	case c.MaxUploads < 1:
		return fmt.Errorf("serve: --max-uploads must be at least 1, got %d", c.MaxUploads)
	case c.PurgeAfter < time.Hour:
		return fmt.Errorf("serve: --purge-after must be at least 1h, got %s", c.PurgeAfter)
	case c.NATS != "" && c.NATSListen != "":
		return errors.New("serve: --nats and --nats-listen exclude each other (--nats-listen opens the embedded NATS, --nats replaces it)")
	}
	cfg := c.serverConfig()
	return cfg.CheckNATSTLS()
}

// ServeOptions holds the serve command's inputs.
type ServeOptions struct {
	Config    ServeConfig
	Screening screening.Options
	In        io.Reader
	Out, Err  io.Writer
}

// NewCmdServe builds "kneescreen serve".
func NewCmdServe(app *App, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{}
	if runF == nil {
		runF = runServe
	}
	cmd := &cobra.Command{
		Use:   "serve --data DIR [--addr HOST:PORT] [--workers N]",
		Short: "Run the clinic server: web app, REST API, job queue and analysis workers",
		Long: `serve runs kneescreen for a clinic: a web app and REST API (OpenAPI at
/api/openapi.yaml) where clinicians keep subjects and sessions, upload
videos and read the screening reports, with the analyses queued on NATS
JetStream and run by workers.

Everything lives under --data: the records (SQLite), the embedded NATS
server's streams and object store (videos and report files), and the work
folder. On the first run the user "admin" is created with the password in
KNEESCREEN_SERVE_ADMIN_PASSWORD (asked for on a terminal); add clinicians
with 'kneescreen users add'.

--workers analyses run in this process at once (0: a web-only node). To add
machines, --nats-listen opens the embedded NATS to 'kneescreen worker'
processes, or --nats uses an existing NATS cluster that the workers join
too. The port --nats-listen opens takes TLS only: on first start serve makes
a small CA and a certificate for this machine's names and addresses in DIR
(copy DIR/nats-ca.pem and the token DIR/nats-token to each worker);
--nats-tls-name adds a name (the certificate is re-issued from the same CA),
--nats-tls-cert and --nats-tls-key use your own certificate instead.

Ctrl-C or SIGTERM stops it cleanly (exit code 0): requests get ten seconds
to finish and running analyses go back to the queue.`,
		Example: `  KNEESCREEN_SERVE_ADMIN_PASSWORD=... kneescreen serve --data /srv/kneescreen
  kneescreen serve --data /srv/kneescreen --addr 0.0.0.0:8080 --workers 0 --nats-listen 0.0.0.0:4222 --nats-tls-name server.clinic.lan`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.In, opts.Out, opts.Err = os.Stdin, app.Out, app.Err
			_ = app.v.BindEnv("serve.admin-password")
			_ = app.v.BindEnv("serve.nats-token")
			s, err := app.screeningOptions()
			if err != nil {
				return &UsageError{Err: err}
			}
			opts.Screening = s
			return app.run(cmd, "serve", &opts.Config, func(ctx context.Context) error { return runF(ctx, opts) })
		},
	}
	fs := cmd.Flags()
	fs.String("data", "", "`folder` keeping the records, videos and reports (created if needed)")
	fs.String("addr", "127.0.0.1:8080", "web app and API address `HOST:PORT`")
	fs.Int("workers", 1, "analyses run in this process at once (0: web only)")
	fs.String("nats", "", "use the NATS server(s) at `URL` instead of the embedded one")
	fs.String("nats-ca-file", "", "CA certificate `file` (PEM) that the --nats servers' certificates are checked against (default: the system's CAs)")
	fs.String("nats-listen", "", "open the embedded NATS to remote workers on `HOST:PORT` (TLS only)")
	fs.StringSlice("nats-tls-name", nil, "another `name` or address workers reach the server by, added to the self-made NATS certificate (repeatable)")
	fs.String("nats-tls-cert", "", "your own certificate `file` (PEM, with its chain) for --nats-listen instead of the self-made one")
	fs.String("nats-tls-key", "", "the private key `file` (PEM) of --nats-tls-cert")
	fs.Duration("ack-wait", 30*time.Second, "a job whose worker goes silent this long is redelivered")
	fs.Int("max-deliver", 3, "deliveries of one job before it is a dead letter")
	fs.Int("replicas", 1, "replicas of the streams and object store (3 on a 3-node NATS cluster)")
	fs.Int("max-upload-mb", 1024, "largest upload request in MiB (413 beyond)")
	fs.Int("max-uploads", web.DefaultMaxConcurrentUploads, "uploads received and probed at once")
	fs.Duration("purge-after", 30*24*time.Hour, "deleted records stay in the trash this long")
	fs.Bool("secure-cookies", false, "mark login cookies Secure (serve behind HTTPS)")
	fs.String("clinic", "clinic", "the first user's clinic")
	for _, name := range []string{"data", "addr", "workers", "nats", "nats-ca-file", "nats-listen", "nats-tls-name", "nats-tls-cert", "nats-tls-key", "ack-wait", "max-deliver", "replicas",
		"max-upload-mb", "max-uploads", "purge-after", "secure-cookies", "clinic"} {
		bindFlag(fs, name, "serve."+name)
	}
	addAnalysisFlags(app, cmd, "serve")
	return cmd
}

// serverConfig is the server's configuration from c (without the parts
// runServe adds: password prompt, analyzer, output).
func (c *ServeConfig) serverConfig() server.Config {
	return server.Config{
		DataDir: c.Data, Addr: c.Addr, Workers: c.Workers,
		NATSURL: c.NATS, NATSCAFile: c.NATSCAFile, NATSListen: c.NATSListen, NATSToken: c.NATSToken,
		NATSTLSCert: c.NATSTLSCert, NATSTLSKey: c.NATSTLSKey, NATSTLSNames: c.NATSTLSNames,
		Queue:      queue.Config{AckWait: c.AckWait, MaxDeliver: c.MaxDeliver, Replicas: c.Replicas},
		Web:        web.Config{MaxUploadBytes: int64(c.MaxUploadMB) << 20, MaxConcurrentUploads: c.MaxUploads, SecureCookies: c.SecureCookies, Version: versionTag()},
		PurgeAfter: c.PurgeAfter, AdminClinic: c.Clinic,
		Prober: analysis.Prober{},
	}
}

// runServe runs the server until the context ends.
func runServe(ctx context.Context, opts *ServeOptions) error {
	c := &opts.Config
	cfg := c.serverConfig()
	cfg.AdminPassword = func() (string, error) {
		if c.AdminPassword != "" {
			return c.AdminPassword, nil
		}
		return promptPassword(opts.In, opts.Err, "password for the new user admin")
	}
	cfg.Out, cfg.Log = opts.Out, opts.Err
	if c.NATSCAFile != "" {
		if err := natstls.CheckCAFile(c.NATSCAFile); err != nil {
			return &UsageError{Err: fmt.Errorf("serve: --nats-ca-file: %w", err)}
		}
	}
	if c.Workers > 0 {
		a, err := c.analyzer(c.Workers, opts.Screening)
		if err != nil {
			return &UsageError{Err: err}
		}
		cfg.Analyzer = a
	}
	return server.Run(ctx, cfg)
}
