package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/internal/sample"
)

// Built once for the package by TestMain.
var (
	bin string
	// clipShort is a 1 s, 10 frames/s, 320x240 squat start (no full rep):
	// cheap jobs for load tests. clipRep is 2 s at 15 frames/s with one
	// full rep: a report with findings. clipLong is 4 s at 15 frames/s,
	// long enough to be caught mid-analysis.
	clipShort, clipRep, clipLong string
	// frames counts each clip's frames.
	frames = map[string]int{}
)

const adminPassword = "e2e-admin-password"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kneescreen-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		if err := setup(dir); err != nil {
			fmt.Fprintln(os.Stderr, "e2e setup:", err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

func setup(dir string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go command is needed to build kneescreen: %w", err)
	}
	bin = filepath.Join(dir, "kneescreen")
	build := exec.Command(goBin, "build", "-o", bin, "github.com/kneescreen/kneescreen/cmd/kneescreen")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	cfg := sample.DefaultConfig()
	cfg.Reps, cfg.Width, cfg.Height = 1, 320, 240
	for _, c := range []struct {
		path                 *string
		name                 string
		fps                  float64
		lead, down, up, tail float64
	}{
		{&clipShort, "short", 10, 0.3, 0.5, 0.1, 0.1},
		{&clipRep, "rep", 15, 0.3, 0.6, 0.6, 0.3},
		{&clipLong, "long", 15, 1.0, 1.0, 1.0, 0.8},
	} {
		cc := cfg
		cc.FPS = c.fps
		cc.LeadS, cc.DescentS, cc.BottomS, cc.AscentS, cc.TailS = c.lead, c.down, 0.1, c.up, c.tail
		clip, err := sample.New(cc)
		if err != nil {
			return err
		}
		*c.path = filepath.Join(dir, c.name+".mp4")
		frames[*c.path] = clip.Len()
		if err := clip.WriteVideo(context.Background(), *c.path); err != nil {
			return err
		}
	}
	return nil
}

// proc is a kneescreen process started by a test.
type proc struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	// lines receives every output line.
	lines chan string
	done  chan struct{}
	err   error
}

// startProc runs bin with args; its output is kept and shown if the test
// fails. It is killed when the test ends.
func startProc(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, lines: make(chan string, 4096), done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	r, w := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = w, w
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l := sc.Text()
			p.mu.Lock()
			p.out.WriteString(l + "\n")
			p.mu.Unlock()
			select {
			case p.lines <- l:
			default:
			}
		}
	}()
	go func() {
		p.err = p.cmd.Wait()
		w.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s output:\n%s", p.name, p.output())
		}
	})
	return p
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// waitLine waits for an output line matching re and returns its groups.
func (p *proc) waitLine(re *regexp.Regexp, timeout time.Duration) []string {
	p.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l := <-p.lines:
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		case <-p.done:
			p.t.Fatalf("%s exited (%v) before printing %s", p.name, p.err, re)
		case <-deadline:
			p.t.Fatalf("%s printed no %s in %s", p.name, re, timeout)
		}
	}
}

// kill9 kills the process with SIGKILL, as a crash or the OOM killer would.
func (p *proc) kill9() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

func (p *proc) kill() {
	select {
	case <-p.done:
	default:
		p.kill9()
	}
}

// stop asks the process to stop (SIGINT, as Ctrl-C) and waits; it must
// exit within the time.
func (p *proc) stop(within time.Duration) {
	p.t.Helper()
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(within):
		p.t.Errorf("%s did not stop within %s of SIGINT", p.name, within)
		p.kill9()
	}
}

// rss reads the process's current and peak resident memory in MiB.
func (p *proc) rss() (cur, peak float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 {
			kb, _ := strconv.ParseFloat(f[1], 64)
			switch f[0] {
			case "VmRSS:":
				cur = kb / 1024
			case "VmHWM:":
				peak = kb / 1024
			}
		}
	}
	return cur, peak
}

var (
	webLine  = regexp.MustCompile(`web app on (http://\S+)`)
	natsLine = regexp.MustCompile(`NATS for workers on (tls://\S+)`)
)

// server is a running `kneescreen serve`.
type server struct {
	*proc
	url, nats, data, token string
}

