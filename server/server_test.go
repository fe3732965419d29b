package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/server/natstls"
	"github.com/kneescreen/kneescreen/server/queue"
	"github.com/kneescreen/kneescreen/server/store"
	"github.com/kneescreen/kneescreen/server/web"
	"github.com/kneescreen/kneescreen/server/worker"
)

const adminPassword = "admin-password-1"

type fakeProber struct{}

func (fakeProber) Probe(_ context.Context, path string) (web.VideoInfo, error) {
	b, _ := os.ReadFile(path)
	if !bytes.HasPrefix(b, []byte("VIDEO")) {
		return web.VideoInfo{}, errors.New("not a video file that FFmpeg can decode")
	}
	return web.VideoInfo{Container: "mp4", Width: 64, Height: 48}, nil
}

// fakeAnalyzer writes a small report after delay.
type fakeAnalyzer struct {
	delay time.Duration
	calls atomic.Int32
}

func (a *fakeAnalyzer) Analyze(ctx context.Context, req worker.Request) error {
	a.calls.Add(1)
	req.Progress("pose", 1, 2)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(a.delay):
	}
	os.MkdirAll(req.Dir, 0o755)
	rep := `{"movement":"squat","view":"front","summary":[{"name":"fppa_deg","unit":"deg","side":"left","n":1,"mean":9}]}`
	if err := os.WriteFile(filepath.Join(req.Dir, "report.json"), []byte(rep), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(req.Dir, "report.html"), []byte("<p>report"), 0o644)
}

// running is a server started by start.
type running struct {
	dataDir string
	addrs   Addrs
	stop    func()
	token   string
}

func start(t *testing.T, cfg Config) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan Addrs, 1)
	done := make(chan error, 1)
	cfg.Ready = func(a Addrs) { ready <- a }
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Prober == nil {
		cfg.Prober = fakeProber{}
	}
	cfg.AdminPassword = func() (string, error) { return adminPassword, nil }
	cfg.Log = io.Discard
	go func() { done <- Run(ctx, cfg) }()
	r := running{dataDir: cfg.DataDir}
	select {
	case r.addrs = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("Run: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("server did not start")
	}
	stopped := false
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(r.stop)
	req, _ := http.NewRequest("POST", r.addrs.Web+"/api/tokens", nil)
	req.SetBasicAuth("admin", adminPassword)
	var tok struct{ Token string }
	if code := call(t, req, &tok); code != 201 {
		t.Fatalf("token: %d", code)
	}
	r.token = tok.Token
	return &r
}

func call(t *testing.T, req *http.Request, out any) int {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %q", req.Method, req.URL, res.StatusCode, b)
		}
	}
	return res.StatusCode
}

func (r *running) api(t *testing.T, method, path string, body io.Reader, ct string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, r.addrs.Web+path, body)
	req.Header.Set("Authorization", "Bearer "+r.token)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	return call(t, req, out)
}

