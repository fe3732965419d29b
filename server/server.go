package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/server/auth"
	"github.com/kneescreen/kneescreen/server/natstls"
	"github.com/kneescreen/kneescreen/server/queue"
	"github.com/kneescreen/kneescreen/server/store"
	"github.com/kneescreen/kneescreen/server/web"
	"github.com/kneescreen/kneescreen/server/worker"
)

// Config is the clinic server's configuration.
type Config struct {
	// DataDir holds the database, the embedded NATS store, the NATS token
	// and the web side's work files.
	DataDir string
	// Addr is the web app's HOST:PORT (port 0: any free port).
	Addr string
	// Workers is how many analyses run in this process at once (0: a
	// web-only node; Analyzer may then be nil).
	Workers int
	// NATSURL uses an existing NATS (cluster) instead of the embedded one.
	NATSURL string
	// NATSCAFile is the CA (PEM) NATSURL's certificates are checked
	// against, for a cluster whose certificates a private CA signs ("":
	// the system's CAs). Only with NATSURL.
	NATSCAFile string
	// NATSListen opens the embedded NATS to remote workers on HOST:PORT.
	NATSListen string
	// NATSToken authenticates NATS clients; with NATSListen and no token
	// one is generated and kept in DataDir/nats-token.
	NATSToken string
	// NATSTLSCert and NATSTLSKey are the operator's certificate and key
	// (PEM) for the NATSListen port. Without them the server makes its own
	// CA and certificate in DataDir (package natstls) covering this
	// machine's names and addresses and NATSTLSNames.
	NATSTLSCert, NATSTLSKey string
	NATSTLSNames            []string
	// Queue sets ack wait, deliveries and replicas.
	Queue queue.Config
	// Web configures the web side (WorkDir is set from DataDir).
	Web web.Config
	// PurgeAfter is how long deleted records stay in the trash (0: 30
	// days).
	PurgeAfter time.Duration
	// AdminPassword gives the first user's password when the database has
	// no user yet.
	AdminPassword func() (string, error)
	// AdminClinic names the first user's clinic ("": "clinic").
	AdminClinic string
	// Analyzer and Prober do the analysis and the upload check.
	Analyzer worker.Analyzer
	Prober   web.Prober
	// Out receives the one-line start-up notices; Log errors and job
	// steps.
	Out, Log io.Writer
	// Ready, when set, is called with the addresses once serving.
	Ready func(Addrs)
}

// Addrs are where a running server can be reached.
type Addrs struct {
	// Web is the web app's URL.
	Web string
	// NATS is the URL remote workers use ("" unless listening).
	NATS string
}

// DBPath is the database file in a data folder.
func DBPath(dataDir string) string { return filepath.Join(dataDir, "kneescreen.db") }

// TokenFile is where a generated NATS token is kept.
func TokenFile(dataDir string) string { return filepath.Join(dataDir, "nats-token") }

// Validate checks a Config.
func (c *Config) Validate() error {
	switch {
	case c.DataDir == "":
		return errors.New("serve: --data must name a folder")
	case c.Addr == "":
		return errors.New("serve: --addr must be HOST:PORT")
	case c.Workers < 0:
		return fmt.Errorf("serve: --workers must be 0 (web only) or more, got %d", c.Workers)
	case c.NATSURL != "" && c.NATSListen != "":
		return errors.New("serve: --nats and --nats-listen exclude each other (--nats-listen opens the embedded NATS, --nats replaces it)")
	case c.Workers > 0 && c.Analyzer == nil:
		return errors.New("serve: workers need an analyzer")
	case c.Prober == nil:
		return errors.New("serve: no upload prober")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("serve: --addr %q: want HOST:PORT: %w", c.Addr, err)
	}
	return c.CheckNATSTLS()
}

