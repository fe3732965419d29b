package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/kneescreen/kneescreen/server/natstls"
	"github.com/kneescreen/kneescreen/server/queue"
)

// TestWorkerTLSRefusals runs `kneescreen worker` against a TLS-only NATS
// (the embedded server with a self-made certificate, on loopback): each
// refusal is one line saying what to do, before any model is loaded.
func TestWorkerTLSRefusals(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	for _, d := range []string{dir, other} {
		if _, err := natstls.Ensure(d, []string{"localhost", "127.0.0.1"}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	f := natstls.In(dir)
	served, err := natstls.Serve(f.Cert, f.Key)
	if err != nil {
		t.Fatal(err)
	}
	e, err := queue.StartEmbedded(queue.EmbeddedOptions{StoreDir: t.TempDir(), Listen: "127.0.0.1:0", Token: "tok", TLS: served.Config()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Shutdown)
	url := e.ClientURL()
	plain := strings.Replace(url, "tls://", "nats://", 1)
	notPEM := writeFile(t, "ca.pem", "not a certificate\n")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"nats:// without the CA", []string{"--nats", plain}, 1, []string{"does not trust", "--nats-ca-file nats-ca.pem", "--nats " + url}},
		{"tls:// without the CA", []string{"--nats", url}, 1, []string{"does not trust", "DATA/nats-ca.pem"}},
		{"another server's CA", []string{"--nats", url, "--nats-ca-file", natstls.In(other).CA}, 1, []string{"not signed by the CA in", "DATA/nats-ca.pem"}},
		{"CA file not PEM", []string{"--nats", url, "--nats-ca-file", notPEM}, exitUsage, []string{"--nats-ca-file", "no PEM certificate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KNEESCREEN_WORKER_NATS_TOKEN", "tok")
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			code, _, stderr := runCapture(t, "worker", append([]string{"worker"}, tc.args...), func(app *App) *cobra.Command {
				return NewCmdWorker(app, func(_ context.Context, o *WorkerOptions) error { return runWorker(ctx, o) })
			})
			if ctx.Err() != nil {
				t.Fatal("the worker retried a refusal until the deadline")
			}
			if code != tc.code || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d (want %d), stderr %q: want one line", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
		})
	}
}
