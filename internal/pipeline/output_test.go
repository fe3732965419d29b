package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/internal/sample"
	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/vision"
)

// quickConfig is defaultConfig without the mirrored pass, which halves the
// inference these tests do not need.
func quickConfig(t testing.TB, formats ...report.Format) Config {
	cfg := defaultConfig(t, formats...)
	cfg.Track.Symmetric = false
	cfg.Analysis.Symmetric = false
	return cfg
}

// TestRunFolderIsOneRunsOutput: a report folder holds one run's files
// under a manifest that lists them. A re-run with fewer formats removes
// the files it no longer writes (fault 4 of the hostile-input review: the
// old report.html and video stayed beside the new report.json); Complete
// accepts the folder only for the same input and settings, with every
// file unchanged.
func TestRunFolderIsOneRunsOutput(t *testing.T) {
	in := testenv.Testdata(t, sample.FixtureFile)
	digest, err := InputDigest(in)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	all := quickConfig(t, report.AllFormats...)
	res, err := Run(context.Background(), in, dir, all)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]string{report.ManifestFile}, report.OutputFiles...)
	slices.Sort(want)
	if got := testenv.DirNames(t, dir); !slices.Equal(got, want) {
		t.Fatalf("folder holds %v, want %v", got, want)
	}
	m := res.Manifest
	if m == nil || !slices.Equal(m.Names(), report.OutputFiles) || m.Input.SHA256 != digest || m.Settings != all.Fingerprint() {
		t.Fatalf("manifest %+v", m)
	}
	if _, err := Complete(dir, digest, all); err != nil {
		t.Errorf("a complete run's folder: %v", err)
	}
	for _, name := range report.OutputFiles {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: %v, mode %v; want 0644 like any output", name, err, st.Mode().Perm())
		}
	}

	jsonOnly := quickConfig(t, report.FormatJSON)
	if _, err := Complete(dir, digest, jsonOnly); !errors.Is(err, ErrOutdated) {
		t.Errorf("other formats: Complete = %v, want ErrOutdated", err)
	}
	if _, err := Run(context.Background(), in, dir, jsonOnly); err != nil {
		t.Fatal(err)
	}
	if got := testenv.DirNames(t, dir); !slices.Equal(got, []string{report.ManifestFile, report.JSONFile}) {
		t.Errorf("after a json-only re-run the folder holds %v, want only manifest.json and report.json", got)
	}
	if _, err := Complete(dir, digest, jsonOnly); err != nil {
		t.Errorf("json-only folder: %v", err)
	}
	if _, err := Complete(dir, digest, all); !errors.Is(err, ErrOutdated) {
		t.Errorf("json-only folder for every format: %v, want ErrOutdated", err)
	}
	if _, err := Complete(dir, strings.Repeat("0", 64), jsonOnly); !errors.Is(err, ErrOutdated) {
		t.Errorf("another input: %v, want ErrOutdated", err)
	}
	// A changed file, a lost manifest: no longer complete.
	p := filepath.Join(dir, report.JSONFile)
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, append(b, ' '), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Complete(dir, digest, jsonOnly); !errors.Is(err, ErrOutdated) || !errors.Is(err, report.ErrMismatch) {
		t.Errorf("changed report.json: %v, want ErrOutdated and ErrMismatch", err)
	}
	os.Remove(filepath.Join(dir, report.ManifestFile))
	if _, err := Complete(dir, digest, jsonOnly); !errors.Is(err, report.ErrNoManifest) {
		t.Errorf("no manifest: %v, want ErrNoManifest", err)
	}
}

