package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/server/natstls"
	"github.com/kneescreen/kneescreen/server/queue"
	"github.com/kneescreen/kneescreen/server/worker"
)

// remoteWorker runs a worker over the server's NATS port with caFile and
// returns its stop function.
func remoteWorker(t *testing.T, r *running, caFile string) func() {
	t.Helper()
	tok, err := os.ReadFile(TokenFile(r.dataDir))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
	defer ccancel()
	conn, err := queue.Connect(cctx, queue.ConnectOptions{URL: r.addrs.NATS, Token: strings.TrimSpace(string(tok)), CAFile: caFile, Name: "test worker"})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := conn.Open(cctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	w := worker.New(conn, &fakeAnalyzer{}, worker.Config{Name: "remote", Concurrency: 1, TempDir: t.TempDir()})
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("worker: %v", err)
		}
		conn.Close()
	}
}

// TestNATSTLS: --nats-listen serves TLS with a CA and certificate the
// server makes in its data folder; a remote worker given the CA runs a
// job end to end over tls://; a restart reuses the CA and key byte for
// byte; a new name re-issues the certificate from the same CA, so the
// same CA file still works.
func TestNATSTLS(t *testing.T) {
	dir := t.TempDir()
	f := natstls.In(dir)
	cfg := Config{DataDir: dir, Workers: 0, NATSListen: "127.0.0.1:0"}
	r := start(t, cfg)
	if !strings.HasPrefix(r.addrs.NATS, "tls://127.0.0.1:") {
		t.Fatalf("NATS URL %q, want tls://", r.addrs.NATS)
	}
	files := map[string][]byte{}
	for _, p := range []string{f.CA, f.CAKey, f.Cert, f.Key} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%s not made: %v", filepath.Base(p), err)
		}
		files[p] = b
	}
	stopWorker := remoteWorker(t, r, f.CA)
	_, job := r.subjectWithUpload(t, "S-1")
	if j := r.waitJob(t, job, "done", 20*time.Second); j["worker"] != "remote" {
		t.Errorf("job ran on %v, want the remote worker", j["worker"])
	}
	stopWorker()
	r.stop()

	// Restart: nothing re-made.
	r = start(t, cfg)
	for p, b := range files {
		if got, _ := os.ReadFile(p); !bytes.Equal(got, b) {
			t.Errorf("%s changed on restart", filepath.Base(p))
		}
	}
	r.stop()

	// A new name: the certificate alone is re-issued.
	cfg.NATSTLSNames = []string{"server.clinic.lan"}
	r = start(t, cfg)
	for _, p := range []string{f.CA, f.CAKey, f.Key} {
		if got, _ := os.ReadFile(p); !bytes.Equal(got, files[p]) {
			t.Errorf("%s changed when a name was added", filepath.Base(p))
		}
	}
	if got, _ := os.ReadFile(f.Cert); bytes.Equal(got, files[f.Cert]) {
		t.Error("the certificate was not re-issued for the new name")
	}
	stopWorker = remoteWorker(t, r, f.CA)
	_, job = r.subjectWithUpload(t, "S-2")
	r.waitJob(t, job, "done", 20*time.Second)
	stopWorker()
}

