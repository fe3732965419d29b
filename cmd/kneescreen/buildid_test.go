package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoBuildID reads the test binary's Go build ID as `go tool buildid`
// prints it, and finds none in a file that is not an executable.
func TestGoBuildID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	out, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err != nil {
		t.Skipf("go tool buildid: %v", err)
	}
	want := strings.TrimSpace(string(out))
	if got := goBuildID(exe); got != want || want == "" {
		t.Errorf("goBuildID = %q, go tool buildid says %q", got, want)
	}
	if d := buildDigest(); d != "go-buildid:"+want {
		t.Errorf("buildDigest = %q, want the build ID", d)
	}
	other := filepath.Join(t.TempDir(), "not-elf")
	if err := os.WriteFile(other, []byte("#!/bin/sh\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := goBuildID(other); got != "" {
		t.Errorf("goBuildID of a shell script = %q, want none", got)
	}
}