// startServe runs serve on data with extra flags, waits until it serves and
// gets an API token for admin.
func startServe(t *testing.T, data string, flags ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, flags...)
	p := startProc(t, "serve", []string{"KNEESCREEN_SERVE_ADMIN_PASSWORD=" + adminPassword}, args...)
	s := &server{proc: p, data: data}
	s.url = p.waitLine(webLine, 60*time.Second)[1]
	for _, f := range flags {
		if f == "--nats-listen" {
			s.nats = p.waitLine(natsLine, 10*time.Second)[1]
		}
	}
	req, _ := http.NewRequest("POST", s.url+"/api/tokens", nil)
	req.SetBasicAuth("admin", adminPassword)
	var tok struct{ Token string }
	if code := s.do(req, &tok); code != 201 {
		t.Fatalf("token: %d", code)
	}
	s.token = tok.Token
	return s
}

func (s *server) do(req *http.Request, out any) int {
	s.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: %d %q", req.Method, req.URL, res.StatusCode, b)
		}
	}
	return res.StatusCode
}

func (s *server) api(method, path string, body io.Reader, ct string, out any) int {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.url+path, body)
	req.Header.Set("Authorization", "Bearer "+s.token)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	return s.do(req, out)
}

func (s *server) subject(code string) int64 {
	s.t.Helper()
	var out struct{ ID int64 }
	if c := s.api("POST", "/api/subjects", strings.NewReader(`{"code":"`+code+`","sex":"female"}`), "application/json", &out); c != 201 {
		s.t.Fatalf("subject %s: %d", code, c)
	}
	return out.ID
}

// upload is one upload's result.
type upload struct {
	Recording, Job int64
	Error          string
	status         int
}

// upload posts a file to a subject (safe from several goroutines: it
// reports failures in its result).
func (s *server) upload(subject int64, path string) upload { return s.uploadOn(subject, path, "") }

// uploadOn posts a file to the subject's session on date ("": today).
func (s *server) uploadOn(subject int64, path, date string) upload {
	f, err := os.Open(path)
	if err != nil {
		return upload{Error: err.Error()}
	}
	defer f.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		w, _ := mw.CreateFormFile("video", filepath.Base(path))
		_, err := io.Copy(w, f)
		if err == nil {
			err = mw.WriteField("movement", "squat")
		}
		if err == nil && date != "" {
			err = mw.WriteField("date", date)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/subjects/%d/recordings", s.url, subject), pr)
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return upload{Error: err.Error()}
	}
	defer res.Body.Close()
	var u upload
	_ = json.NewDecoder(res.Body).Decode(&u)
	u.status = res.StatusCode
	return u
}

// job is the API's view of a job.
type job struct {
	ID, Recording int64
	State, Pass   string
	Progress      float64
	Error         string
	Attempts      int
	Worker        string
	DeadLetter    bool `json:"dead_letter"`
}

func (s *server) job(id int64) job {
	s.t.Helper()
	var j job
	if c := s.api("GET", fmt.Sprintf("/api/jobs/%d", id), nil, "", &j); c != 200 {
		s.t.Fatalf("job %d: %d", id, c)
	}
	return j
}

// waitJobs polls until every job is finished (done or failed) and
// returns them; any not finished in time fails the test.
func (s *server) waitJobs(timeout time.Duration, ids ...int64) map[int64]job {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	out := map[int64]job{}
	for len(out) < len(ids) {
		for _, id := range ids {
			if _, ok := out[id]; ok {
				continue
			}
			if j := s.job(id); j.State == "done" || j.State == "failed" {
				out[id] = j
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%d of %d jobs finished in %s", len(out), len(ids), timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return out
}

// waitRunning polls until the job's analysis is under way on a worker
// (past its first progress report), and returns it.
func (s *server) waitRunning(id int64, timeout time.Duration) job {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if j := s.job(id); j.State == "running" && j.Worker != "" && j.Progress > 0 {
			return j
		} else if j.State == "done" || j.State == "failed" {
			s.t.Fatalf("job %d finished (%s) before it was seen running", id, j.State)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("job %d not running after %s", id, timeout)
	return job{}
}

// recording is the API's view of a recording.
type recording struct {
	ID         int64
	VideoBytes int64 `json:"video_bytes"`
	Files      []string
	Job        job
}

func (s *server) recording(id int64) recording {
	s.t.Helper()
	var r recording
	if c := s.api("GET", fmt.Sprintf("/api/recordings/%d", id), nil, "", &r); c != 200 {
		s.t.Fatalf("recording %d: %d", id, c)
	}
	return r
}

func fileSize(t *testing.T, path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