// TestNATSOwnCertificate: the operator's certificate and key are served
// as given and nothing is made in the data folder.
func TestNATSOwnCertificate(t *testing.T) {
	own := t.TempDir()
	if _, err := natstls.Ensure(own, []string{"127.0.0.1"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	o := natstls.In(own)
	dir := t.TempDir()
	r := start(t, Config{DataDir: dir, Workers: 0, NATSListen: "127.0.0.1:0", NATSTLSCert: o.Cert, NATSTLSKey: o.Key})
	for _, name := range []string{natstls.CAFile, natstls.CAKeyFile, natstls.CertFile, natstls.KeyFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s made beside the operator's certificate", name)
		}
	}
	stopWorker := remoteWorker(t, r, o.CA)
	_, job := r.subjectWithUpload(t, "S-1")
	r.waitJob(t, job, "done", 20*time.Second)
	stopWorker()
}

// TestNATSWithoutListen: one machine, no NATS port: no certificate made.
func TestNATSWithoutListen(t *testing.T) {
	dir := t.TempDir()
	r := start(t, Config{DataDir: dir, Workers: 1, Analyzer: &fakeAnalyzer{}})
	_, job := r.subjectWithUpload(t, "S-1")
	r.waitJob(t, job, "done", 20*time.Second)
	m, _ := filepath.Glob(filepath.Join(dir, "nats-*.pem"))
	if len(m) > 0 || r.addrs.NATS != "" {
		t.Errorf("without --nats-listen: files %v, NATS %q", m, r.addrs.NATS)
	}
}

func TestNATSTLSConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"cert without key", Config{NATSListen: ":4222", NATSTLSCert: "c.pem"}, "together"},
		{"key without cert", Config{NATSListen: ":4222", NATSTLSKey: "k.pem"}, "together"},
		{"cert without listen", Config{NATSTLSCert: "c.pem", NATSTLSKey: "k.pem"}, "need --nats-listen"},
		{"name with own cert", Config{NATSListen: ":4222", NATSTLSCert: "c.pem", NATSTLSKey: "k.pem", NATSTLSNames: []string{"a"}}, "own certificate"},
		{"bad name", Config{NATSListen: ":4222", NATSTLSNames: []string{"tls://a:1"}}, "--nats-tls-name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.CheckNATSTLS(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}

// tlsNATS starts an embedded NATS on loopback, its store in cfg.DataDir,
// serving the certificate natsTLS(cfg) makes or loads and taking token;
// it is shut down when the test ends.
func tlsNATS(t *testing.T, cfg Config, token string) (*natstls.Served, *queue.Embedded) {
	t.Helper()
	served, err := natsTLS(cfg)
	if err != nil {
		t.Fatal(err)
	}
	emb, err := queue.StartEmbedded(queue.EmbeddedOptions{StoreDir: filepath.Join(cfg.DataDir, "nats"), Listen: "127.0.0.1:0", Token: token, TLS: served.Config()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	return served, emb
}

// TestServeExistingNATSWithCA: serve --nats against a NATS whose
// certificate a private CA signs connects with --nats-ca-file and runs a
// job; without it, Run fails at once in one line that wraps
// queue.ErrTLSUntrusted and names the flag.
func TestServeExistingNATSWithCA(t *testing.T) {
	ext := t.TempDir()
	_, emb := tlsNATS(t, Config{DataDir: ext, NATSListen: "127.0.0.1:0", Out: io.Discard}, "cluster-token")
	cfg := Config{DataDir: t.TempDir(), Workers: 1, Analyzer: &fakeAnalyzer{}, NATSURL: emb.ClientURL(), NATSToken: "cluster-token"}

	t.Run("without the CA", func(t *testing.T) {
		c := cfg
		c.Addr, c.Prober, c.Out, c.Log = "127.0.0.1:0", fakeProber{}, io.Discard, io.Discard
		c.AdminPassword = func() (string, error) { return adminPassword, nil }
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		err := Run(ctx, c)
		if !errors.Is(err, queue.ErrTLSUntrusted) || !strings.Contains(err.Error(), "--nats-ca-file") || strings.Contains(err.Error(), "\n") {
			t.Errorf("Run without the CA: %v, want one line wrapping ErrTLSUntrusted and naming --nats-ca-file", err)
		}
	})
	t.Run("with the CA", func(t *testing.T) {
		c := cfg
		c.NATSCAFile = natstls.In(ext).CA
		r := start(t, c)
		_, job := r.subjectWithUpload(t, "S-1")
		r.waitJob(t, job, "done", 20*time.Second)
	})
}

// TestNATSCertificateRenewsWhileRunning: a server that runs into the last
// two months of its self-made certificate renews it from the same CA and
// serves the new one from the next connection on, without a restart;
// before that, nothing changes. The operator's own certificate is taken
// up once its files change, and a broken pair leaves the one served.
func TestNATSCertificateRenewsWhileRunning(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	cfg := Config{DataDir: dir, NATSListen: "127.0.0.1:0", Out: &out, Log: &out}
	served, emb := tlsNATS(t, cfg, "t")
	// peer is the certificate the NATS port presents to a new client.
	peer := func() *x509.Certificate {
		t.Helper()
		u, err := url.Parse(emb.ClientURL())
		if err != nil {
			t.Fatal(err)
		}
		raw, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		raw.SetDeadline(time.Now().Add(10 * time.Second))
		// NATS sends INFO in plaintext, then the client starts TLS.
		if _, err := bufio.NewReader(raw).ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		c := tls.Client(raw, &tls.Config{InsecureSkipVerify: true}) // only the certificate is read
		if err := c.Handshake(); err != nil {
			t.Fatal(err)
		}
		return c.ConnectionState().PeerCertificates[0]
	}
	first := peer()
	renewNATSCert(cfg, served, time.Now().Add(24*time.Hour))
	if got := peer(); !got.Equal(first) {
		t.Fatal("the certificate changed a day on, with nearly two years left")
	}
	late := first.NotAfter.Add(-30 * 24 * time.Hour)
	renewNATSCert(cfg, served, late)
	second := peer()
	if second.Equal(first) || !second.NotAfter.After(first.NotAfter) {
		t.Fatalf("a month before the end: serving %v (until %s), want a renewed certificate", second.SerialNumber, second.NotAfter)
	}
	ca, err := os.ReadFile(natstls.In(dir).CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	if _, err := second.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: late, DNSName: "127.0.0.1"}); err != nil {
		t.Errorf("the renewed certificate does not verify against the same CA: %v", err)
	}
	if !strings.Contains(out.String(), "serving the renewed NATS certificate") {
		t.Errorf("no line says the certificate was renewed:\n%s", out.String())
	}

	// The operator's pair: a broken replacement is refused, a good one
	// taken up.
	own := natstls.In(t.TempDir())
	if _, err := natstls.Ensure(filepath.Dir(own.CA), []string{"127.0.0.1"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	cert, key := filepath.Join(t.TempDir(), "cert.pem"), filepath.Join(t.TempDir(), "key.pem")
	copyTo := func(dst, src string) {
		t.Helper()
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	copyTo(cert, own.Cert)
	copyTo(key, own.Key)
	ocfg := Config{NATSTLSCert: cert, NATSTLSKey: key, Out: &out, Log: &out}
	os2, err := natsTLS(ocfg)
	if err != nil {
		t.Fatal(err)
	}
	before := os2.Certificate()
	copyTo(cert, natstls.In(dir).Cert) // another key's certificate: no pair
	renewNATSCert(ocfg, os2, time.Now())
	if os2.Certificate() != before || !strings.Contains(out.String(), "not reloaded") {
		t.Errorf("a certificate that does not match its key was taken up, or not reported:\n%s", out.String())
	}
	copyTo(key, natstls.In(dir).Key)
	renewNATSCert(ocfg, os2, time.Now())
	if os2.Certificate() == before {
		t.Error("the operator's renewed pair was not taken up")
	}
}
