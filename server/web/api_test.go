package web

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestAPIFlow walks the documented API: token, subject, upload, job,
// report files.
func TestAPIFlow(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.token("ann")

	var created struct{ ID int64 }
	if code := f.api(tok, "POST", "/api/subjects", map[string]any{"code": "S-1", "sex": "female"}, &created); code != 201 || created.ID == 0 {
		t.Fatalf("create subject: %d %+v", code, created)
	}
	if code := f.api(tok, "POST", "/api/subjects", map[string]any{"code": "S-1", "sex": "male"}, nil); code != http.StatusConflict {
		t.Errorf("duplicate code: %d, want 409", code)
	}
	for _, bad := range []map[string]any{{"code": ""}, {"code": "x", "sex": "other"}, {"code": "x", "age": 3}} {
		if code := f.api(tok, "POST", "/api/subjects", bad, nil); code != http.StatusBadRequest {
			t.Errorf("create %v: %d, want 400", bad, code)
		}
	}
	var list struct{ Subjects []subjectJSON }
	if code := f.api(tok, "GET", "/api/subjects", nil, &list); code != 200 || len(list.Subjects) != 1 || list.Subjects[0].Code != "S-1" {
		t.Fatalf("list: %d %+v", code, list)
	}

	var up struct{ Recording, Job int64 }
	// Fields after the file, as some clients send them.
	code := f.upload(tok, created.ID, &up, part{"video", "squat.mp4", fakeVideo + "..."}, part{"movement", "", "squat"}, part{"stance", "", "auto"})
	if code != http.StatusAccepted || up.Recording == 0 || up.Job == 0 {
		t.Fatalf("upload: %d %+v", code, up)
	}
	var job jobJSON
	if code := f.api(tok, "GET", fmt.Sprintf("/api/jobs/%d", up.Job), nil, &job); code != 200 || job.State != "queued" || job.Recording != up.Recording {
		t.Fatalf("job: %d %+v", code, job)
	}
	// The job is in the queue with the upload's options and a generated
	// video name.
	if q, _ := f.q.JobQueued(context.Background(), up.Job); !q {
		t.Error("job not queued")
	}
	spec, _ := f.st.JobSpec(context.Background(), up.Job)
	if msg := JobMessage(spec); msg.Movement != "squat" || msg.Sex != "female" || msg.Name != "squat.mp4" || msg.Ext != "mp4" || !strings.HasPrefix(msg.Video, "videos/") || strings.Contains(msg.Video, "squat") {
		t.Errorf("job message %+v", msg)
	}
	if code := f.api(tok, "GET", fmt.Sprintf("/api/recordings/%d/report.json", up.Recording), nil, nil); code != 404 {
		t.Errorf("report before done: %d, want 404", code)
	}

	f.finish(up.Job, `[{"name":"fppa_deg","unit":"deg","side":"left","n":1,"mean":7.5}]`)
	if code := f.api(tok, "GET", fmt.Sprintf("/api/jobs/%d", up.Job), nil, &job); code != 200 || job.State != "done" || job.Progress != 1 {
		t.Errorf("job after done: %+v", job)
	}
	var rec recordingJSON
	if code := f.api(tok, "GET", fmt.Sprintf("/api/recordings/%d", up.Recording), nil, &rec); code != 200 || rec.OriginalName != "squat.mp4" ||
		!slices.Equal(rec.Files, []string{"report.html", "report.json", "keypoints.csv", "annotated.mp4"}) || rec.Probe.Width != 320 {
		t.Errorf("recording: %d %+v", code, rec)
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/recordings/%d/report.json", f.ts.URL, up.Recording), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || !strings.Contains(string(b), `"movement":"squat"`) {
		t.Errorf("report.json: %d %s %q", res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	// Range requests work (video seeking).
	req, _ = http.NewRequest("GET", fmt.Sprintf("%s/api/recordings/%d/annotated.mp4", f.ts.URL, up.Recording), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Range", "bytes=100-199")
	res, _ = http.DefaultClient.Do(req)
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusPartialContent || len(b) != 100 {
		t.Errorf("range request: %d, %d bytes", res.StatusCode, len(b))
	}
	// Only whitelisted names; no paths.
	for _, name := range []string{"manifest.json", "..%2F..%2Fetc%2Fpasswd", "report.json.bak", "angles.csv"} {
		if code := f.api(tok, "GET", fmt.Sprintf("/api/recordings/%d/%s", up.Recording, name), nil, nil); code != 404 {
			t.Errorf("file %q: %d, want 404", name, code)
		}
	}
	var detail subjectDetailJSON
	if code := f.api(tok, "GET", fmt.Sprintf("/api/subjects/%d", created.ID), nil, &detail); code != 200 || len(detail.SessionList) != 1 ||
		len(detail.SessionList[0].Recordings) != 1 || detail.SessionList[0].Recordings[0].Job.State != "done" {
		t.Errorf("subject detail: %d %+v", code, detail)
	}
	if code := f.api(tok, "DELETE", fmt.Sprintf("/api/recordings/%d", up.Recording), nil, nil); code != 204 {
		t.Errorf("delete: %d", code)
	}
	if code := f.api(tok, "GET", fmt.Sprintf("/api/recordings/%d", up.Recording), nil, nil); code != 404 {
		t.Errorf("deleted recording: %d, want 404", code)
	}
}

func TestAPIAuth(t *testing.T) {
	f := newFixture(t, nil)
	req, _ := http.NewRequest("POST", f.ts.URL+"/api/tokens", nil)
	req.SetBasicAuth("ann", "wrong password")
	if code := f.do(req, nil); code != 401 {
		t.Errorf("wrong password: %d", code)
	}
	req, _ = http.NewRequest("POST", f.ts.URL+"/api/tokens", nil)
	res, _ := http.DefaultClient.Do(req)
	res.Body.Close()
	if res.StatusCode != 401 || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("no credentials: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
	for _, h := range []string{"", "Bearer ", "Bearer nonsense", "Basic YW5uOmNvcnJlY3QgaG9yc2UgYmF0dGVyeQ=="} {
		req, _ := http.NewRequest("GET", f.ts.URL+"/api/subjects", nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		if code := f.do(req, nil); code != 401 {
			t.Errorf("Authorization %q: %d, want 401", h, code)
		}
	}
	// A browser session cookie is not an API token, and an API token is
	// not a browser session.
	b := f.browser()
	b.login("ann", password)
	tok := f.token("ann")
	req, _ = http.NewRequest("GET", f.ts.URL+"/subjects", nil)
	req.AddCookie(&http.Cookie{Name: cookieName, Value: tok})
	res, _ = (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("API token as cookie: %d, want a redirect to the login", res.StatusCode)
	}
	if code := f.api(tok, "GET", "/api/openapi.yaml", nil, nil); code != 200 {
		t.Errorf("openapi.yaml: %d", code)
	}
}

// TestClinicIsolationHTTP: a clinician of another clinic reaches none of
// a clinic's records by any route; their ids answer 404.
func TestClinicIsolationHTTP(t *testing.T) {
	f := newFixture(t, nil)
	ann, bob := f.token("ann"), f.token("bob")
	var sub struct{ ID int64 }
	f.api(ann, "POST", "/api/subjects", map[string]any{"code": "A-1", "sex": "male"}, &sub)
	var up struct{ Recording, Job int64 }
	if code := f.upload(ann, sub.ID, &up, part{"video", "a.mp4", fakeVideo}); code != 202 {
		t.Fatalf("upload: %d", code)
	}
	f.finish(up.Job, `[]`)
	rec, _ := f.st.Recording(context.Background(), 1, up.Recording)

	var list struct{ Subjects []subjectJSON }
	f.api(bob, "GET", "/api/subjects", nil, &list)
	if len(list.Subjects) != 0 {
		t.Errorf("bob lists %+v", list.Subjects)
	}
	for _, c := range []struct{ method, path string }{
		{"GET", fmt.Sprintf("/api/subjects/%d", sub.ID)},
		{"DELETE", fmt.Sprintf("/api/subjects/%d", sub.ID)},
		{"GET", fmt.Sprintf("/api/recordings/%d", up.Recording)},
		{"DELETE", fmt.Sprintf("/api/recordings/%d", up.Recording)},
		{"GET", fmt.Sprintf("/api/recordings/%d/report.json", up.Recording)},
		{"GET", fmt.Sprintf("/api/jobs/%d", up.Job)},
	} {
		if code := f.api(bob, c.method, c.path, nil, nil); code != 404 {
			t.Errorf("bob %s %s: %d, want 404", c.method, c.path, code)
		}
	}
	if code := f.upload(bob, sub.ID, nil, part{"video", "b.mp4", fakeVideo}); code != 404 {
		t.Errorf("bob uploads to ann's subject: %d, want 404", code)
	}
	// And in the web app.
	b := f.browser()
	b.login("bob", password)
	for _, path := range []string{
		fmt.Sprintf("/subjects/%d", sub.ID), fmt.Sprintf("/recordings/%d", up.Recording),
		fmt.Sprintf("/recordings/%d/files/report.html", up.Recording), fmt.Sprintf("/sessions/%d/download", rec.SessionID),
		fmt.Sprintf("/subjects/%d/trend.svg?movement=squat&metric=fppa_deg", sub.ID),
	} {
		if res, _ := b.get(path); res.StatusCode != 404 {
			t.Errorf("bob GET %s: %d, want 404", path, res.StatusCode)
		}
	}
	for _, path := range []string{
		fmt.Sprintf("/subjects/%d/delete", sub.ID), fmt.Sprintf("/recordings/%d/delete", up.Recording),
		fmt.Sprintf("/jobs/%d/retry", up.Job), fmt.Sprintf("/subjects/%d/sessions", sub.ID),
	} {
		if res := b.post(path, map[string][]string{"date": {"2025-01-01"}}); res.StatusCode != 404 {
			t.Errorf("bob POST %s: %d, want 404", path, res.StatusCode)
		}
	}
	_, page := b.get("/subjects")
	if strings.Contains(page, "A-1") {
		t.Error("bob's subject list shows ann's subject")
	}
	// Ann still has everything.
	var job jobJSON
	if code := f.api(ann, "GET", fmt.Sprintf("/api/jobs/%d", up.Job), nil, &job); code != 200 || job.State != "done" {
		t.Errorf("ann's job after bob's attempts: %d %+v", code, job)
	}
}

func TestUploadLimits(t *testing.T) {
	const limit = 64 << 10
	f := newFixture(t, func(c *Config) { c.MaxUploadBytes = limit })
	tok := f.token("ann")
	var sub struct{ ID int64 }
	f.api(tok, "POST", "/api/subjects", map[string]any{"code": "S", "sex": "male"}, &sub)
	big := fakeVideo + strings.Repeat("x", limit)
	t.Run("declared length", func(t *testing.T) {
		var e struct{ Error string }
		if code := f.upload(tok, sub.ID, &e, part{"video", "big.mp4", big}); code != http.StatusRequestEntityTooLarge || !strings.Contains(e.Error, "64 KiB") {
			t.Errorf("big upload: %d %q, want 413 naming the limit", code, e.Error)
		}
	})
	t.Run("chunked", func(t *testing.T) {
		body, ct := multipartBody(part{"video", "big.mp4", big})
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/subjects/%d/recordings", f.ts.URL, sub.ID), io.MultiReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", ct)
		req.ContentLength = -1
		if code := f.do(req, nil); code != http.StatusRequestEntityTooLarge {
			t.Errorf("chunked big upload: %d, want 413", code)
		}
	})
	t.Run("just under", func(t *testing.T) {
		if code := f.upload(tok, sub.ID, nil, part{"video", "ok.mp4", fakeVideo + strings.Repeat("x", limit-1000)}); code != 202 {
			t.Errorf("upload under the limit: %d", code)
		}
	})
	t.Run("probe refuses a non-video", func(t *testing.T) {
		var e struct{ Error string }
		code := f.upload(tok, sub.ID, &e, part{"video", "../../etc/notes.txt", "hello, I am text"})
		if code != http.StatusUnprocessableEntity || e.Error != "notes.txt: not a video file that FFmpeg can decode" {
			t.Errorf("text upload: %d %q", code, e.Error)
		}
		recs := 0
		sessions, _ := f.st.Sessions(context.Background(), 1, sub.ID)
		for _, s := range sessions {
			r, _ := f.st.Recordings(context.Background(), 1, s.ID)
			recs += len(r)
		}
		if recs != 1 {
			t.Errorf("%d recordings after a refused upload, want only the earlier one", recs)
		}
	})
	t.Run("no video", func(t *testing.T) {
		if code := f.upload(tok, sub.ID, nil, part{"movement", "", "squat"}); code != 400 {
			t.Errorf("upload without a video: %d, want 400", code)
		}
	})
	t.Run("bad option", func(t *testing.T) {
		var e struct{ Error string }
		if code := f.upload(tok, sub.ID, &e, part{"movement", "", "jump"}, part{"video", "a.mp4", fakeVideo}); code != 400 || !strings.Contains(e.Error, "jump") {
			t.Errorf("bad movement: %d %q", code, e.Error)
		}
	})
	t.Run("several at once, one refused", func(t *testing.T) {
		var out struct{ Results []uploadResult }
		code := f.upload(tok, sub.ID, &out, part{"video", "a.mp4", fakeVideo}, part{"video", "b.txt", "text"}, part{"video", "c.mp4", fakeVideo})
		if code != http.StatusMultiStatus || len(out.Results) != 3 || out.Results[0].Job == 0 || out.Results[1].Err == "" || out.Results[2].Job == 0 {
			t.Errorf("batch: %d %+v", code, out.Results)
		}
	})
}

func TestSessionZip(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.token("ann")
	var sub struct{ ID int64 }
	f.api(tok, "POST", "/api/subjects", map[string]any{"code": "S/1", "sex": "male"}, &sub)
	var a, b struct{ Recording, Job int64 }
	f.upload(tok, sub.ID, &a, part{"video", "../front squat.mp4", fakeVideo}, part{"date", "", "2025-03-01"})
	f.upload(tok, sub.ID, &b, part{"video", "side.mov", fakeVideo}, part{"date", "", "2025-03-01"})
	f.finish(a.Job, `[{"name":"fppa_deg","unit":"deg","side":"left","n":2,"mean":7.5,"sd":1,"min":6.5,"max":8.5},{"name":"fppa_deg","unit":"deg","side":"right","n":2,"mean":2,"sd":null,"min":2,"max":2}]`)
	rec, _ := f.st.Recording(context.Background(), 1, a.Recording)
	br := f.browser()
	br.login("ann", password)
	res, body := br.get(fmt.Sprintf("/sessions/%d/download", rec.SessionID))
	if res.StatusCode != 200 || res.Header.Get("Content-Disposition") != `attachment; filename="S_1-2025-03-01.zip"` {
		t.Fatalf("zip: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	files := map[string]string{}
	for _, zf := range zr.File {
		names = append(names, zf.Name)
		rc, _ := zf.Open()
		c, _ := io.ReadAll(rc)
		rc.Close()
		files[zf.Name] = string(c)
	}
	want := []string{"S_1-2025-03-01/session.csv", "S_1-2025-03-01/01-front_squat/report.html", "S_1-2025-03-01/01-front_squat/report.json",
		"S_1-2025-03-01/01-front_squat/keypoints.csv", "S_1-2025-03-01/01-front_squat/annotated.mp4"}
	if !slices.Equal(names, want) {
		t.Errorf("zip entries %q, want %q", names, want)
	}
	rows, err := csv.NewReader(strings.NewReader(files["S_1-2025-03-01/session.csv"])).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("session.csv: %v %q", err, rows)
	}
	if got := strings.Join(rows[1], ","); got != fmt.Sprintf("%d,01-front_squat,front squat.mp4,squat,front,done,fppa_deg,deg,left,2,7.5,1,6.5,8.5", a.Recording) {
		t.Errorf("session.csv row %q", got)
	}
	if got := rows[3]; got[2] != "side.mov" || got[5] != "queued" || got[6] != "" {
		t.Errorf("unfinished recording's row %q", got)
	}
	if files["S_1-2025-03-01/01-front_squat/annotated.mp4"] != strings.Repeat("v", 5000) {
		t.Error("video changed in the zip")
	}
}

// TestPurge: a purged recording's video and results leave the blob store.
func TestPurge(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.token("ann")
	var sub struct{ ID int64 }
	f.api(tok, "POST", "/api/subjects", map[string]any{"code": "P", "sex": "male"}, &sub)
	var up struct{ Recording, Job int64 }
	f.upload(tok, sub.ID, &up, part{"video", "a.mp4", fakeVideo})
	f.finish(up.Job, `[]`)
	ctx := context.Background()
	rec, _ := f.st.Recording(ctx, 1, up.Recording)
	b := f.browser()
	b.login("ann", password)
	if res, _ := b.get(fmt.Sprintf("/recordings/%d/files/report.html", up.Recording)); res.StatusCode != 200 {
		t.Fatalf("report.html: %d", res.StatusCode) // also fills the cache
	}
	if res := b.post(fmt.Sprintf("/trash/recording/%d/purge", up.Recording), nil); res.StatusCode != 404 {
		t.Errorf("purging a live recording: %d, want 404", res.StatusCode)
	}
	b.post(fmt.Sprintf("/recordings/%d/delete", up.Recording), nil)
	_, page := b.get("/trash")
	if !strings.Contains(page, "recording a.mp4 of P") {
		t.Fatalf("trash page lacks the recording")
	}
	if res := b.post(fmt.Sprintf("/trash/recording/%d/restore", up.Recording), nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("restore: %d", res.StatusCode)
	}
	b.post(fmt.Sprintf("/recordings/%d/delete", up.Recording), nil)
	if res := b.post(fmt.Sprintf("/trash/recording/%d/purge", up.Recording), nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("purge: %d", res.StatusCode)
	}
	if ok, _ := f.q.VideoExists(ctx, rec.VideoObject); ok {
		t.Error("video left after purge")
	}
	if _, err := f.q.GetResult(ctx, up.Job, "report.json"); err == nil {
		t.Error("results left after purge")
	}
	if _, err := f.q.GetManifest(ctx, up.Job); err == nil {
		t.Error("manifest left after purge")
	}
	if _, err := f.st.Recording(ctx, 1, up.Recording); err == nil {
		t.Error("recording row left after purge")
	}
}
