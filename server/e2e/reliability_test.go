package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

var takingJobs = regexp.MustCompile(`taking jobs from`)

// startWorker runs `kneescreen worker` against a server's NATS.
func startWorker(t *testing.T, s *server, name string) *proc {
	t.Helper()
	w := startProc(t, name, nil, "worker", "--nats", s.nats, "--nats-token-file", filepath.Join(s.data, "nats-token"),
		"--nats-ca-file", filepath.Join(s.data, "nats-ca.pem"),
		"--name", name, "--analyses", "1", "--threads", "1")
	w.waitLine(takingJobs, 60*time.Second)
	return w
}

// TestWorkersAcrossProcesses runs a web-only server with its NATS open on
// loopback and two worker processes; one worker is killed with SIGKILL in
// the middle of a job, which the other then finishes: one report, made on
// the second delivery.
func TestWorkersAcrossProcesses(t *testing.T) {
	s := startServe(t, t.TempDir(), "--workers", "0", "--nats-listen", "127.0.0.1:0", "--ack-wait", "3s")
	workers := map[string]*proc{"w1": startWorker(t, s, "w1"), "w2": startWorker(t, s, "w2")}
	sub := s.subject("S-1")

	// The probe refuses a non-video before anything is stored or queued.
	txt := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(txt, []byte("session notes, not a video"), 0o644)
	if u := s.upload(sub, txt); u.status != http.StatusUnprocessableEntity || u.Error != "notes.txt: not a video file that FFmpeg can decode" {
		t.Errorf("text upload: %d %q", u.status, u.Error)
	}

	a, b := s.upload(sub, clipLong), s.upload(sub, clipRep)
	if a.status != 202 || b.status != 202 {
		t.Fatalf("uploads: %+v %+v", a, b)
	}
	running := s.waitRunning(a.Job, 60*time.Second)
	victim := workers[running.Worker]
	if victim == nil {
		t.Fatalf("job runs on unknown worker %q", running.Worker)
	}
	survivor := "w1"
	if running.Worker == "w1" {
		survivor = "w2"
	}
	killed := time.Now()
	victim.kill9()
	t.Logf("killed %s (SIGKILL) while it ran job %d (%s pass at %.0f%%)", running.Worker, a.Job, running.Pass, 100*running.Progress)

	done := s.waitJobs(120*time.Second, a.Job, b.Job)
	ja := done[a.Job]
	t.Logf("job %d: %s on %s, attempt %d, %.1f s after the kill", a.Job, ja.State, ja.Worker, ja.Attempts, time.Since(killed).Seconds())
	if ja.State != "done" || ja.Worker != survivor || ja.Attempts != 2 {
		t.Errorf("killed job: %+v, want done by %s on attempt 2", ja, survivor)
	}
	if jb := done[b.Job]; jb.State != "done" {
		t.Errorf("other job: %+v", jb)
	}
	rec := s.recording(a.Recording)
	if rec.VideoBytes != fileSize(t, clipLong) || !slices.Contains(rec.Files, "report.json") || !slices.Contains(rec.Files, "annotated.mp4") {
		t.Errorf("recording after redelivery: %+v", rec)
	}
	var rep struct {
		Movement string
		Source   struct{ Frames int }
	}
	if c := s.api("GET", fmt.Sprintf("/api/recordings/%d/report.json", a.Recording), nil, "", &rep); c != 200 || rep.Movement != "squat" || rep.Source.Frames != frames[clipLong] {
		t.Errorf("report.json: %d %+v", c, rep)
	}
	workers[survivor].stop(30 * time.Second)
	s.stop(30 * time.Second)
}

