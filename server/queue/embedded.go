package queue

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedOptions configure an embedded NATS server.
type EmbeddedOptions struct {
	// StoreDir holds JetStream's files.
	StoreDir string
	// Listen is HOST:PORT to accept remote workers on ("": in-process
	// clients only; port 0: any free port).
	Listen string
	// Token is the secret clients must present; required with Listen.
	Token string
	// TLS is the listener's certificate; required with Listen, where it
	// is the only way in: patients' videos and reports cross the network.
	// In-process clients need none.
	TLS *tls.Config
	// Log receives the server's warnings and errors (nil: discarded).
	Log io.Writer
}

// Embedded is a NATS server with JetStream running in this process.
type Embedded struct {
	ns    *server.Server
	token string
}

// StartEmbedded starts a NATS server with JetStream and waits until it
// accepts connections.
func StartEmbedded(o EmbeddedOptions) (*Embedded, error) {
	if o.StoreDir == "" {
		return nil, fmt.Errorf("queue: embedded NATS: no store folder")
	}
	opts := &server.Options{
		ServerName:    "kneescreen",
		JetStream:     true,
		StoreDir:      o.StoreDir,
		NoSigs:        true,
		Authorization: o.Token,
		DontListen:    o.Listen == "",
		// Job messages and events are small; blobs go in 128 KiB
		// object-store chunks.
		MaxPayload: 1 << 20,
	}
	if o.Listen != "" {
		if o.Token == "" {
			return nil, fmt.Errorf("queue: embedded NATS listening on %s needs a token", o.Listen)
		}
		if o.TLS == nil {
			return nil, fmt.Errorf("queue: embedded NATS listening on %s needs a TLS certificate", o.Listen)
		}
		// TLS only: AllowNonTLS stays false, so a plaintext client is
		// told tls_required and cut off when it does not upgrade.
		opts.TLSConfig = o.TLS
		opts.TLSTimeout = 5
		host, port, err := net.SplitHostPort(o.Listen)
		if err != nil {
			return nil, fmt.Errorf("queue: --nats-listen %q: want HOST:PORT: %w", o.Listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil || p < 0 || p > 65535 {
			return nil, fmt.Errorf("queue: --nats-listen %q: bad port", o.Listen)
		}
		if p == 0 {
			p = server.RANDOM_PORT
		}
		opts.Host, opts.Port = host, p
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("queue: embedded NATS: %w", err)
	}
	ns.SetLoggerV2(&logger{w: o.Log}, false, false, false)
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("queue: embedded NATS did not start within 30 s (store %s)", o.StoreDir)
	}
	return &Embedded{ns: ns, token: o.Token}, nil
}

// ClientURL is the URL remote clients connect to, tls://HOST:PORT ("" when
// not listening).
func (e *Embedded) ClientURL() string {
	if e.ns.Addr() == nil {
		return ""
	}
	return e.ns.ClientURL()
}

// Shutdown stops the server and waits for it.
func (e *Embedded) Shutdown() {
	e.ns.Shutdown()
	e.ns.WaitForShutdown()
}

// logger forwards the server's warnings and errors.
type logger struct{ w io.Writer }

func (l *logger) printf(level, format string, v ...any) {
	if l.w != nil {
		fmt.Fprintf(l.w, "nats: %s: %s\n", level, fmt.Sprintf(format, v...))
	}
}
func (l *logger) Noticef(string, ...any)         {}
func (l *logger) Debugf(string, ...any)          {}
func (l *logger) Tracef(string, ...any)          {}
func (l *logger) Warnf(format string, v ...any)  { l.printf("warning", format, v...) }
func (l *logger) Errorf(format string, v ...any) { l.printf("error", format, v...) }
func (l *logger) Fatalf(format string, v ...any) { l.printf("fatal", format, v...) }
