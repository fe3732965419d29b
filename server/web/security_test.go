package web

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kneescreen/kneescreen/server/store"
)

// TestOpenAPIMatchesRoutes keeps openapi.yaml in step with the route
// table: every API route is documented with its method, and every
// documented operation is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openapiYAML, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi version %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	served := map[string]bool{}
	s := &Server{}
	for _, rt := range s.routes() {
		if strings.HasPrefix(rt.path, apiPrefix) {
			served[rt.method+" "+rt.path] = true
		}
	}
	for k := range served {
		if !documented[k] {
			t.Errorf("%s is served but not in openapi.yaml", k)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("%s is in openapi.yaml but not served", k)
		}
	}
	// Every referenced component exists.
	text := string(openapiYAML)
	for _, ref := range strings.Split(text, `$ref: "#/components/`)[1:] {
		name := ref[:strings.IndexByte(ref, '"')]
		parts := strings.Split(name, "/")
		if !strings.Contains(text, "\n  "+parts[0]+":") || !strings.Contains(text, "\n    "+parts[1]+":") {
			t.Errorf("$ref %s is not defined", name)
		}
	}
}

// TestCSRF: state-changing requests from another origin are refused
// before they reach a handler; same-origin ones pass.
func TestCSRF(t *testing.T) {
	f := newFixture(t, nil)
	b := f.browser()
	b.login("ann", password)
	form := url.Values{"code": {"X-1"}, "sex": {"male"}}
	for _, c := range []struct {
		name    string
		headers []string
		want    int
	}{
		{"cross-site fetch metadata", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, http.StatusForbidden},
		{"same-site but another origin", []string{"Sec-Fetch-Site", "same-site", "Origin", "https://other." + "example"}, http.StatusForbidden},
		{"old browser, foreign Origin only", []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}, http.StatusForbidden},
		{"same origin", nil, http.StatusSeeOther},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := b.post("/subjects", form, c.headers...)
			if res.StatusCode != c.want {
				t.Errorf("POST /subjects: %d, want %d", res.StatusCode, c.want)
			}
		})
	}
	subs, _ := f.st.Subjects(context.Background(), 1, "", 0)
	if len(subs) != 1 {
		t.Errorf("%d subjects created, want 1 (the same-origin request only)", len(subs))
	}
	if res := b.post("/logout", nil, "Sec-Fetch-Site", "cross-site"); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site logout: %d", res.StatusCode)
	}
}

func TestLoginAndCookie(t *testing.T) {
	f := newFixture(t, nil)
	b := f.browser()
	if res, _ := b.get("/subjects?q=x"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fsubjects%3Fq%3Dx" {
		t.Errorf("unauthenticated page: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res := b.post("/login", url.Values{"username": {"ann"}, "password": {password}, "next": {"//evil.example/x"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/subjects" {
		t.Errorf("login: %d to %q (a foreign next must not be followed)", res.StatusCode, res.Header.Get("Location"))
	}
	var c *http.Cookie
	for _, k := range res.Cookies() {
		if k.Name == cookieName {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || len(c.Value) < 40 {
		t.Fatalf("session cookie %+v", c)
	}
	page, body := b.get("/subjects")
	if page.StatusCode != 200 || !strings.Contains(body, "ann · north") {
		t.Errorf("after login: %d", page.StatusCode)
	}
	for h, want := range map[string]string{"Content-Security-Policy": appCSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "SAMEORIGIN"} {
		if got := page.Header.Get(h); got != want {
			t.Errorf("%s: %q", h, got)
		}
	}
	b.post("/logout", nil)
	if res, _ := b.get("/subjects"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout: %d", res.StatusCode)
	}
	// The old cookie is dead on the server, not only in this browser.
	req, _ := http.NewRequest("GET", f.ts.URL+"/subjects", nil)
	req.AddCookie(c)
	res2, _ := b.c.Do(req)
	res2.Body.Close()
	if res2.StatusCode != http.StatusSeeOther {
		t.Errorf("replayed cookie after logout: %d", res2.StatusCode)
	}
	for in, want := range map[string]string{"": "/subjects", "/subjects/3": "/subjects/3", "//evil": "/subjects", `/\evil`: "/subjects", "https://evil": "/subjects"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q", in, got)
		}
	}
}

func TestLoginRateLimit(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.LoginsPerMinute = 5 })
	b := f.browser()
	for i := range 5 {
		if res := b.login("ann", "wrong"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, res.StatusCode)
		}
	}
	res := b.login("ann", password) // right, but too many tries
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("6th attempt: %d Retry-After %q, want 429", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// The API's token endpoint shares the limit.
	req, _ := http.NewRequest("POST", f.ts.URL+"/api/tokens", nil)
	req.SetBasicAuth("ann", password)
	if code := f.do(req, nil); code != http.StatusTooManyRequests {
		t.Errorf("token after the limit: %d, want 429", code)
	}
	// The limited address is limited for every user name; another user
	// from another address is not.
	for _, c := range []struct {
		addr string
		want int
	}{{"127.0.0.1:4000", http.StatusTooManyRequests}, {"10.0.0.2:4000", http.StatusSeeOther}} {
		req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"username": {"bob"}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = c.addr
		rec := httptest.NewRecorder()
		f.srv.Handler().ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("bob from %s: %d, want %d", c.addr, rec.Code, c.want)
		}
	}
}

