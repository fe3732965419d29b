package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "report.json")
	for _, content := range []string{"first", "second, longer content"} {
		if err := WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != content {
			t.Fatalf("read back %q, %v; want %q", got, err, content)
		}
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	assertOnly(t, dir, "report.json")
}

func TestAbortLeavesDestinationUntouched(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("half-writ")
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Errorf("destination = %q after abort, want %q", got, "old")
	}
	assertOnly(t, dir, "out.csv")
	if err := f.Commit(); err == nil {
		t.Error("Commit after Abort succeeded")
	}
}

func TestTempPathKeepsExtension(t *testing.T) {
	dir := t.TempDir()
	tmp, err := TempPath(filepath.Join(dir, "annotated.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(tmp)
	if filepath.Dir(tmp) != dir || !strings.HasPrefix(base, ".annotated.tmp-") || filepath.Ext(base) != ".mp4" {
		t.Errorf("temp path %q: want hidden, beside the destination, ending .mp4", tmp)
	}
	if err := os.WriteFile(tmp, []byte("video"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Publish(tmp, filepath.Join(dir, "annotated.mp4")); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, dir, "annotated.mp4")
}

func TestCreateInMissingDirectoryFails(t *testing.T) {
	_, err := Create(filepath.Join(t.TempDir(), "no", "such", "f.txt"), 0o644)
	if err == nil || !strings.HasPrefix(err.Error(), "atomicfile: ") {
		t.Errorf("err = %v, want an atomicfile error", err)
	}
}

// assertOnly checks that dir holds exactly the named file (no leftovers).
func assertOnly(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != name {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only %s", names, name)
	}
}

// TestRemoveTemps: the temporary files of the named outputs (also nested
// ones) go, everything else stays, including look-alikes.
func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	var temps []string
	for _, name := range []string{"report.json", "annotated.mp4"} {
		tmp, err := TempPath(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		temps = append(temps, tmp)
	}
	nested, err := TempPath(temps[1]) // a writer staging into a temporary name
	if err != nil {
		t.Fatal(err)
	}
	temps = append(temps, nested)
	keep := []string{"report.json", ".hidden", ".notes.tmp-1.txt", ".report.tmp-1.csv", "report.tmp-1.json", ".other.tmp-1.json"}
	for _, k := range keep {
		if err := os.WriteFile(filepath.Join(dir, k), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n, err := RemoveTemps(dir, "report.json", "annotated.mp4")
	if err != nil || n != len(temps) {
		t.Fatalf("RemoveTemps = %d, %v; want %d", n, err, len(temps))
	}
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if len(got) != len(keep) {
		t.Errorf("left %v, want %v", got, keep)
	}
}
