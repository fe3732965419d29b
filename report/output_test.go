package report

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/screening/synth"
)

func text(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

var (
	digestA = strings.Repeat("a", 64)
	digestB = strings.Repeat("b", 64)
)

// TestOutputCommit: staged files appear only at Commit, together, with a
// manifest that lists them and verifies; an earlier run's report files
// that this one does not write are removed, other files are not; temporary
// files a killed run left are cleaned by Begin.
func TestOutputCommit(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{HTMLFile: "old html", VideoFile: "old video", JSONFile: "old json", "notes.txt": "the user's"} {
		os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	}
	// What a run killed mid-way leaves: its temporary files.
	os.WriteFile(filepath.Join(dir, ".report.tmp-123.json"), []byte("half"), 0o600)
	os.WriteFile(filepath.Join(dir, "..annotated.tmp-1.tmp-2.mp4"), []byte("half"), 0o600)

	o, err := Begin(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := testenv.DirNames(t, dir); !slices.Equal(got, []string{VideoFile, "notes.txt", HTMLFile, JSONFile}) {
		t.Errorf("after Begin: %v (the killed run's temporary files should be gone)", got)
	}
	if err := o.Stage(JSONFile, text("new json")); err != nil {
		t.Fatal(err)
	}
	video, err := o.Reserve(VideoFile)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(video, []byte("new video"), 0o644)
	if err := o.Stage(AnglesFile, func(w io.Writer) error { io.WriteString(w, "part"); return errors.New("disk full") }); err == nil {
		t.Error("a failed writer staged its file")
	}
	if err := o.Stage(JSONFile, text("again")); err == nil {
		t.Error("a file staged twice")
	}
	if err := o.Stage("../escape.json", text("x")); err == nil {
		t.Error("a file that is not a report file was staged")
	}
	// Nothing published yet.
	if b, _ := os.ReadFile(filepath.Join(dir, JSONFile)); string(b) != "old json" {
		t.Errorf("report.json is %q before Commit", b)
	}
	m := &Manifest{Tool: "test", Input: ManifestInput{Path: "in.mp4", SHA256: digestA}, Settings: digestB}
	if err := o.Commit(m); err != nil {
		t.Fatal(err)
	}
	if got := testenv.DirNames(t, dir); !slices.Equal(got, []string{VideoFile, ManifestFile, "notes.txt", JSONFile}) {
		t.Errorf("after Commit: %v; want the new files, the manifest and the user's notes", got)
	}
	read, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(read.Names(), []string{JSONFile, VideoFile}) || read.Input.SHA256 != digestA || read.Settings != digestB || read.Version != ManifestVersion {
		t.Errorf("manifest %+v", read)
	}
	if err := read.Verify(dir); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if err := o.Commit(m); err == nil {
		t.Error("second Commit succeeded")
	}
	os.WriteFile(filepath.Join(dir, VideoFile), []byte("new videX"), 0o644)
	if err := read.Verify(dir); !errors.Is(err, ErrMismatch) {
		t.Errorf("Verify after a change: %v, want ErrMismatch", err)
	}
}

// TestOutputAbortAndPartialCommit: Abort leaves the folder as it was;
// Commit(nil) publishes without a manifest (and removes the old one).
func TestOutputAbortAndPartialCommit(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ManifestFile), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(dir, JSONFile), []byte("old"), 0o644)
	o, _ := Begin(dir)
	o.Stage(JSONFile, text("new"))
	o.Reserve(VideoFile)
	o.Abort()
	if got := testenv.DirNames(t, dir); !slices.Equal(got, []string{ManifestFile, JSONFile}) {
		t.Errorf("after Abort: %v", got)
	}
	o, _ = Begin(dir)
	o.Stage(JSONFile, text("new"))
	o.Reserve(VideoFile)
	o.Drop(VideoFile) // the video failed
	if err := o.Commit(nil); err != nil {
		t.Fatal(err)
	}
	if got := testenv.DirNames(t, dir); !slices.Equal(got, []string{JSONFile}) {
		t.Errorf("after a partial Commit: %v, want only report.json", got)
	}
	if _, err := ReadManifest(dir); !errors.Is(err, ErrNoManifest) {
		t.Errorf("ReadManifest: %v, want ErrNoManifest", err)
	}
}