// TestEvents: the live stream sends the listed jobs' states first, then
// updates of the user's clinic only.
func TestEvents(t *testing.T) {
	f := newFixture(t, nil)
	ann, bob := f.token("ann"), f.token("bob")
	var sa, sb struct{ ID int64 }
	f.api(ann, "POST", "/api/subjects", map[string]any{"code": "A", "sex": "male"}, &sa)
	f.api(bob, "POST", "/api/subjects", map[string]any{"code": "B", "sex": "male"}, &sb)
	var ua, ub struct{ Recording, Job int64 }
	f.upload(ann, sa.ID, &ua, part{"video", "a.mp4", fakeVideo})
	f.upload(bob, sb.ID, &ub, part{"video", "b.mp4", fakeVideo})

	b := f.browser()
	b.login("ann", password)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/events?jobs=%d,%d,junk", f.ts.URL, ua.Job, ub.Job), nil)
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("content type %q", res.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(res.Body)
	next := func() string {
		for lines.Scan() {
			if l := lines.Text(); strings.HasPrefix(l, "data: ") {
				return l[6:]
			}
		}
		return ""
	}
	first := next()
	if !strings.Contains(first, fmt.Sprintf(`"job":%d,`, ua.Job)) || !strings.Contains(first, `"state":"queued"`) {
		t.Errorf("first event %s", first)
	}
	for f.srv.hub.Subscribers() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	// Bob's job changes: nothing for ann. Then ann's.
	for _, j := range []int64{ub.Job, ua.Job} {
		job, _, err := f.st.ApplyEvent(context.Background(), store.Event{Job: j, Kind: store.EventRunning, Seq: 1, Attempt: 1, Worker: "w"})
		if err != nil {
			t.Fatal(err)
		}
		f.srv.hub.Publish(job)
	}
	second := next()
	if !strings.Contains(second, fmt.Sprintf(`"job":%d,`, ua.Job)) || !strings.Contains(second, `"state":"running"`) {
		t.Errorf("second event %s (bob's job must not appear)", second)
	}
	cancel()
}

func TestPages(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.token("ann")
	var sub struct{ ID int64 }
	f.api(tok, "POST", "/api/subjects", map[string]any{"code": "S-<b>1</b>", "sex": "female", "notes": "knee pain"}, &sub)
	var up struct{ Recording, Job int64 }
	for i, date := range []string{"2025-01-10", "2025-02-10"} {
		f.upload(tok, sub.ID, &up, part{"video", fmt.Sprintf("v%d.mp4", i), fakeVideo}, part{"date", "", date})
		f.finish(up.Job, fmt.Sprintf(`[{"name":"fppa_deg","unit":"deg","side":"left","n":1,"mean":%d},{"name":"fppa_deg","unit":"deg","side":"right","n":1,"mean":2}]`, 10+i))
	}
	b := f.browser()
	b.login("ann", password)
	for _, c := range []struct {
		path string
		want []string
	}{
		{"/subjects?q=knee", []string{"S-&lt;b&gt;1&lt;/b&gt;", "female"}},
		{fmt.Sprintf("/subjects/%d", sub.ID), []string{"Session 2025-02-10", "Session 2025-01-10", "trend.svg?metric=fppa_deg&amp;movement=squat", `data-job="`, "Download zip"}},
		{fmt.Sprintf("/recordings/%d", up.Recording), []string{"v1.mp4", `<iframe id="report" title="Screening report" sandbox src="/recordings/`, "annotated.mp4"}},
		{"/trash", []string{"The trash is empty"}},
	} {
		res, body := b.get(c.path)
		if res.StatusCode != 200 {
			t.Errorf("GET %s: %d", c.path, res.StatusCode)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q", c.path, w)
			}
		}
		if strings.Contains(body, "<b>1</b>") {
			t.Errorf("GET %s shows a subject code unescaped", c.path)
		}
	}
	res, svg := b.get(fmt.Sprintf("/subjects/%d/trend.svg?movement=squat&metric=fppa_deg", sub.ID))
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(svg, "<svg") || !strings.Contains(svg, "2025-01-10") {
		t.Errorf("trend: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res, _ := b.get(fmt.Sprintf("/subjects/%d/trend.svg?movement=squat&metric=nothing", sub.ID)); res.StatusCode != 404 {
		t.Errorf("trend of an absent metric: %d", res.StatusCode)
	}
	res, _ = b.get(fmt.Sprintf("/recordings/%d/files/report.html", up.Recording))
	if res.StatusCode != 200 || res.Header.Get("Content-Security-Policy") != reportCSP {
		t.Errorf("report.html: %d CSP %q", res.StatusCode, res.Header.Get("Content-Security-Policy"))
	}
	// A refused upload in the web app says why.
	body, ct := multipartBody(part{"movement", "", "auto"}, part{"video", "notes.txt", "text"})
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/subjects/%d/recordings", f.ts.URL, sub.ID), body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "notes.txt: not a video file that FFmpeg can decode") {
		t.Errorf("refused upload page: %d", res.StatusCode)
	}
	var names []string
	for _, rt := range f.srv.routes() {
		names = append(names, rt.method+" "+rt.path)
	}
	if slices.Contains(names, "GET /api/tokens") {
		t.Error("tokens must only be made by POST")
	}
}
