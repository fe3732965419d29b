package testenv

import (
	"os"
	"path/filepath"
	"strings"
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

func TestParseReferences(t *testing.T) {
	line := `{"image":"a_192.png","model":"movenet-lightning","keypoints":[[0.25,0.5,0.75]]}`
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr string
	}{
		{"one line", line + "\n", 1, ""},
		{"no final newline", line + "\n" + line, 2, ""},
		{"empty", "", 0, ""},
		{"bad second line", line + "\n{\"image\":", 0, ":2: "},
		{"wrong keypoint type", `{"keypoints":"x"}`, 0, ":1: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refs, err := parseReferences(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want prefix %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(refs) != tt.want {
				t.Fatalf("%d references, want %d", len(refs), tt.want)
			}
			if tt.want > 0 {
				r := refs[0]
				if r.Image != "a_192.png" || r.Model != "movenet-lightning" || len(r.Keypoints) != 1 || r.Keypoints[0] != [3]float64{0.25, 0.5, 0.75} {
					t.Fatalf("refs[0] = %+v", r)
				}
			}
		})
	}
}

func TestNPMModels(t *testing.T) {
	t.Setenv(EnvNPMModels, "/some/dir")
	if got := NPMModels(t); got != "/some/dir" {
		t.Fatalf("NPMModels = %q", got)
	}
}
