package kernels

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedAssemblyUpToDate reruns the avo generator and fails when the
// committed assembly or stubs differ from its output, so edits to asmgen
// cannot be forgotten (run `go generate` in this package to fix).
func TestGeneratedAssemblyUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	dir := t.TempDir()
	cmd := exec.Command(goTool, "run", "./asmgen",
		"-out", filepath.Join(dir, "kernels_amd64.s"),
		"-stubs", filepath.Join(dir, "stubs_amd64.go"),
		"-pkg", "kernels")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator failed: %v\n%s", err, out)
	}
	for _, name := range []string{"kernels_amd64.s", "stubs_amd64.go"} {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		// The first line names the command line, which differs in paths.
		if !bytes.Equal(dropFirstLine(got), dropFirstLine(want)) {
			t.Errorf("%s is stale: run go generate in models/engine/internal/kernels", name)
		}
	}
}

func dropFirstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}
