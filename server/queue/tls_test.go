package queue

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// TestTLSOnly: the port a listening embedded server opens takes TLS
// verified against its CA and nothing else: a client speaking plaintext
// NATS is cut off before it is served, a client that does not trust the
// CA (the system's roots, or another CA) is refused with ErrTLSUntrusted
// at once rather than retried, a host the certificate does not name with
// ErrTLSName, and a nats:// URL with the CA is upgraded, never plaintext.
// The in-process connection (start's) needs no certificate.
func TestTLSOnly(t *testing.T) {
	e, served, ca := startTLS(t, Config{}, "127.0.0.1:0")
	url := e.ClientURL()
	addr := strings.TrimPrefix(url, "tls://")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	t.Run("plaintext client", func(t *testing.T) {
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(nc)
		info, err := r.ReadString('\n')
		if err != nil || !strings.Contains(info, `"tls_required":true`) {
			t.Fatalf("INFO %q, %v: want tls_required", info, err)
		}
		// A client that ignores tls_required sends its token in the
		// clear; the server must not answer it.
		_, _ = nc.Write([]byte("CONNECT {\"auth_token\":\"secret-token\",\"verbose\":false}\r\nPING\r\n"))
		for {
			line, err := r.ReadString('\n')
			if strings.HasPrefix(line, "PONG") || strings.HasPrefix(line, "+OK") {
				t.Fatalf("a plaintext client was served: %q", line)
			}
			if err != nil {
				break // closed by the server: refused
			}
		}
	})
	t.Run("nats:// without the CA", func(t *testing.T) {
		start := time.Now()
		_, err := Connect(ctx, ConnectOptions{URL: strings.Replace(url, "tls://", "nats://", 1), Token: "secret-token"})
		if !errors.Is(err, ErrTLSUntrusted) {
			t.Fatalf("err %v, want ErrTLSUntrusted", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("refused after %s: a certificate error must not be retried", d)
		}
	})
	t.Run("tls:// with another CA", func(t *testing.T) {
		_, other := testCert(t)
		if _, err := Connect(ctx, ConnectOptions{URL: url, Token: "secret-token", CAFile: other}); !errors.Is(err, ErrTLSUntrusted) {
			t.Fatalf("err %v, want ErrTLSUntrusted", err)
		}
	})
	t.Run("a host the certificate does not name", func(t *testing.T) {
		// A certificate for a name only: reached by address.
		tlsConfig, ca := testCert(t, "server.clinic.invalid")
		e, err := StartEmbedded(EmbeddedOptions{StoreDir: t.TempDir(), Listen: "127.0.0.1:0", Token: "secret-token", TLS: tlsConfig})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Shutdown()
		_, err = Connect(ctx, ConnectOptions{URL: e.ClientURL(), Token: "secret-token", CAFile: ca})
		if !errors.Is(err, ErrTLSName) {
			t.Fatalf("err %v, want ErrTLSName", err)
		}
	})
	t.Run("nats:// with the CA is TLS", func(t *testing.T) {
		c, err := Connect(ctx, ConnectOptions{URL: strings.Replace(url, "tls://", "nats://", 1), Token: "secret-token", CAFile: ca})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.nc.TLSConnectionState(); err != nil {
			t.Errorf("not TLS: %v", err)
		}
	})
	t.Run("round trip over TLS", func(t *testing.T) {
		w, err := Connect(ctx, ConnectOptions{URL: url, Token: "secret-token", CAFile: ca})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if err := w.Open(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := w.nc.TLSConnectionState(); err != nil {
			t.Fatalf("worker connection not TLS: %v", err)
		}
		job := Job{ID: 11, Recording: 1, Video: "videos/v", Movement: "squat", Enqueued: 1}
		if err := served.PublishJob(ctx, job); err != nil {
			t.Fatal(err)
		}
		jobs, err := w.Jobs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		d, err := jobs.Next(ctx, 5*time.Second)
		if err != nil || d == nil || d.Job != job {
			t.Fatalf("delivery over TLS: %+v, %v", d, err)
		}
	})
	t.Run("CA file missing", func(t *testing.T) {
		if _, err := Connect(ctx, ConnectOptions{URL: url, Token: "secret-token", CAFile: ca + ".missing"}); err == nil || ctx.Err() != nil {
			t.Fatalf("err %v (ctx %v): want an immediate error", err, ctx.Err())
		}
	})
}
