// Package testenv finds the optional shared test material (real footage and
// reference keypoints) that lives beside the repository on development and
// CI machines but not on users' machines.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// EnvShared names the environment variable that overrides where the shared
// material is looked for.
const EnvShared = "KNEESCREEN_SHARED"

// SharedDir returns the shared material's directory, or "" when it cannot be
// found. It honours $KNEESCREEN_SHARED, else looks for a "shared" folder
// beside the repository root (found by walking up to go.mod).
func SharedDir() string {
	if d := os.Getenv(EnvShared); d != "" {
		if isDir(d) {
			return d
		}
		return ""
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(filepath.Dir(dir), "shared")
			if isDir(d) {
				return d
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Shared returns the path of rel inside the shared material, skipping the
// test when the material or that path is absent.
func Shared(tb testing.TB, rel string) string {
	tb.Helper()
	d := SharedDir()
	if d == "" {
		tb.Skipf("shared test material not found (set %s); skipping", EnvShared)
	}
	p := filepath.Join(d, rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared test material %s absent; skipping", p)
	}
	return p
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
