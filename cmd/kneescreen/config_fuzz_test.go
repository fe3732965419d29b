package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzConfig feeds arbitrary config files to the analyze command (its run
// replaced, so only configuration is exercised): YAML that does not parse,
// unknown sections and keys, values of the wrong type or range. Each is
// either accepted or one usage error (exit 2) on one line; nothing panics.
// Seeds are in testdata/fuzz/FuzzConfig.
func FuzzConfig(f *testing.F) {
	for _, seed := range []string{
		"analyze:\n  sex: female\n  formats: json,csv\nthresholds:\n  fppa:\n    female_flag_deg: 16\nfilter:\n  cutoff_hz: 5\n",
		"analyse:\n  sex: female\n",
		"threshold:\n  fppa:\n    female_flag_deg: 16\n",
		"analyze:\n  threads: 1000000\n  lanes: -1\n  image-fps: .inf\n",
		"analyze: [1, 2]\n",
		"thresholds: 3\n",
		"analyze:\n  formats: [json, {a: b}]\n",
		"a: &a [*a]\n",
		"analyze:\n  video-max-side: 1\n  out: ''\n",
		"\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, doc []byte) {
		path := filepath.Join(dir, "k.yaml")
		if err := os.WriteFile(path, doc, 0o644); err != nil {
			t.Fatal(err)
		}
		code, stderr, _ := runAnalyzeCapture(t, []string{"analyze", "--config", path, "a.mp4"})
		switch code {
		case exitOK:
		case exitUsage:
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "kneescreen: ") {
				t.Fatalf("usage error %q: want one line", stderr)
			}
		default:
			t.Fatalf("exit %d for a config file; stderr %q", code, stderr)
		}
	})
}
