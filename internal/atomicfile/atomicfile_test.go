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