// CheckNATSTLS checks the certificate settings of the NATS port.
func (c *Config) CheckNATSTLS() error {
	switch {
	case (c.NATSTLSCert == "") != (c.NATSTLSKey == ""):
		return errors.New("serve: give --nats-tls-cert and --nats-tls-key together (your own certificate and its key), or neither (a self-made one)")
	case (c.NATSTLSCert != "" || len(c.NATSTLSNames) > 0) && c.NATSListen == "":
		return errors.New("serve: --nats-tls-cert, --nats-tls-key and --nats-tls-name need --nats-listen (they secure the port it opens)")
	case c.NATSCAFile != "" && c.NATSURL == "":
		return errors.New("serve: --nats-ca-file needs --nats (it checks an existing NATS's certificates; the embedded one is reached in-process)")
	case c.NATSTLSCert != "" && len(c.NATSTLSNames) > 0:
		return errors.New("serve: --nats-tls-name names the self-made certificate; with --nats-tls-cert put the names in your own certificate")
	}
	for _, n := range c.NATSTLSNames {
		if err := natstls.CheckName(n); err != nil {
			return fmt.Errorf("serve: --nats-tls-name: %w", err)
		}
	}
	return nil
}

// Run serves until ctx ends, then shuts down cleanly: running analyses are
// handed back to the queue, requests get ten seconds to finish.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
	if cfg.PurgeAfter <= 0 {
		cfg.PurgeAfter = 30 * 24 * time.Hour
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("serve: data folder: %w", err)
	}
	st, err := store.Open(ctx, DBPath(cfg.DataDir))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := bootstrap(ctx, st, cfg); err != nil {
		return err
	}

	conn, emb, natsCert, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		conn.Close()
		if emb != nil {
			emb.Shutdown()
		}
	}()
	wcfg := cfg.Web
	wcfg.WorkDir = filepath.Join(cfg.DataDir, "work")
	wcfg.PurgeAfter = cfg.PurgeAfter
	wcfg.Log = cfg.Log
	ws, err := web.New(wcfg, st, conn, cfg.Prober)
	if err != nil {
		return err
	}
	// The in-process workers' staging folders: what a crash left there
	// holds nothing the queue needs.
	staging := filepath.Join(wcfg.WorkDir, "jobs")
	_ = os.RemoveAll(staging)
	if err := os.MkdirAll(staging, 0o700); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	hs := &http.Server{
		Handler:           ws.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	hs.RegisterOnShutdown(ws.Hub().Close)

	c := &coordinator{st: st, q: conn, hub: ws.Hub(), log: cfg.Log}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), 10*time.Second)
		defer cancel()
		return hs.Shutdown(sctx)
	})
	g.Go(func() error { return ignoreCancel(conn.ConsumeEvents(gctx, c.apply)) })
	g.Go(func() error { return ignoreCancel(conn.ConsumeDeadLetters(gctx, c.apply)) })
	g.Go(func() error { return c.reconcileLoop(gctx) })
	g.Go(func() error { return housekeeping(gctx, st, ws, natsCert, cfg) })
	if cfg.Workers > 0 {
		host, _ := os.Hostname()
		w := worker.New(conn, cfg.Analyzer, worker.Config{Name: fmt.Sprintf("%s-serve-%d", host, os.Getpid()),
			Concurrency: cfg.Workers, TempDir: staging, Log: cfg.Log})
		g.Go(func() error { return w.Run(gctx) })
	}

	addrs := Addrs{Web: "http://" + ln.Addr().String()}
	if emb != nil {
		addrs.NATS = emb.ClientURL()
	}
	fmt.Fprintf(cfg.Out, "kneescreen serve: web app on %s (data in %s, %d in-process workers)\n", dialable(addrs.Web), cfg.DataDir, cfg.Workers)
	if addrs.NATS != "" {
		ca := natstls.In(cfg.DataDir).CA
		if cfg.NATSTLSCert != "" {
			ca = "the CA of " + cfg.NATSTLSCert
		}
		fmt.Fprintf(cfg.Out, "kneescreen serve: NATS for workers on %s (TLS only; token in %s, CA for --nats-ca-file: %s)\n",
			dialable(addrs.NATS), TokenFile(cfg.DataDir), ca)
	}
	if cfg.Ready != nil {
		cfg.Ready(addrs)
	}
	return g.Wait()
}

// dialable returns the URL u with an unspecified host (0.0.0.0 or ::),
// which a listener takes for every interface but no client can dial,
// replaced by this machine's host name, which the self-made NATS
// certificate names (server/natstls), so that the start-up line is what
// a worker or a browser elsewhere can use. Other URLs are returned as
// they are, and so is u when the host name is unknown.
func dialable(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	ip := net.ParseIP(p.Hostname())
	if ip == nil || !ip.IsUnspecified() {
		return u
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		return u
	}
	p.Host = net.JoinHostPort(host, p.Port())
	return p.String()
}

