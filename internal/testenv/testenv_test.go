package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSharedDirHonoursEnv(t *testing.T) {
	d := t.TempDir()
	t.Setenv(EnvShared, d)
	if got := SharedDir(); got != d {
		t.Fatalf("SharedDir() = %q, want %q", got, d)
	}
	t.Setenv(EnvShared, filepath.Join(d, "missing"))
	if got := SharedDir(); got != "" {
		t.Fatalf("SharedDir() with a missing dir = %q, want empty", got)
	}
	if err := os.Mkdir(filepath.Join(d, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvShared, d)
	if got := Shared(t, "x"); got != filepath.Join(d, "x") {
		t.Fatalf("Shared = %q", got)
	}
}
