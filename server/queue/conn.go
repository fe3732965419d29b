package queue

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Names of the streams, consumers, subjects and bucket.
const (
	JobsStream      = "KNEESCREEN_JOBS"
	EventsStream    = "KNEESCREEN_EVENTS"
	DeadStream      = "KNEESCREEN_DEAD"
	WorkersConsumer = "workers"
	ServeConsumer   = "serve"
	Bucket          = "kneescreen"

	jobSubject   = "kneescreen.jobs."
	eventSubject = "kneescreen.events."
	// deadSubject is where JetStream reports a message of the jobs
	// stream that reached MaxDeliver.
	deadSubject = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + JobsStream + "." + WorkersConsumer
)

// ErrNotSetUp: a worker connected to a NATS whose streams the server has
// not created (yet).
var ErrNotSetUp = errors.New("queue: no kneescreen streams on this NATS (start 'kneescreen serve' against it first)")

// Errors of a TLS connection that retrying cannot mend: Connect returns
// them at once, wrapped with the URL and the detail.
var (
	// ErrTLSUntrusted: the server's certificate is not signed by a CA
	// the client trusts (ConnectOptions.CAFile, else the system's), or is
	// otherwise invalid (expired, not for a server).
	ErrTLSUntrusted = errors.New("the NATS server's certificate is not trusted")
	// ErrTLSName: the certificate does not name the host in the URL.
	ErrTLSName = errors.New("the NATS server's certificate does not name the host in the URL")
	// ErrTLSUnavailable: the client asked for TLS (a tls:// URL or a CA
	// file) and the server offers none.
	ErrTLSUnavailable = errors.New("the NATS server offers no TLS")
)

// Config is the queue's behaviour, set by the server that creates it.
type Config struct {
	// AckWait is how long a delivered job may go without an in-progress
	// signal before it is redelivered (0: 30 s).
	AckWait time.Duration
	// MaxDeliver bounds deliveries of one job (0: 3).
	MaxDeliver int
	// Replicas of every stream and the bucket (0: 1; 3 on a cluster).
	Replicas int
}

func (c Config) withDefaults() Config {
	if c.AckWait <= 0 {
		c.AckWait = 30 * time.Second
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = 3
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	return c
}

// ConnectOptions say how to reach NATS.
type ConnectOptions struct {
	// URL of the server(s), comma-separated (ignored with Embedded).
	URL string
	// Token authenticates (also accepted in the URL as nats://TOKEN@host).
	Token string
	// CAFile holds the PEM CA certificate(s) to verify the server's
	// certificate against instead of the system's (the clinic server's
	// DATA/nats-ca.pem). It makes the connection TLS whatever the URL's
	// scheme; without it tls:// URLs verify against the system's roots.
	CAFile string
	// Name identifies the client in the server's monitoring.
	Name string
	// Embedded connects in-process to this server instead of URL.
	Embedded *Embedded
}

// Conn is a connection to the kneescreen streams and bucket.
type Conn struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	jobs   jetstream.Stream
	events jetstream.Stream
	blobs  jetstream.ObjectStore
	cfg    Config
}

// Connect connects to NATS. It retries a server that is not up yet until
// ctx ends, and reconnects for ever after a connection loss.
func Connect(ctx context.Context, o ConnectOptions) (*Conn, error) {
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.RetryOnFailedConnect(false),
	}
	url := o.URL
	token := o.Token
	if o.Embedded != nil {
		opts = append(opts, nats.InProcessServer(o.Embedded.ns))
		url, token = "", o.Embedded.token
	}
	if token != "" {
		opts = append(opts, nats.Token(token))
	}
	if o.CAFile != "" && o.Embedded == nil {
		opts = append(opts, nats.RootCAs(o.CAFile))
	}
	var nc *nats.Conn
	var err error
	for {
		nc, err = nats.Connect(url, opts...)
		if err == nil {
			break
		}
		if errors.Is(err, nats.ErrAuthorization) {
			return nil, fmt.Errorf("queue: connect %s: %w (check the token)", RedactURL(url), err)
		}
		if terr := tlsError(err); terr != nil {
			return nil, fmt.Errorf("queue: connect %s: %w", RedactURL(url), terr)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("queue: connect %s: %w", RedactURL(url), err)
		case <-time.After(time.Second):
		}
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("queue: %w", err)
	}
	return &Conn{nc: nc, js: js}, nil
}