func ignoreCancel(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// bootstrap creates the first user, admin, when there is none.
func bootstrap(ctx context.Context, st *store.Store, cfg Config) error {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	if cfg.AdminPassword == nil {
		return errors.New("serve: no user yet and no admin password (set KNEESCREEN_SERVE_ADMIN_PASSWORD)")
	}
	pw, err := cfg.AdminPassword()
	if err != nil {
		return err
	}
	if err := auth.CheckPassword(pw); err != nil {
		return fmt.Errorf("serve: admin password: %w", err)
	}
	hash, err := auth.Hash(pw, auth.DefaultParams)
	if err != nil {
		return err
	}
	clinic := cfg.AdminClinic
	if clinic == "" {
		clinic = "clinic"
	}
	if _, err := st.CreateUser(ctx, clinic, "admin", hash, store.RoleAdmin); err != nil {
		return err
	}
	fmt.Fprintf(cfg.Out, "kneescreen serve: created user admin (clinic %q); add clinicians with 'kneescreen users add'\n", clinic)
	return nil
}

// connect starts the embedded NATS (unless NATSURL is set), connects and
// sets the streams up. With NATSListen it returns the certificate served
// to workers (natsCert), for renewNATSCert.
func connect(ctx context.Context, cfg Config) (*queue.Conn, *queue.Embedded, *natstls.Served, error) {
	if cfg.NATSURL != "" {
		conn, err := queue.Connect(ctx, queue.ConnectOptions{URL: cfg.NATSURL, Token: cfg.NATSToken, CAFile: cfg.NATSCAFile, Name: "kneescreen serve"})
		if errors.Is(err, queue.ErrTLSUntrusted) && cfg.NATSCAFile == "" {
			return nil, nil, nil, fmt.Errorf("serve: %w; if a private CA signs the cluster's certificates, give its certificate with --nats-ca-file", err)
		}
		if err != nil {
			return nil, nil, nil, err
		}
		if err := conn.Setup(ctx, cfg.Queue); err != nil {
			conn.Close()
			return nil, nil, nil, err
		}
		return conn, nil, nil, nil
	}
	token := cfg.NATSToken
	if cfg.NATSListen != "" && token == "" {
		var err error
		if token, err = loadOrMakeToken(TokenFile(cfg.DataDir)); err != nil {
			return nil, nil, nil, err
		}
	}
	var tlsConfig *tls.Config
	var natsCert *natstls.Served
	if cfg.NATSListen != "" {
		served, err := natsTLS(cfg)
		if err != nil {
			return nil, nil, nil, err
		}
		tlsConfig, natsCert = served.Config(), served
	}
	emb, err := queue.StartEmbedded(queue.EmbeddedOptions{StoreDir: filepath.Join(cfg.DataDir, "nats"), Listen: cfg.NATSListen, Token: token,
		TLS: tlsConfig, Log: cfg.Log})
	if err != nil {
		return nil, nil, nil, err
	}
	conn, err := queue.Connect(ctx, queue.ConnectOptions{Embedded: emb, Name: "kneescreen serve"})
	if err == nil {
		err = conn.Setup(ctx, cfg.Queue)
		if err != nil {
			conn.Close()
		}
	}
	if err != nil {
		emb.Shutdown()
		return nil, nil, nil, err
	}
	return conn, emb, natsCert, nil
}

// natsTLS is the certificate of the NATS port opened to workers: the
// operator's, or one the server makes and keeps in the data folder. It is
// served so that renewNATSCert can replace it while the server runs.
func natsTLS(cfg Config) (*natstls.Served, error) {
	if cfg.NATSTLSCert != "" {
		s, err := natstls.Serve(cfg.NATSTLSCert, cfg.NATSTLSKey)
		if err != nil {
			return nil, fmt.Errorf("serve: --nats-tls-cert: %w", err)
		}
		return s, nil
	}
	if err := ensureNATSCert(cfg, time.Now()); err != nil {
		return nil, err
	}
	f := natstls.In(cfg.DataDir)
	s, err := natstls.Serve(f.Cert, f.Key)
	if err != nil {
		return nil, fmt.Errorf("serve: NATS certificate: %w", err)
	}
	return s, nil
}

// ensureNATSCert makes or renews the self-made NATS certificate as of now
// (natstls.Ensure) and says what it did.
func ensureNATSCert(cfg Config, now time.Time) error {
	host, _, err := net.SplitHostPort(cfg.NATSListen)
	if err != nil {
		return fmt.Errorf("serve: --nats-listen %q: want HOST:PORT: %w", cfg.NATSListen, err)
	}
	made, err := natstls.Ensure(cfg.DataDir, natstls.Names(host, cfg.NATSTLSNames), now)
	if err != nil {
		return fmt.Errorf("serve: NATS certificate: %w", err)
	}
	f := natstls.In(cfg.DataDir)
	switch {
	case made.CA:
		fmt.Fprintf(cfg.Out, "kneescreen serve: made a CA for the workers' NATS connections: copy %s to each worker (--nats-ca-file)\n", f.CA)
	case made.Cert:
		fmt.Fprintf(cfg.Out, "kneescreen serve: re-issued the NATS certificate %s from the same CA (workers need nothing new)\n", f.Cert)
	}
	if made.Cert {
		fmt.Fprintf(cfg.Out, "kneescreen serve: the NATS certificate names %s\n", strings.Join(made.Names, ", "))
	}
	return nil
}

// renewNATSCert keeps the NATS port's certificate current while the
// server runs: the self-made one is renewed from the same CA once it has
// less than two months left (as at a start), the operator's is taken up
// once its files change (a renewal tool's work), and either is served from
// the next connection on. Failures are logged: the certificate served
// stays as it was.
func renewNATSCert(cfg Config, served *natstls.Served, now time.Time) {
	if served == nil {
		return
	}
	if cfg.NATSTLSCert == "" {
		if err := ensureNATSCert(cfg, now); err != nil {
			fmt.Fprintf(cfg.Log, "serve: %v\n", err)
			return
		}
	}
	changed, err := served.Reload()
	if err != nil {
		fmt.Fprintf(cfg.Log, "serve: NATS certificate not reloaded, the one served stays: %v\n", err)
		return
	}
	if changed {
		if leaf := served.Certificate().Leaf; leaf != nil {
			fmt.Fprintf(cfg.Out, "kneescreen serve: serving the renewed NATS certificate (valid until %s)\n", leaf.NotAfter.Format(time.DateOnly))
		} else {
			fmt.Fprintf(cfg.Out, "kneescreen serve: serving the renewed NATS certificate\n")
		}
	}
}

// loadOrMakeToken reads the NATS token kept in path, or makes one.
func loadOrMakeToken(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		if t := strings.TrimSpace(string(b)); t != "" {
			return t, nil
		}
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	t := hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(t+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("serve: NATS token: %w", err)
	}
	return t, nil
}

// coordinator applies queue events to the records and keeps the two in
// step.
type coordinator struct {
	st  *store.Store
	q   *queue.Conn
	hub *web.Hub
	log io.Writer
}

// apply applies one worker event or dead letter.
func (c *coordinator) apply(ctx context.Context, ev queue.Event) error {
	sev := store.Event{Job: ev.Job, Kind: store.EventKind(ev.Kind), Seq: ev.Seq, Attempt: ev.Attempt, Worker: ev.Worker,
		Pass: ev.Pass, Progress: ev.Progress, Error: ev.Error}
	if ev.Kind == queue.EventDone {
		rep, err := c.loadReport(ctx, ev.Job)
		if errors.Is(err, queue.ErrBlobNotFound) {
			// Done without results (purged meanwhile): nothing to show.
			sev.Kind, sev.Error = store.EventFailed, "the results are missing from the store"
		} else if err != nil {
			return err
		}
		sev.Report = rep
	}
	job, changed, err := c.st.ApplyEvent(ctx, sev)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the job was purged
	}
	if err != nil {
		fmt.Fprintf(c.log, "serve: %v\n", err)
		return err
	}
	if changed {
		c.hub.Publish(job)
	}
	return nil
}

