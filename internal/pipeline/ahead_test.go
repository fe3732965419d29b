package pipeline

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/vision"
)

// TestRunTakesInputOpenedAhead: Run analyses the source OpenAhead opened
// for its input, to the same report as opening the input itself, and
// leaves one opened for another input to Close.
func TestRunTakesInputOpenedAhead(t *testing.T) {
	in, _ := writeClip(t, testClipConfig(1), false)
	cfg := defaultConfig(t, report.FormatJSON)
	dir := t.TempDir()
	run := func(name string, ahead *Ahead) []byte {
		t.Helper()
		c := cfg
		c.Ahead = ahead
		out := filepath.Join(dir, name)
		if _, err := Run(context.Background(), in, out, c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		doc, err := os.ReadFile(filepath.Join(out, report.JSONFile))
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	want := run("opened-by-run", nil)

	ahead := OpenAhead(in, cfg.ImageFPS)
	got := run("opened-ahead", ahead)
	if !ahead.taken.Load() || ahead.src == nil {
		t.Fatal("Run did not take the source opened ahead for its input")
	}
	ahead.Close() // Run closed it; Close must not again
	if !bytes.Equal(got, want) {
		t.Error("report.json differs when the input was opened ahead")
	}

	// Opened ahead for another input: Run opens its own, the other stays
	// for Close.
	other := OpenAhead(in, cfg.ImageFPS+1)
	if got := run("other-settings", other); !bytes.Equal(got, want) {
		t.Error("report.json differs beside an input opened ahead with other settings")
	}
	if other.taken.Load() {
		t.Fatal("Run took a source opened ahead with another image rate")
	}
	other.Close()
	if !other.taken.Load() {
		t.Error("Close left the source opened ahead open")
	}
}

// TestRunReportsErrorOfInputOpenedAhead: opening ahead changes nothing of
// an input's error, which Run returns when it takes the source.
func TestRunReportsErrorOfInputOpenedAhead(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.mp4")
	cfg := defaultConfig(t, report.FormatJSON)
	_, want := Run(context.Background(), missing, filepath.Join(t.TempDir(), "a"), cfg)
	cfg.Ahead = OpenAhead(missing, cfg.ImageFPS)
	defer cfg.Ahead.Close()
	_, err := Run(context.Background(), missing, filepath.Join(t.TempDir(), "b"), cfg)
	if err == nil || want == nil || err.Error() != want.Error() || !errors.Is(err, vision.ErrNotFound) {
		t.Errorf("opened ahead: %v; opened by Run: %v; want the same not-found error", err, want)
	}
}
