package kernels

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestGODEBUGSelectsPath runs this test binary again with CPU features
// switched off through GODEBUG and checks the kernels pick the narrower
// path, so users (and CI) can force the AVX2 or portable code.
func TestGODEBUGSelectsPath(t *testing.T) {
	if os.Getenv("KERNELS_PRINT_IMPL") != "" {
		t.Logf("impl=%v", Current())
		return
	}
	best := Available()[len(Available())-1]
	cases := []struct {
		godebug string
		want    Impl
	}{
		{"cpu.avx512f=off", min(best, ImplAVX2)},
		{"cpu.avx512f=off,cpu.avx2=off", ImplGo},
		{"cpu.fma=off", ImplGo},
	}
	for _, tc := range cases {
		cmd := exec.Command(os.Args[0], "-test.run=^TestGODEBUGSelectsPath$", "-test.v")
		cmd.Env = append(os.Environ(), "KERNELS_PRINT_IMPL=1", "GODEBUG="+tc.godebug)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.godebug, err, out)
		}
		if !strings.Contains(string(out), "impl="+tc.want.String()) {
			t.Errorf("GODEBUG=%s: want impl=%v, child said:\n%s", tc.godebug, tc.want, out)
		}
	}
}