// reportHead is what the records keep of report.json.
type reportHead struct {
	Movement string          `json:"movement"`
	View     string          `json:"view"`
	Summary  json.RawMessage `json:"summary"`
}

// loadReport reads a finished job's manifest and report.json.
func (c *coordinator) loadReport(ctx context.Context, job int64) (*store.Report, error) {
	m, err := c.q.GetManifest(ctx, job)
	if err != nil {
		return nil, err
	}
	rep := &store.Report{Files: m.Files, Summary: "[]"}
	b, err := c.q.GetResultBytes(ctx, job, report.JSONFile)
	if errors.Is(err, queue.ErrBlobNotFound) {
		return rep, nil
	}
	if err != nil {
		return nil, err
	}
	var h reportHead
	if err := json.Unmarshal(b, &h); err == nil {
		rep.Movement, rep.View = h.Movement, h.View
		if len(h.Summary) > 0 {
			rep.Summary = string(h.Summary)
		}
	}
	return rep, nil
}

// reconcileLoop brings the queue in step with the records at start (once
// the events stored while the server was down are applied) and every
// minute after.
func (c *coordinator) reconcileLoop(ctx context.Context) error {
	// Catch up first: the start-up pass runs once no events are pending
	// (they may finish the jobs it looks at), trying for at most a
	// minute. A worker started with the server sends events from its
	// first job at once, so a pass skipped for them is tried again
	// rather than left to the next tick, a minute on.
	for i := 0; i < 600; i++ {
		ran, err := c.reconcile(ctx, 0)
		if err != nil && ctx.Err() == nil {
			fmt.Fprintf(c.log, "serve: reconcile: %v\n", err)
		}
		if ran || err != nil {
			break
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if _, err := c.reconcile(ctx, time.Minute); err != nil && ctx.Err() == nil {
				fmt.Fprintf(c.log, "serve: reconcile: %v\n", err)
			}
		}
	}
}