// tlsError classifies a connection error that no retry mends (nil: none).
func tlsError(err error) error {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &hostname):
		return fmt.Errorf("%w (%w)", ErrTLSName, err)
	case errors.As(err, &unknown), errors.As(err, &invalid), errors.As(err, &verify):
		return fmt.Errorf("%w (%w)", ErrTLSUntrusted, err)
	case errors.Is(err, nats.ErrSecureConnWanted):
		return fmt.Errorf("%w (%w)", ErrTLSUnavailable, err)
	case strings.Contains(err.Error(), "rootCA file") || strings.Contains(err.Error(), "root certificate"):
		// nats.RootCAs could not read or parse the CA file.
		return err
	}
	return nil
}

// RedactURL hides a token given inside a NATS URL (nats://TOKEN@host).
func RedactURL(url string) string {
	if i := strings.Index(url, "@"); i >= 0 {
		if j := strings.Index(url, "://"); j >= 0 && j < i {
			return url[:j+3] + "***" + url[i:]
		}
	}
	return url
}

// Close flushes what was published and closes the connection.
func (c *Conn) Close() {
	_ = c.nc.FlushTimeout(5 * time.Second)
	c.nc.Close()
}

// Setup creates or updates the streams, consumers and bucket (the server
// does this; workers Open what it made).
func (c *Conn) Setup(ctx context.Context, cfg Config) error {
	cfg = cfg.withDefaults()
	c.cfg = cfg
	var err error
	c.jobs, err = c.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        JobsStream,
		Description: "kneescreen analysis jobs, one message per queued job",
		Subjects:    []string{jobSubject + "*"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
		// Publishing a job twice (a retry of the publish after a lost
		// ack) stores it once.
		Duplicates: 10 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("queue: stream %s: %w", JobsStream, err)
	}
	if _, err := c.jobs.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       WorkersConsumer,
		Description:   "kneescreen workers",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		MaxDeliver:    cfg.MaxDeliver,
		MaxAckPending: 10000,
		Replicas:      cfg.Replicas,
	}); err != nil {
		return fmt.Errorf("queue: consumer %s: %w", WorkersConsumer, err)
	}
	c.events, err = c.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        EventsStream,
		Description: "what kneescreen workers report about jobs",
		Subjects:    []string{eventSubject + "*"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("queue: stream %s: %w", EventsStream, err)
	}
	if _, err := c.events.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       ServeConsumer,
		Description:   "the kneescreen server applying job events",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		MaxAckPending: 1, // in order, one at a time
		Replicas:      cfg.Replicas,
	}); err != nil {
		return fmt.Errorf("queue: consumer %s: %w", ServeConsumer, err)
	}
	dead, err := c.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        DeadStream,
		Description: "kneescreen jobs that exhausted their deliveries",
		Subjects:    []string{deadSubject},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("queue: stream %s: %w", DeadStream, err)
	}
	if _, err := dead.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:   ServeConsumer,
		AckPolicy: jetstream.AckExplicitPolicy,
		Replicas:  cfg.Replicas,
	}); err != nil {
		return fmt.Errorf("queue: consumer %s on %s: %w", ServeConsumer, DeadStream, err)
	}
	c.blobs, err = c.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      Bucket,
		Description: "kneescreen videos and report files",
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("queue: object store %s: %w", Bucket, err)
	}
	return nil
}

// Open finds the streams and bucket a server set up, waiting for them
// until ctx ends (a worker may start before the server).
func (c *Conn) Open(ctx context.Context) error {
	for {
		err := c.open(ctx)
		if err == nil || !errors.Is(err, ErrNotSetUp) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}

func (c *Conn) open(ctx context.Context) error {
	var err error
	if c.jobs, err = c.js.Stream(ctx, JobsStream); err != nil {
		return notSetUp(err)
	}
	cons, err := c.jobs.Consumer(ctx, WorkersConsumer)
	if err != nil {
		return notSetUp(err)
	}
	cc := cons.CachedInfo().Config
	c.cfg = Config{AckWait: cc.AckWait, MaxDeliver: cc.MaxDeliver, Replicas: cc.Replicas}
	if c.events, err = c.js.Stream(ctx, EventsStream); err != nil {
		return notSetUp(err)
	}
	if c.blobs, err = c.js.ObjectStore(ctx, Bucket); err != nil {
		return notSetUp(err)
	}
	return nil
}

func notSetUp(err error) error {
	if errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrBucketNotFound) {
		return fmt.Errorf("%w: %w", ErrNotSetUp, err)
	}
	return fmt.Errorf("queue: %w", err)
}

// Config returns the queue's configuration as set up.
func (c *Conn) Config() Config { return c.cfg }

// jobID reads the job id from a subject "prefix<id>".
func jobID(subject, prefix string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(subject, prefix), 10, 64)
	if err != nil || !strings.HasPrefix(subject, prefix) || id <= 0 {
		return 0, fmt.Errorf("queue: subject %q names no job", subject)
	}
	return id, nil
}
