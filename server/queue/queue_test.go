package queue

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/server/natstls"
)

// start runs an embedded server and a connection set up with cfg. With
// listen, the port takes TLS with a certificate from a CA made in a
// temporary folder, whose CA file startTLS returns.
func start(t *testing.T, cfg Config, listen string) (*Embedded, *Conn) {
	t.Helper()
	e, c, _ := startTLS(t, cfg, listen)
	return e, c
}

func startTLS(t *testing.T, cfg Config, listen string) (*Embedded, *Conn, string) {
	t.Helper()
	var tlsConfig *tls.Config
	var caFile string
	if listen != "" {
		tlsConfig, caFile = testCert(t)
	}
	e, err := StartEmbedded(EmbeddedOptions{StoreDir: t.TempDir(), Listen: listen, Token: "secret-token", TLS: tlsConfig})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Shutdown)
	ctx := context.Background()
	c, err := Connect(ctx, ConnectOptions{Embedded: e, Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Setup(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	return e, c, caFile
}

// testCert makes a CA and a loopback server certificate the way serve
// does and returns the server's TLS configuration and the CA file.
func testCert(t *testing.T, names ...string) (*tls.Config, string) {
	t.Helper()
	dir := t.TempDir()
	if len(names) == 0 {
		names = []string{"localhost", "127.0.0.1"}
	}
	if _, err := natstls.Ensure(dir, names, time.Now()); err != nil {
		t.Fatal(err)
	}
	f := natstls.In(dir)
	s, err := natstls.Serve(f.Cert, f.Key)
	if err != nil {
		t.Fatal(err)
	}
	return s.Config(), f.CA
}

func TestJobLifecycle(t *testing.T) {
	_, c := start(t, Config{AckWait: time.Second, MaxDeliver: 2}, "")
	ctx := context.Background()
	job := Job{ID: 7, Recording: 3, Video: "videos/x", Movement: "squat", Enqueued: 1}
	for range 2 { // the second publish is a duplicate
		if err := c.PublishJob(ctx, job); err != nil {
			t.Fatal(err)
		}
	}
	if q, err := c.JobQueued(ctx, 7); err != nil || !q {
		t.Fatalf("JobQueued after publish: %v, %v", q, err)
	}
	jobs, err := c.Jobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d, err := jobs.Next(ctx, 2*time.Second)
	if err != nil || d == nil {
		t.Fatalf("Next: %v, %v", d, err)
	}
	if d.Job != job || d.Attempt != 1 || d.Last {
		t.Errorf("delivery %+v attempt %d last %v", d.Job, d.Attempt, d.Last)
	}
	// In-progress signals keep the job ours well past AckWait.
	for range 4 {
		time.Sleep(400 * time.Millisecond)
		if err := d.InProgress(); err != nil {
			t.Fatal(err)
		}
	}
	if again, _ := jobs.Next(ctx, 300*time.Millisecond); again != nil {
		t.Fatalf("job redelivered while in progress (attempt %d)", again.Attempt)
	}
	if err := d.Done(ctx); err != nil {
		t.Fatal(err)
	}
	if q, _ := c.JobQueued(ctx, 7); q {
		t.Error("job still in the stream after Done")
	}
	if again, _ := jobs.Next(ctx, 1500*time.Millisecond); again != nil {
		t.Errorf("duplicate publish or acked job delivered again: %+v", again.Job)
	}
}

// TestRedeliveryAndDeadLetter: a job whose worker goes silent comes back
// after AckWait; after MaxDeliver silent deliveries it becomes a dead
// letter and leaves the jobs stream.
func TestRedeliveryAndDeadLetter(t *testing.T) {
	_, c := start(t, Config{AckWait: 500 * time.Millisecond, MaxDeliver: 2}, "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.PublishJob(ctx, Job{ID: 9, Enqueued: 1}); err != nil {
		t.Fatal(err)
	}
	jobs, _ := c.Jobs(ctx)
	for attempt := 1; attempt <= 2; attempt++ {
		d, err := jobs.Next(ctx, 3*time.Second)
		if err != nil || d == nil {
			t.Fatalf("delivery %d: %v, %v", attempt, d, err)
		}
		if d.Attempt != attempt || d.Last != (attempt == 2) {
			t.Errorf("delivery %d: attempt %d last %v", attempt, d.Attempt, d.Last)
		}
		// Silence: no ack, no in-progress (a killed worker).
	}
	// The server notices the exhausted message when a worker asks for
	// more (workers always do); it delivers nothing.
	if d, _ := jobs.Next(ctx, 1500*time.Millisecond); d != nil {
		t.Errorf("delivery %d beyond MaxDeliver", d.Attempt)
	}
	dead := make(chan Event, 1)
	go c.ConsumeDeadLetters(ctx, func(_ context.Context, ev Event) error { dead <- ev; return nil })
	select {
	case ev := <-dead:
		if ev.Job != 9 || ev.Kind != EventDead || ev.Attempt != 2 || !strings.Contains(ev.Error, "2 deliveries") {
			t.Errorf("dead letter %+v", ev)
		}
	case <-ctx.Done():
		t.Fatal("no dead letter")
	}
	if q, _ := c.JobQueued(ctx, 9); q {
		t.Error("dead job still in the jobs stream")
	}
}

func TestEventsInOrder(t *testing.T) {
	_, c := start(t, Config{}, "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	kinds := []EventKind{EventRunning, EventProgress, EventProgress, EventDone}
	for _, k := range kinds {
		if err := c.PublishEvent(ctx, Event{Job: 4, Kind: k, Worker: "w"}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var got []Event
	failedOnce := false
	done := make(chan struct{})
	go c.ConsumeEvents(ctx, func(_ context.Context, ev Event) error {
		mu.Lock()
		defer mu.Unlock()
		if ev.Kind == EventDone && !failedOnce {
			failedOnce = true
			return errors.New("database busy") // redelivered
		}
		got = append(got, ev)
		if ev.Kind == EventDone {
			close(done)
		}
		return nil
	})
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("events not all consumed")
	}
	mu.Lock()
	defer mu.Unlock()
	for i, ev := range got {
		if ev.Kind != kinds[i] || (i > 0 && ev.Seq <= got[i-1].Seq) {
			t.Errorf("event %d: %s seq %d (previous seq %d), want %s in increasing order", i, ev.Kind, ev.Seq, got[max(i-1, 0)].Seq, kinds[i])
		}
	}
	// The last event is acknowledged after the handler returns, so the
	// stream may still count it for a moment.
	var n uint64
	var err error
	for {
		if n, err = c.Pending(ctx); err != nil || n == 0 || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || n != 0 {
		t.Errorf("pending after consuming: %d, %v", n, err)
	}
}

func TestBlobs(t *testing.T) {
	_, c := start(t, Config{}, "")
	ctx := context.Background()
	name := NewVideoName()
	if !strings.HasPrefix(name, "videos/") || len(name) != len("videos/")+32 || name == NewVideoName() {
		t.Errorf("video name %q", name)
	}
	video := bytes.Repeat([]byte("0123456789"), 50_000) // several chunks
	if n, err := c.PutVideo(ctx, name, bytes.NewReader(video)); err != nil || n != int64(len(video)) {
		t.Fatalf("PutVideo: %d, %v", n, err)
	}
	local := filepath.Join(t.TempDir(), "v.mp4")
	if err := c.GetVideoFile(ctx, name, local); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(local); !bytes.Equal(b, video) {
		t.Error("video changed in the store")
	}
	if err := c.PutResult(ctx, 5, "../../etc/passwd", strings.NewReader("x")); err == nil {
		t.Error("a name outside the result files was stored")
	}
	if _, err := c.GetManifest(ctx, 5); !errors.Is(err, ErrBlobNotFound) {
		t.Errorf("manifest of an unfinished job: %v", err)
	}
	if err := c.PutResult(ctx, 5, "report.json", strings.NewReader(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := c.PutManifest(ctx, Manifest{Job: 5, Files: []string{"report.json"}, Worker: "w", Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	m, err := c.GetManifest(ctx, 5)
	if err != nil || m.Files[0] != "report.json" {
		t.Fatalf("manifest %+v, %v", m, err)
	}
	r, err := c.GetResult(ctx, 5, "report.json")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != `{"a":1}` || r.Size != 7 {
		t.Errorf("result %q size %d", b, r.Size)
	}
	if err := c.DeleteResults(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetResult(ctx, 5, "report.json"); !errors.Is(err, ErrBlobNotFound) {
		t.Errorf("result after delete: %v", err)
	}
	if err := c.DeleteVideo(ctx, name); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.VideoExists(ctx, name); ok {
		t.Error("video exists after delete")
	}
	if err := c.DeleteVideo(ctx, name); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
}

// TestRemoteWorkerAuth: a listening embedded server takes a worker with the
// token and refuses one without; the worker finds the streams the server
// set up.
func TestRemoteWorkerAuth(t *testing.T) {
	e, _, ca := startTLS(t, Config{AckWait: 7 * time.Second, MaxDeliver: 4}, "127.0.0.1:0")
	url := e.ClientURL()
	if !strings.HasPrefix(url, "tls://127.0.0.1:") || strings.HasSuffix(url, ":0") {
		t.Fatalf("client URL %q", url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := Connect(ctx, ConnectOptions{URL: url, Token: "wrong", CAFile: ca}); err == nil {
		t.Error("connected with a wrong token")
	}
	w, err := Connect(ctx, ConnectOptions{URL: url, Token: "secret-token", CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if cfg := w.Config(); cfg.AckWait != 7*time.Second || cfg.MaxDeliver != 4 {
		t.Errorf("worker sees config %+v", cfg)
	}
	tlsConfig, _ := testCert(t)
	if _, err := StartEmbedded(EmbeddedOptions{StoreDir: t.TempDir(), Listen: "127.0.0.1:0", TLS: tlsConfig}); err == nil {
		t.Error("listening without a token was allowed")
	}
	if _, err := StartEmbedded(EmbeddedOptions{StoreDir: t.TempDir(), Listen: "127.0.0.1:0", Token: "t"}); err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Errorf("listening without TLS: %v", err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"nats://tok@host:4222": "nats://***@host:4222",
		"nats://host:4222":     "nats://host:4222",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