// reconcile looks at every job the records call queued or running and
// unchanged for minAge: if the queue no longer holds it, it is either
// finished (its results exist: it is marked done) or was never published
// or lost (it is published again; publishing is idempotent per queuing).
// ran is false when it did not look, because events were pending: they
// come first, as they may finish these jobs.
func (c *coordinator) reconcile(ctx context.Context, minAge time.Duration) (ran bool, err error) {
	if n, err := c.q.Pending(ctx); err != nil || n > 0 {
		return false, err
	}
	specs, err := c.st.UnfinishedJobs(ctx)
	if err != nil {
		return false, err
	}
	now := c.st.Now()
	for _, spec := range specs {
		if now.Sub(spec.Updated) < minAge {
			continue
		}
		queued, err := c.q.JobQueued(ctx, spec.JobID)
		if err != nil {
			return true, err
		}
		if queued {
			continue
		}
		if _, err := c.q.GetManifest(ctx, spec.JobID); err == nil {
			if err := c.apply(ctx, queue.Event{Job: spec.JobID, Kind: queue.EventDone}); err != nil {
				return true, err
			}
			continue
		}
		if err := c.q.PublishJob(ctx, web.JobMessage(spec)); err != nil {
			return true, err
		}
		fmt.Fprintf(c.log, "serve: job %d was not in the queue; queued it again\n", spec.JobID)
	}
	return true, nil
}

// housekeeping purges the trash and expired tokens every hour, and keeps
// the NATS port's certificate current (renewNATSCert).
func housekeeping(ctx context.Context, st *store.Store, ws *web.Server, natsCert *natstls.Served, cfg Config) error {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := ws.PurgeExpired(ctx, time.Now().Add(-cfg.PurgeAfter)); err != nil && ctx.Err() == nil {
			fmt.Fprintf(cfg.Log, "serve: purge: %v\n", err)
		} else if n > 0 {
			fmt.Fprintf(cfg.Log, "serve: purged %d records deleted more than %s ago\n", n, cfg.PurgeAfter)
		}
		if _, err := st.DeleteExpiredTokens(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintf(cfg.Log, "serve: tokens: %v\n", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		// Not before the first tick: natsTLS has just made or renewed
		// the certificate at start.
		renewNATSCert(cfg, natsCert, time.Now())
	}
}
