package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/server/auth"
	"github.com/kneescreen/kneescreen/server/queue"
	"github.com/kneescreen/kneescreen/server/store"
)

// fakeVideo is what the fake prober accepts as a video.
const fakeVideo = "FAKEVIDEO"

type fakeProber struct{}

func (fakeProber) Probe(_ context.Context, path string) (VideoInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return VideoInfo{}, err
	}
	if !bytes.HasPrefix(b, []byte(fakeVideo)) {
		return VideoInfo{}, errors.New("not a video file that FFmpeg can decode")
	}
	return VideoInfo{Container: "mp4", Width: 320, Height: 240, FPS: 15, Duration: 2}, nil
}

// fixture is a server with two clinics, each with a user.
type fixture struct {
	t   *testing.T
	srv *Server
	ts  *httptest.Server
	st  *store.Store
	q   *queue.Conn
}

const password = "correct horse battery"

func newFixture(t *testing.T, mod func(*Config)) *fixture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, err := store.Open(ctx, t.TempDir()+"/k.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	emb, err := queue.StartEmbedded(queue.EmbeddedOptions{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	q, err := queue.Connect(ctx, queue.ConnectOptions{Embedded: emb})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	if err := q.Setup(ctx, queue.Config{}); err != nil {
		t.Fatal(err)
	}
	fast := auth.Params{Memory: 64, Time: 1, Threads: 1}
	for _, u := range []struct{ clinic, name string }{{"north", "ann"}, {"south", "bob"}} {
		h, _ := auth.Hash(password, fast)
		if _, err := st.CreateUser(ctx, u.clinic, u.name, h, store.RoleClinician); err != nil {
			t.Fatal(err)
		}
	}
	cfg := Config{WorkDir: t.TempDir(), PasswordParams: fast, Log: io.Discard, Version: "test", PurgeAfter: 30 * 24 * time.Hour}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg, st, q, fakeProber{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &fixture{t: t, srv: srv, ts: ts, st: st, q: q}
}

// token gets an API token for a user.
func (f *fixture) token(user string) string {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.ts.URL+"/api/tokens", nil)
	req.SetBasicAuth(user, password)
	var out struct{ Token string }
	if code := f.do(req, &out); code != http.StatusCreated || out.Token == "" {
		f.t.Fatalf("token for %s: %d %+v", user, code, out)
	}
	return out.Token
}

// do runs a request and decodes a JSON answer into out (when not nil).
func (f *fixture) do(req *http.Request, out any) int {
	f.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: %d %q: %v", req.Method, req.URL.Path, res.StatusCode, b, err)
		}
	}
	return res.StatusCode
}

// api runs an API call with a token.
func (f *fixture) api(token, method, path string, body any, out any) int {
	f.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, f.ts.URL+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return f.do(req, out)
}

// part is one multipart field.
type part struct {
	field, filename, content string
}

func multipartBody(parts ...part) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.filename != "" {
			w, _ := mw.CreateFormFile(p.field, p.filename)
			io.WriteString(w, p.content)
		} else {
			mw.WriteField(p.field, p.content)
		}
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// upload posts videos to a subject through the API.
func (f *fixture) upload(token string, subject int64, out any, parts ...part) int {
	f.t.Helper()
	body, ct := multipartBody(parts...)
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/subjects/%d/recordings", f.ts.URL, subject), body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", ct)
	return f.do(req, out)
}

// finish plays a worker: stores result files and applies the done event.
func (f *fixture) finish(job int64, summary string) {
	f.t.Helper()
	ctx := context.Background()
	files := map[string]string{
		"report.json":   `{"movement":"squat","view":"front","summary":` + summary + `}`,
		"report.html":   "<!doctype html><title>report</title><p>report of job " + fmt.Sprint(job),
		"keypoints.csv": "frame,x\n0,1\n",
		"annotated.mp4": strings.Repeat("v", 5000),
	}
	var names []string
	for _, n := range queue.ResultFiles {
		if c, ok := files[n]; ok {
			if err := f.q.PutResult(ctx, job, n, strings.NewReader(c)); err != nil {
				f.t.Fatal(err)
			}
			names = append(names, n)
		}
	}
	f.q.PutManifest(ctx, queue.Manifest{Job: job, Files: names, Worker: "w", Attempt: 1})
	if _, _, err := f.st.ApplyEvent(ctx, store.Event{Job: job, Kind: store.EventDone, Report: &store.Report{Files: names, Movement: "squat", View: "front", Summary: summary}}); err != nil {
		f.t.Fatal(err)
	}
}

// browser is a cookie-carrying client that does not follow redirects.
type browser struct {
	f *fixture
	c *http.Client
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{f: f, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) login(user, pw string) *http.Response {
	b.f.t.Helper()
	return b.post("/login", url.Values{"username": {user}, "password": {pw}})
}

// post sends a same-origin form, as a browser does.
func (b *browser) post(path string, form url.Values, headers ...string) *http.Response {
	b.f.t.Helper()
	req, _ := http.NewRequest("POST", b.f.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.f.ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.f.t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func (b *browser) get(path string) (*http.Response, string) {
	b.f.t.Helper()
	res, err := b.c.Get(b.f.ts.URL + path)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func readAll(res *http.Response) string {
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}
