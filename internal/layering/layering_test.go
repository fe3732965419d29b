package layering

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// pureGo lists the packages (patterns) that must build with CGO_ENABLED=0:
// everything but the edges that read and write frames. The Makefile's
// NOCGO_PKGS vets the same list without cgo.
var pureGo = []string{"./pose/...", "./models/...", "./screening/...", "./overlay/...",
	"./server", "./server/auth/...", "./server/store/...", "./server/queue/...", "./server/worker/...", "./server/web/...",
	"./internal/live", "./internal/yuv", "./internal/bgr"}

// cgoEdges are the only packages allowed to import GoCV.
var cgoEdges = []string{"github.com/kneescreen/kneescreen/vision", "github.com/kneescreen/kneescreen/cmd/kneescreen"}

const gocv = "gocv.io/x/gocv"

// goTool returns the go command and the module's root directory.
func goTool(t *testing.T) (string, string) {
	t.Helper()
	// go test puts its own GOROOT/bin first on the PATH of test binaries.
	bin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not available")
	}
	out, err := exec.Command(bin, "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return bin, filepath.Dir(strings.TrimSpace(string(out)))
}

func goCmd(t *testing.T, cgo bool, args ...string) (string, error) {
	t.Helper()
	bin, root := goTool(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if cgo {
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestPureGoPackagesBuildWithoutCgo builds the pure-Go layers with cgo off
// and checks that none of them depends on GoCV.
func TestPureGoPackagesBuildWithoutCgo(t *testing.T) {
	if out, err := goCmd(t, false, append([]string{"build"}, pureGo...)...); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build %s: %v\n%s", strings.Join(pureGo, " "), err, out)
	}
	out, err := goCmd(t, true, append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, pureGo...)...)
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(out) {
		if strings.HasPrefix(p, gocv) {
			t.Errorf("a pure-Go package depends on %s", p)
		}
	}
}

// TestOnlyEdgesImportGoCV checks every package of the module: only the
// edges import GoCV directly.
func TestOnlyEdgesImportGoCV(t *testing.T) {
	out, err := goCmd(t, true, "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...")
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	edges := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !slices.ContainsFunc(f[1:], func(s string) bool { return strings.HasPrefix(s, gocv) }) {
			continue
		}
		if !slices.Contains(cgoEdges, f[0]) {
			t.Errorf("%s imports GoCV; only %v may", f[0], cgoEdges)
		}
		edges++
	}
	if edges == 0 {
		t.Error("no package imports GoCV: the check saw nothing")
	}
}
