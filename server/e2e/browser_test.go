package e2e

import (
	"archive/zip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/kneescreen/kneescreen/internal/sample"
)

// chromium returns the browser to drive, skipping the test when none is
// installed (CI installs Debian's chromium).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not installed (apt-get install chromium)")
	return ""
}

// jobView is what the page shows of a job.
type jobView struct {
	State    string  `json:"state"`
	Progress float64 `json:"progress"`
}

// TestBrowser drives the web app in headless Chromium as a clinician
// would: log in, create a subject, upload a clip, watch the analysis
// progress live, open the report and download the session; the pages log
// no console error. With KNEESCREEN_SERVE_SCREENSHOT=FILE it also adds two
// earlier sessions and saves a screenshot of the subject page (the README's
// picture).
func TestBrowser(t *testing.T) {
	chrome := chromium(t)
	s := startServe(t, t.TempDir(), "--workers", "1")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chrome), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()

	// Collect console messages from the start.
	var mu sync.Mutex
	var console []chromedp.ConsoleMessage
	messages := chromedp.Console(bctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, m)
			mu.Unlock()
		}
	}()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	do("log in",
		chromedp.Navigate(s.url+"/subjects"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#code")),
	)
	// The collector works: a message logged on purpose arrives.
	do("log a check message", chromedp.Evaluate[chromedp.Void](`console.info("kneescreen console check")`))
	do("create a subject",
		chromedp.SendKeys(chromedp.CSS("#code"), "S-0042"),
		chromedp.SetValue(chromedp.CSS("#sex"), "female"),
		chromedp.Click(chromedp.CSS("#create-subject")),
		chromedp.WaitVisible(chromedp.CSS("#upload-form")),
	)
	do("upload a clip",
		chromedp.SetUploadFiles(chromedp.CSS("#video"), []string{clipRep}),
		chromedp.SetValue(chromedp.CSS("#movement"), "squat"),
		chromedp.Click(chromedp.CSS("#upload")),
		chromedp.WaitVisible(chromedp.CSS("[data-job] .state")),
	)

	// Watch the row change as the server-sent events arrive.
	seen := map[string]bool{}
	maxProgress := 0.0
	deadline := time.Now().Add(2 * time.Minute)
	for !seen["done"] {
		if time.Now().After(deadline) {
			t.Fatalf("analysis not done in the page; states seen %v", seen)
		}
		v, err := chromedp.Run(bctx, chromedp.Evaluate[jobView](`(() => {
			const n = document.querySelector('[data-job]');
			return {state: n.querySelector('.state').textContent.trim(), progress: n.querySelector('progress').value};
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		seen[v.State] = true
		if v.State == "running" {
			maxProgress = max(maxProgress, v.Progress)
		}
		if v.State == "failed" || v.State == "dead letter" {
			t.Fatalf("analysis failed in the page")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !seen["running"] || maxProgress <= 0 {
		t.Errorf("live progress not shown: states %v, highest progress %v%%", seen, maxProgress)
	}

	do("open the report",
		chromedp.WaitVisible(chromedp.CSS("[data-job] a.report")),
		chromedp.Click(chromedp.CSS("[data-job] a.report")),
		chromedp.WaitVisible(chromedp.CSS("iframe#report")),
		chromedp.WaitVisible(chromedp.CSS("video")),
	)
	report, err := chromedp.Run(bctx, chromedp.Evaluate[string](
		`fetch(document.getElementById('report').src).then(r => r.status + ' ' + r.headers.get('content-type'))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	body, err := chromedp.Run(bctx, chromedp.Evaluate[string](`fetch(document.getElementById('report').src).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(report, "200 text/html") || !strings.Contains(body, "<h1>Knee screening report</h1>") {
		t.Errorf("report in the page: %q, %d bytes, %v", report, len(body), err)
	}

	// Download the session as a zip.
	dl := t.TempDir()
	yes := true
	if _, err := chromedp.CallBrowser(bctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dl, EventsEnabled: &yes}); err != nil {
		t.Fatal(err)
	}
	progress := chromedp.BrowserEvents(bctx, browser.DownloadProgress)
	do("download the session",
		chromedp.Click(chromedp.CSS(".crumbs a")),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/download"]`)),
		chromedp.Click(chromedp.CSS(`a[href$="/download"]`)),
	)
	var zipPath string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			zipPath = filepath.Join(dl, ev.GUID)
			break
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("download cancelled")
		}
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatalf("downloaded zip: %v", err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name[strings.IndexByte(f.Name, '/')+1:])
	}
	zr.Close()
	for _, want := range []string{"session.csv", "01-rep/report.json", "01-rep/report.html", "01-rep/angles.csv", "01-rep/annotated.mp4"} {
		if !slices.Contains(names, want) {
			t.Errorf("zip lacks %s: %v", want, names)
		}
	}

	if path := os.Getenv("KNEESCREEN_SERVE_SCREENSHOT"); path != "" {
		screenshot(t, s, bctx, path)
	}

	// Let late messages (the event stream, the report frame) arrive.
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	checked := false
	for _, m := range console {
		checked = checked || m.Text == "kneescreen console check"
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
			t.Errorf("console %s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line)
		}
	}
	if !checked {
		t.Error("the console check message never arrived: console errors would go unseen")
	}
	t.Logf("%d console messages, states seen %v, highest progress shown %.0f%%", len(console), seen, maxProgress)
}

// screenshot adds two earlier sessions with more knee valgus (an
// improving subject), waits for their analyses and saves the subject page.
func screenshot(t *testing.T, s *server, bctx context.Context, path string) {
	t.Helper()
	var subs struct{ Subjects []struct{ ID int64 } }
	s.api("GET", "/api/subjects", nil, "", &subs)
	sub := subs.Subjects[0].ID
	var jobs []int64
	for i, c := range []struct {
		offsetDays int
		valgus     [2]float64
	}{{-56, [2]float64{18, 4}}, {-28, [2]float64{14, 3}}} {
		cfg := sample.DefaultConfig()
		cfg.Reps, cfg.Width, cfg.Height, cfg.FPS, cfg.ValgusDeg = 2, 480, 360, 15, c.valgus
		clip, err := sample.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), fmt.Sprintf("session-%d.mp4", i+1))
		if err := clip.WriteVideo(context.Background(), file); err != nil {
			t.Fatal(err)
		}
		date := time.Now().AddDate(0, 0, c.offsetDays).Format("2006-01-02")
		u := s.uploadOn(sub, file, date)
		if u.status != 202 {
			t.Fatalf("screenshot upload: %+v", u)
		}
		jobs = append(jobs, u.Job)
	}
	s.waitJobs(3*time.Minute, jobs...)
	if err := chromedp.Do(bctx, chromedp.Navigate(fmt.Sprintf("%s/subjects/%d", s.url, sub)),
		chromedp.WaitVisible(chromedp.CSS(".trends img")), chromedp.Sleep(time.Second)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the subject page in %s", path)
}