// TestWriteJSONRejectsInvalid: a report outside its schema (the review's
// upside-down person gave person_height_fraction -0.32) is an error and
// writes nothing.
func TestWriteJSONRejectsInvalid(t *testing.T) {
	d := analyzed(t, synth.Config{Reps: 1})
	d.Report.Quality.PersonHeightFraction = -0.32
	var buf bytes.Buffer
	if err := WriteJSON(&buf, d); !errors.Is(err, ErrInvalidReport) || buf.Len() != 0 {
		t.Errorf("WriteJSON: %v with %d bytes, want ErrInvalidReport and nothing", err, buf.Len())
	}
	dir := t.TempDir()
	o, _ := Begin(dir)
	if err := o.StageReport(context.Background(), d, JSONFile); !errors.Is(err, ErrInvalidReport) {
		t.Errorf("StageReport: %v", err)
	}
	o.Abort()
	if got := testenv.DirNames(t, dir); len(got) != 0 {
		t.Errorf("left %v", got)
	}
}

func TestDecodeManifest(t *testing.T) {
	good := `{"version":1,"tool":"t","input":{"path":"a.mp4","sha256":"` + digestA + `"},"settings":"` + digestB + `","files":[{"name":"report.json","size":3,"sha256":"` + digestA + `"}]}`
	if _, err := DecodeManifest([]byte(good)); err != nil {
		t.Fatalf("good manifest: %v", err)
	}
	for name, doc := range map[string]string{
		"empty":           ``,
		"not json":        `report`,
		"version 2":       strings.Replace(good, `"version":1`, `"version":2`, 1),
		"short digest":    strings.Replace(good, digestB, "abc", 1),
		"upper-case hex":  strings.Replace(good, digestB, strings.ToUpper(digestB), 1),
		"foreign file":    strings.Replace(good, `"report.json"`, `"../../etc/passwd"`, 1),
		"negative size":   strings.Replace(good, `"size":3`, `"size":-3`, 1),
		"unknown field":   strings.Replace(good, `"tool":"t"`, `"tool":"t","x":1`, 1),
		"trailing data":   good + `{}`,
		"listed twice":    strings.Replace(good, `]}`, `,{"name":"report.json","size":3,"sha256":"`+digestA+`"}]}`, 1),
		"array":           `[]`,
		"huge":            `{"tool":"` + strings.Repeat("x", maxManifestSize) + `"}`,
		"wrong type size": strings.Replace(good, `"size":3`, `"size":"3"`, 1),
	} {
		if _, err := DecodeManifest([]byte(doc)); !errors.Is(err, ErrBadManifest) {
			t.Errorf("%s: %v, want ErrBadManifest", name, err)
		}
	}
}

// FuzzDecodeManifest: whatever the bytes, DecodeManifest returns a well
// formed manifest or ErrBadManifest, and never panics. Seeds are in
// testdata/fuzz/FuzzDecodeManifest.
func FuzzDecodeManifest(f *testing.F) {
	f.Add([]byte(`{"version":1,"tool":"t","input":{"path":"a.mp4","sha256":"` + digestA + `"},"settings":"` + digestB + `","files":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeManifest(b)
		if err != nil {
			if !errors.Is(err, ErrBadManifest) {
				t.Fatalf("error %v does not wrap ErrBadManifest", err)
			}
			return
		}
		for _, e := range m.Files {
			if !slices.Contains(OutputFiles, e.Name) || e.Size < 0 || !isDigest(e.SHA256) {
				t.Fatalf("accepted entry %+v", e)
			}
		}
	})
}