// TestServeKilled kills the server (with its in-process worker) with
// SIGKILL while it analyses; after a restart on the same data folder every
// upload is still there and every job finishes.
func TestServeKilled(t *testing.T) {
	data := t.TempDir()
	s := startServe(t, data, "--workers", "1", "--ack-wait", "3s")
	sub := s.subject("S-1")
	clips := []string{clipLong, clipRep, clipShort}
	var ups []upload
	for _, c := range clips {
		u := s.upload(sub, c)
		if u.status != 202 {
			t.Fatalf("upload: %+v", u)
		}
		ups = append(ups, u)
	}
	running := s.waitRunning(ups[0].Job, 60*time.Second)
	s.kill9()
	t.Logf("killed serve (SIGKILL) while it ran job %d (%s pass at %.0f%%)", ups[0].Job, running.Pass, 100*running.Progress)

	restarted := time.Now()
	s2 := startServe(t, data, "--workers", "1", "--ack-wait", "3s")
	s2.token = s.token // the records survived: the old API token still works
	ids := []int64{ups[0].Job, ups[1].Job, ups[2].Job}
	done := s2.waitJobs(120*time.Second, ids...)
	t.Logf("all %d jobs done %.1f s after the restart", len(ids), time.Since(restarted).Seconds())
	for i, u := range ups {
		j := done[u.Job]
		if j.State != "done" {
			t.Errorf("job %d: %+v", u.Job, j)
		}
		rec := s2.recording(u.Recording)
		if rec.VideoBytes != fileSize(t, clips[i]) || len(rec.Files) != 5 {
			t.Errorf("recording %d: %d bytes, files %v", u.Recording, rec.VideoBytes, rec.Files)
		}
	}
	if j := done[ups[0].Job]; j.Attempts != 2 {
		t.Errorf("the interrupted job ran %d times, want 2", j.Attempts)
	}
	s2.stop(30 * time.Second)
}

// TestConcurrentUploads sends 20 uploads at once to a server with two
// in-process analyses: all finish, memory stays within what two analyses
// need, and pages keep answering.
func TestConcurrentUploads(t *testing.T) {
	const n = 20
	s := startServe(t, t.TempDir(), "--workers", "2")
	idle, _ := s.rss()
	sub := s.subject("S-load")
	first := s.upload(sub, clipShort)
	if first.status != 202 {
		t.Fatalf("upload: %+v", first)
	}
	s.waitJobs(60*time.Second, first.Job)
	_, onePeak := s.rss()

	// A clinician keeps reading the subject's page meanwhile.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	req, _ := http.NewRequest("POST", s.url+"/login", strings.NewReader(url.Values{"username": {"admin"}, "password": {adminPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err := browser.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("login: %v", err)
	}
	stop := make(chan struct{})
	var latencies []time.Duration
	var probe sync.WaitGroup
	probe.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(250 * time.Millisecond):
			}
			t0 := time.Now()
			res, err := browser.Get(fmt.Sprintf("%s/subjects/%d", s.url, sub))
			if err != nil {
				t.Errorf("page during load: %v", err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Errorf("page during load: %d", res.StatusCode)
			}
			latencies = append(latencies, time.Since(t0))
		}
	})

	start := time.Now()
	ups := make([]upload, n)
	var wg sync.WaitGroup
	for i := range ups {
		wg.Go(func() { ups[i] = s.upload(sub, clipShort) })
	}
	wg.Wait()
	uploaded := time.Since(start)
	ids := []int64{}
	for i, u := range ups {
		if u.status != 202 {
			t.Fatalf("upload %d: %+v", i, u)
		}
		ids = append(ids, u.Job)
	}
	done := s.waitJobs(240*time.Second, ids...)
	total := time.Since(start)
	close(stop)
	probe.Wait()
	_, peak := s.rss()
	for _, id := range ids {
		if done[id].State != "done" {
			t.Errorf("job %d: %+v", id, done[id])
		}
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
	}
	t.Logf("%d concurrent uploads of a %d-byte clip: all received in %.1f s, all analysed in %.1f s (%.2f s per job)",
		n, fileSize(t, clipShort), uploaded.Seconds(), total.Seconds(), total.Seconds()/n)
	t.Logf("serve RSS: idle %.0f MiB, peak after one analysis %.0f MiB, peak after %d uploads with 2 analyses at a time %.0f MiB",
		idle, onePeak, n, peak)
	t.Logf("subject page during the load: %d requests, p50 %s, p95 %s, max %s", len(latencies), pct(0.5), pct(0.95), pct(1))
	// Two analyses at a time may take twice what one took above idle;
	// 100 MiB covers upload buffers, the SSE hub and GC slack. Memory that
	// grew with the number of uploads would exceed it many times over.
	if limit := idle + 2*(onePeak-idle) + 100; peak > limit {
		t.Errorf("peak RSS %.0f MiB exceeds %.0f MiB (two analyses' worth)", peak, limit)
	}
	if p95 := pct(0.95); p95 > 2*time.Second {
		t.Errorf("pages slowed to p95 %s under load", p95)
	}
	s.stop(30 * time.Second)
}