// truncatingFFmpeg puts a fake ffmpeg on PATH that claims libx264 (asked,
// or as it starts to encode: the line ffmpeg logs once it found its
// encoder) and writes the first 1000 bytes of a real video where the real
// one would write the whole, then exits 0: what ffmpeg does when the disk
// fills.
func truncatingFFmpeg(t *testing.T) {
	t.Helper()
	ref := testenv.Testdata(t, sample.FixtureFile)
	dir := t.TempDir()
	script := `#!/bin/sh
case "$*" in *-encoders*) echo " V....D libx264 H.264"; exit 0;; esac
for out; do :; done
echo "[info] Stream mapping:" >&2
cat > /dev/null; head -c 1000 '` + ref + `' > "$out"; exit 0
`
	if err := os.WriteFile(filepath.Join(dir, "ffmpeg"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv(vision.EncoderEnv, "ffmpeg")
}

// TestRunVideoFailureKeepsData: when the annotated video cannot be made
// (here an encoder that exits 0 after writing a cut-off file), report.json
// and the CSVs are still published, the HTML too (without the video), the
// earlier run's video is not kept beside them, nothing half-written
// remains, the folder has no manifest (incomplete), and Run returns the
// report with an error naming the video (fault 6: the video went first and
// its failure lost everything).
func TestRunVideoFailureKeepsData(t *testing.T) {
	in := testenv.Testdata(t, sample.FixtureFile)
	dir := filepath.Join(t.TempDir(), "out")
	cfg := quickConfig(t, report.AllFormats...)
	if _, err := Run(context.Background(), in, dir, cfg); err != nil {
		t.Fatal(err)
	}
	truncatingFFmpeg(t)
	res, err := Run(context.Background(), in, dir, cfg)
	if !errors.Is(err, vision.ErrIncomplete) || !strings.Contains(err.Error(), report.VideoFile+" not written") {
		t.Fatalf("Run: %v, want an error naming %s and wrapping vision.ErrIncomplete", err, report.VideoFile)
	}
	if res == nil || res.Report == nil || res.Manifest != nil {
		t.Fatalf("result %+v: want the report without a manifest", res)
	}
	want := []string{report.AnglesFile, report.KeypointsFile, report.HTMLFile, report.JSONFile}
	if got := testenv.DirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("folder holds %v, want %v", got, want)
	}
	html, _ := os.ReadFile(filepath.Join(dir, report.HTMLFile))
	if strings.Contains(string(html), report.VideoFile) {
		t.Error("report.html links a video that was not written")
	}
	if _, err := Complete(dir, strings.Repeat("0", 64), cfg); !errors.Is(err, report.ErrNoManifest) {
		t.Errorf("Complete: %v, want ErrNoManifest", err)
	}
}

// TestRunFullDisk analyses into a real file system too small for the
// annotated video: the data files are written, the video is not (ffmpeg
// says "No space left on device" or leaves a file the check rejects), no
// temporary file is left, and the folder has no manifest.
func TestRunFullDisk(t *testing.T) {
	in := testenv.Testdata(t, sample.FixtureFile)
	// report.json and the CSVs take about 70 KB, the video 80 KB and the
	// HTML 220 KB (ffmpeg's +faststart needs the video's size twice).
	dir := filepath.Join(testenv.SmallFS(t, 128<<10), "out")
	cfg := quickConfig(t, report.AllFormats...)
	res, err := Run(context.Background(), in, dir, cfg)
	if err == nil {
		t.Fatal("Run on a full disk succeeded")
	}
	t.Logf("error: %v", err)
	if res == nil || res.Manifest != nil {
		t.Fatalf("result %+v: want the report without a manifest", res)
	}
	got := testenv.DirNames(t, dir)
	for _, name := range []string{report.JSONFile, report.KeypointsFile, report.AnglesFile} {
		if !slices.Contains(got, name) {
			t.Errorf("%s missing; the folder holds %v", name, got)
		}
	}
	for _, name := range got {
		if strings.HasPrefix(name, ".") || name == report.ManifestFile {
			t.Errorf("%s left in the folder", name)
		}
	}
	// A video that is there is a whole one.
	if slices.Contains(got, report.VideoFile) {
		pr, err := vision.Probe(context.Background(), filepath.Join(dir, report.VideoFile))
		if err != nil || pr.FrameCount != len(res.Track.Poses) {
			t.Errorf("annotated video kept: %+v, %v; want all %d frames", pr, err, len(res.Track.Poses))
		}
	}
}

// TestFingerprint: the settings that change the files change the
// fingerprint; progress, threads and the input's name do not.
func TestFingerprint(t *testing.T) {
	base := quickConfig(t, report.FormatJSON)
	base.Track.Lanes = 2
	same := []func(c *Config){
		func(c *Config) { c.Progress = func(Progress) {} },
		func(c *Config) { c.Track.Threads = 7 },
		func(c *Config) { c.Track.Budget = NewBudget(3) },
		func(c *Config) { c.Screening.SourcePath = "elsewhere.mp4" },
		func(c *Config) { c.InputDigest = strings.Repeat("1", 64) },
	}
	differ := []func(c *Config){
		func(c *Config) { c.Formats = report.Formats{report.FormatJSON: true, report.FormatCSV: true} },
		func(c *Config) { c.Track.Symmetric = true },
		func(c *Config) { c.Track.Lanes = 3 },
		func(c *Config) { c.Screening.Sex = "female" },
		func(c *Config) { c.Screening.Thresholds.FPPA.FemaleFlagDeg++ },
		func(c *Config) { c.Screening.Filter.CutoffHz++ },
		func(c *Config) { c.Analysis.Model = "thunder" },
		func(c *Config) { c.ModelDigest = strings.Repeat("2", 64) },
		func(c *Config) { c.BuildDigest = strings.Repeat("3", 64) },
		func(c *Config) { c.Analysis.Tool = "v2" },
		func(c *Config) { c.VideoMaxSide = 640 },
		func(c *Config) { c.ImageFPS = 25 },
	}
	want := base.Fingerprint()
	for i, mod := range same {
		c := base
		mod(&c)
		if c.Fingerprint() != want {
			t.Errorf("same #%d changed the fingerprint", i)
		}
	}
	for i, mod := range differ {
		c := base
		mod(&c)
		if c.Fingerprint() == want {
			t.Errorf("differ #%d kept the fingerprint", i)
		}
	}
}

// TestInputDigest: a file's digest is its content's; a folder's covers its
// files' names and contents.
func TestInputDigest(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.png", "aa")
	write("b.png", "b")
	d1, err := InputDigest(dir)
	if err != nil {
		t.Fatal(err)
	}
	f1, _ := InputDigest(filepath.Join(dir, "a.png"))
	if f1 != "961b6dd3ede3cb8ecbaacbd68de040cd78eb2ed5889130cceb4c49268ea4d506" { // sha256sum of "aa"
		t.Errorf("file digest %s", f1)
	}
	write("a.png", "a")
	write("b.png", "ab") // the same bytes in all, split differently
	d2, _ := InputDigest(dir)
	if d1 == d2 {
		t.Error("folders with other files share a digest")
	}
	if _, err := InputDigest(filepath.Join(dir, "missing")); err == nil {
		t.Error("digest of a missing input")
	}
}
