package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// SmallFS mounts a fresh tmpfs of size bytes at a temporary folder and
// returns it, unmounted when the test ends: a real file system that fills
// up, for tests of what happens on a full disk. It needs root and a kernel
// that lets the process mount (a container may not); the test is skipped
// otherwise.
func SmallFS(tb testing.TB, size int) string {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("testenv: a small file system needs root to mount a tmpfs; skipping")
	}
	dir := tb.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0755", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		tb.Skipf("testenv: cannot mount a tmpfs here (%v: %s); skipping", err, out)
	}
	tb.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			tb.Errorf("testenv: umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// DirNames lists the names of a folder's entries, in name order (what a
// test compares against the files a run should have written).
func DirNames(tb testing.TB, dir string) []string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
