package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/vision"
)

func TestSampleCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sub", "demo.mp4")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no out", []string{"sample"}, exitUsage, "--out must name a video file"},
		{"no reps", []string{"sample", "--out", out, "--reps", "0"}, exitUsage, "--reps must be 1..20"},
		{"absurd valgus", []string{"sample", "--out", out, "--valgus-left", "80"}, exitUsage, "valgus must be within"},
		{"one rep", []string{"sample", "--out", out, "--reps", "1"}, exitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.wantCode || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tt.wantCode, tt.wantErr)
			}
			if code != exitOK {
				return
			}
			pr, err := vision.Probe(context.Background(), out)
			if err != nil {
				t.Fatal(err)
			}
			if pr.Width != 1280 || pr.Height != 720 || pr.FPS != 30 || pr.FrameCount < 60 {
				t.Errorf("sample clip %+v, want 1280x720 at 30 fps", pr)
			}
			if !strings.Contains(stdout.String(), "synthetic squat, 1 reps") {
				t.Errorf("stdout %q", stdout.String())
			}
		})
	}
}