// subjectWithUpload creates a subject and uploads one fake video.
func (r *running) subjectWithUpload(t *testing.T, code string) (subject, job int64) {
	t.Helper()
	var sub struct{ ID int64 }
	if c := r.api(t, "POST", "/api/subjects", strings.NewReader(`{"code":"`+code+`","sex":"male"}`), "application/json", &sub); c != 201 {
		t.Fatalf("subject: %d", c)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("video", "clip.mp4")
	io.WriteString(w, "VIDEO data")
	mw.Close()
	var up struct{ Recording, Job int64 }
	if c := r.api(t, "POST", fmt.Sprintf("/api/subjects/%d/recordings", sub.ID), &buf, mw.FormDataContentType(), &up); c != 202 {
		t.Fatalf("upload: %d", c)
	}
	return sub.ID, up.Job
}

// waitJob polls a job until it reaches state (or fails the test).
func (r *running) waitJob(t *testing.T, job int64, state string, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var j map[string]any
	for time.Now().Before(deadline) {
		r.api(t, "GET", fmt.Sprintf("/api/jobs/%d", job), nil, "", &j)
		if j["state"] == state {
			return j
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("job %d is %v after %s, want %s", job, j, timeout, state)
	return nil
}

func TestRunAnalysesUploads(t *testing.T) {
	a := &fakeAnalyzer{delay: 200 * time.Millisecond}
	r := start(t, Config{DataDir: t.TempDir(), Workers: 1, Analyzer: a})
	sub, job := r.subjectWithUpload(t, "S-1")
	r.waitJob(t, job, "done", 20*time.Second)
	var rec struct {
		Files          []string
		ReportMovement string `json:"report_movement"`
	}
	r.api(t, "GET", fmt.Sprintf("/api/recordings/%d", job), nil, "", &rec)
	if len(rec.Files) != 2 || rec.ReportMovement != "squat" {
		t.Errorf("recording after done: %+v", rec)
	}
	// The report's summary reached the records (for trend plots).
	st, err := store.Open(context.Background(), DBPath(r.dataDir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	points, err := st.Trends(context.Background(), 1, sub)
	if err != nil || len(points) != 1 || !strings.Contains(points[0].Summary, `"mean":9`) {
		t.Errorf("trend points %+v, %v", points, err)
	}
}

func TestRestartResumesQueuedJobs(t *testing.T) {
	dir := t.TempDir()
	r := start(t, Config{DataDir: dir, Workers: 0})
	_, job := r.subjectWithUpload(t, "S-1")
	r.waitJob(t, job, "queued", time.Second)
	r.stop()
	a := &fakeAnalyzer{delay: 10 * time.Millisecond}
	r2 := start(t, Config{DataDir: dir, Workers: 1, Analyzer: a})
	r2.waitJob(t, job, "done", 20*time.Second)
	if n := a.calls.Load(); n != 1 {
		t.Errorf("analysed %d times", n)
	}
}

// TestReconcile: a job recorded but never published (a crash between the
// two) is published when the server starts.
func TestReconcile(t *testing.T) {
	dir := t.TempDir()
	r := start(t, Config{DataDir: dir, Workers: 0})
	_, job := r.subjectWithUpload(t, "S-1")
	r.stop()
	// Make a second job the way a crash after the database write leaves
	// it: recorded, its video stored, nothing in the queue.
	ctx := context.Background()
	st, err := store.Open(ctx, DBPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := st.JobSpec(ctx, job)
	_, job2, err := st.CreateRecording(ctx, 1, store.NewRecording{SessionID: 1, Movement: "auto", Stance: "auto", View: "auto",
		OriginalName: "lost.mp4", VideoObject: spec.VideoObject, VideoBytes: 10, Probe: "{}"})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	a := &fakeAnalyzer{}
	r2 := start(t, Config{DataDir: dir, Workers: 1, Analyzer: a})
	r2.waitJob(t, job, "done", 20*time.Second)
	r2.waitJob(t, job2, "done", 20*time.Second)
}

// TestDeadLetter: a job whose deliveries all go to workers that vanish is
// shown as a dead letter, and a retry runs it again.
func TestDeadLetter(t *testing.T) {
	dir := t.TempDir()
	r := start(t, Config{DataDir: dir, Workers: 0, Queue: queue.Config{AckWait: time.Second, MaxDeliver: 2}, NATSListen: "127.0.0.1:0"})
	_, job := r.subjectWithUpload(t, "S-1")
	// A zombie worker: takes the job, never answers.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, _ := os.ReadFile(TokenFile(dir))
	conn, err := queue.Connect(ctx, queue.ConnectOptions{URL: r.addrs.NATS, Token: strings.TrimSpace(string(tok)), CAFile: natstls.In(dir).CA})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Open(ctx)
	jobs, _ := conn.Jobs(ctx)
	for i := 0; i < 3; i++ {
		jobs.Next(ctx, 2*time.Second)
	}
	j := r.waitJob(t, job, "failed", 20*time.Second)
	if j["dead_letter"] != true || !strings.Contains(fmt.Sprint(j["error"]), "2 deliveries") {
		t.Errorf("dead job %v", j)
	}
}

func TestBootstrap(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Prober: fakeProber{}, Log: io.Discard,
		AdminPassword: func() (string, error) { return "short", nil }}
	if err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "at least 10") {
		t.Errorf("short admin password: %v", err)
	}
	cfg.AdminPassword = nil
	if err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "KNEESCREEN_SERVE_ADMIN_PASSWORD") {
		t.Errorf("no admin password: %v", err)
	}
	for _, bad := range []Config{
		{DataDir: "x", Addr: "nonsense", Prober: fakeProber{}},
		{DataDir: "x", Addr: ":0", Workers: 1, Prober: fakeProber{}},
		{DataDir: "x", Addr: ":0", NATSURL: "nats://x", NATSListen: ":4222", Prober: fakeProber{}},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) passed", bad)
		}
	}
}

// TestDialable: the start-up line names a host a client can dial: a
// wildcard listen address becomes this machine's name, anything else
// stays as it is.
func TestDialable(t *testing.T) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		t.Skip("no host name")
	}
	for _, tc := range []struct{ in, want string }{
		{"tls://0.0.0.0:4222", "tls://" + net.JoinHostPort(host, "4222")},
		{"http://[::]:8080", "http://" + net.JoinHostPort(host, "8080")},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"tls://server.clinic.lan:4222", "tls://server.clinic.lan:4222"},
		{"tls://[::1]:4222", "tls://[::1]:4222"},
		{"", ""},
	} {
		if got := dialable(tc.in); got != tc.want {
			t.Errorf("dialable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
