package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/internal/batch"
	"github.com/kneescreen/kneescreen/internal/sample"
	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/report"
)

// kneescreenCmd runs this test binary as the kneescreen binary (see
// TestMain) with args in dir.
func kneescreenCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KNEESCREEN_TEST_RUN_MAIN=1")
	return cmd
}

// readRecord reads out/batch.json, nil when absent.
func readRecord(t *testing.T, out string) []batch.Entry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, batch.RecordFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Inputs []batch.Entry `json:"inputs"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatalf("batch.json: %v", err) // written atomically: never half a file
	}
	return rec.Inputs
}

// TestBatchKilledAndResumed is the clinic batch's acceptance test: 20
// inputs, 4 of them bad (empty, text, cut in half, random bytes), some
// sharing a name in different folders, analysed two at a time by the real
// binary, killed with SIGKILL half way, and run again. The re-run analyses
// only what was not complete (a folder without its manifest is not taken
// for a result), cleans up what the killed run left, and ends with 16
// complete reports, 4 failures named, an index and a summary of all 20,
// and no folder more: nothing lost, nothing duplicated. A third run finds
// everything up to date; --force redoes an input.
func TestBatchKilledAndResumed(t *testing.T) {
	fixture, err := os.ReadFile(testenv.Testdata(t, sample.FixtureFile))
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	clinic := filepath.Join(work, "clinic")
	var good []string
	for i := range 16 {
		// Patients in folders of their own, every second one's clip
		// named alike: their reports must not meet.
		name := fmt.Sprintf("p%02d/squat.mp4", i)
		if i%2 == 1 {
			name = fmt.Sprintf("p%02d/clip %d.mp4", i-1, i)
		}
		good = append(good, name)
		copyBytes(t, filepath.Join(clinic, name), fixture)
	}
	r := rand.New(rand.NewPCG(13, 13))
	noise := make([]byte, 50000)
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	bad := map[string][]byte{
		"bad/empty.mp4":     nil,
		"bad/notes.mp4":     []byte("not a video\n"),
		"bad/half.mp4":      fixture[:len(fixture)/2],
		"bad/noise.mov":     noise,
		"bad/readme.txt":    []byte("not an input: no video extension"),
		".trash/hidden.mp4": fixture,
	}
	for name, b := range bad {
		copyBytes(t, filepath.Join(clinic, name), b)
	}
	out := filepath.Join(work, "out")
	args := []string{"analyze", "--recursive", "--formats", "json,csv", "--symmetric=false", "--jobs", "2", "--progress", "never", "--out", out, "clinic"}

	// First run, killed once some reports are complete.
	first := kneescreenCmd(work, args...)
	var firstErr bytes.Buffer
	first.Stderr = &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		done := 0
		for _, e := range readRecord(t, out) {
			if e.Status == batch.StatusAnalysed {
				done++
			}
		}
		if done >= 5 {
			break
		}
		if time.Now().After(deadline) {
			first.Process.Kill()
			first.Wait()
			t.Fatalf("the first run completed %d reports in 60 s; stderr %s", done, firstErr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	completeBefore := map[string]bool{}
	for _, g := range good {
		dir := filepath.Join(out, strings.TrimSuffix(g, ".mp4"))
		if m, err := report.ReadManifest(dir); err == nil && m.Verify(dir) == nil {
			completeBefore[dir] = true
		}
	}
	t.Logf("killed with %d of 16 reports complete", len(completeBefore))
	if len(completeBefore) == 16 {
		t.Fatal("the first run finished before it was killed; the test did not test resuming")
	}

	// What a kill can leave beside atomic writes: temporary files, in the
	// batch's folder, a complete report folder and an incomplete one
	// (planted, as the kill may have come between writes).
	for _, g := range good[:2] {
		dir := filepath.Join(out, strings.TrimSuffix(g, ".mp4"))
		copyBytes(t, filepath.Join(dir, ".report.tmp-123.json"), []byte(`{"half`))
		copyBytes(t, filepath.Join(dir, "..annotated.tmp-1.tmp-2.mp4"), fixture[:100])
	}
	copyBytes(t, filepath.Join(out, ".batch.tmp-7.json"), []byte(`{"half`))
	copyBytes(t, filepath.Join(out, ".index.tmp-7.html"), []byte(`<html`))

	// Second run: resumes.
	second := kneescreenCmd(work, args...)
	var stdout, stderr bytes.Buffer
	second.Stdout, second.Stderr = &stdout, &stderr
	err = second.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitFailed {
		t.Fatalf("re-run: %v, want exit 1 for the bad inputs; stderr %s", err, stderr.String())
	}
	upToDate := strings.Count(stdout.String(), ": up to date -> ")
	analysed := strings.Count(stdout.String(), ": squat, ")
	if upToDate != len(completeBefore) || upToDate+analysed != 16 {
		t.Errorf("re-run: %d up to date (%d were complete), %d analysed; want all 16 once\n%s", upToDate, len(completeBefore), analysed, stdout.String())
	}
	errLines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(errLines) != 5 || errLines[4] != "kneescreen: analyze: 4 of 20 inputs failed: some inputs failed" {
		t.Errorf("stderr: want one line per bad input and the count\n%s", stderr.String())
	}

	// The output: 16 complete folders, nothing else, nothing half-written.
	var folders, stray []string
	filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(out, path)
		switch {
		case err != nil:
			t.Error(err)
		case strings.HasPrefix(d.Name(), "."):
			stray = append(stray, rel)
		case !d.IsDir() && d.Name() == report.ManifestFile:
			folders = append(folders, filepath.Dir(rel))
		}
		return nil
	})
	if len(stray) > 0 {
		t.Errorf("left in the output: %v", stray)
	}
	var want []string
	for _, g := range good {
		want = append(want, strings.TrimSuffix(g, ".mp4"))
		dir := filepath.Join(out, strings.TrimSuffix(g, ".mp4"))
		m, err := report.ReadManifest(dir)
		if err != nil {
			t.Errorf("%s: %v", g, err)
			continue
		}
		if err := m.Verify(dir); err != nil || !slices.Equal(m.Names(), []string{report.JSONFile, report.KeypointsFile, report.AnglesFile}) {
			t.Errorf("%s: files %v: %v", g, m.Names(), err)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 4 {
			t.Errorf("%s holds %d files, want the report, two CSVs and the manifest", dir, len(entries))
		}
	}
	slices.Sort(folders)
	slices.Sort(want)
	if !slices.Equal(folders, want) {
		t.Errorf("complete folders %v, want %v", folders, want)
	}
	top, _ := os.ReadDir(out)
	var topNames []string
	for _, e := range top {
		topNames = append(topNames, e.Name())
	}
	if !slices.Equal(topNames, []string{"batch.json", "index.html", "p00", "p02", "p04", "p06", "p08", "p10", "p12", "p14", "summary.csv"}) {
		t.Errorf("output folder holds %v (no folder for a bad input, no lock)", topNames)
	}

	// batch.json, index.html and summary.csv list all 20.
	rec := readRecord(t, out)
	status := map[batch.Status]int{}
	for _, e := range rec {
		status[e.Status]++
		if e.Status == batch.StatusFailed && (e.Error == "" || !strings.HasPrefix(e.Path, filepath.Join("clinic", "bad"))) {
			t.Errorf("failed entry %+v", e)
		}
	}
	if len(rec) != 20 || status[batch.StatusFailed] != 4 || status[batch.StatusAnalysed]+status[batch.StatusUpToDate] != 16 {
		t.Errorf("batch.json: %d inputs, %v", len(rec), status)
	}
	page, _ := os.ReadFile(filepath.Join(out, batch.IndexFile))
	if n := strings.Count(string(page), "<tr class="); n != 20 {
		t.Errorf("index.html has %d rows, want 20", n)
	}
	for _, g := range good {
		link := `href="./` + strings.ReplaceAll(strings.TrimSuffix(g, ".mp4"), " ", "%20") + `/report.json"`
		if !strings.Contains(string(page), link) {
			t.Errorf("index.html has no link %s", link)
		}
	}
	f, err := os.Open(filepath.Join(out, batch.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	lines, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(lines) != 21 {
		t.Errorf("summary.csv: %d lines, %v; want a header and 20", len(lines), err)
	}

	// Third run: nothing to do. --force redoes what it is given.
	stdout.Reset()
	third := kneescreenCmd(work, args...)
	third.Stdout = &stdout
	third.Run()
	if n := strings.Count(stdout.String(), ": up to date -> "); n != 16 {
		t.Errorf("third run: %d up to date, want 16\n%s", n, stdout.String())
	}
	// One input into a folder of its own: analysed, then up to date,
	// then, with --force, analysed again.
	single := []string{"analyze", "--formats", "json", "--symmetric=false", "--progress", "never", "--out", filepath.Join(work, "single"), filepath.Join("clinic", "p00", "squat.mp4")}
	for i, want := range []string{": squat, ", ": up to date -> ", ": squat, "} {
		if i == 2 {
			single = append(single, "--force")
		}
		stdout.Reset()
		run := kneescreenCmd(work, single...)
		run.Stdout = &stdout
		if err := run.Run(); err != nil || !strings.Contains(stdout.String(), want) {
			t.Errorf("single run %d: %v; stdout %q, want %q", i+1, err, stdout.String(), want)
		}
	}
}

// copyBytes writes b to path, making its folder.
func copyBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
