package vision

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestVideoWriterFailures(t *testing.T) {
	dir := t.TempDir()
	entries := func() int { e, _ := os.ReadDir(dir); return len(e) }

	w, err := CreateVideo(filepath.Join(dir, "a.mp4"), 30, 64, 48)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(patternFrame(48, 64, 0)); err == nil || !strings.Contains(err.Error(), "frame is 48x64, video is 64x48") {
		t.Errorf("wrong-size frame: %v", err)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "no frames written; nothing saved") {
		t.Errorf("Close without frames: %v", err)
	}
	if err := w.Write(patternFrame(64, 48, 0)); !errors.Is(err, ErrWriterClosed) {
		t.Errorf("Write after Close: %v, want ErrWriterClosed", err)
	}
	if n := entries(); n != 0 {
		t.Errorf("%d files left after an empty video", n)
	}

	w, err = CreateVideo(filepath.Join(dir, "b.mp4"), 30, 64, 48)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(patternFrame(64, 48, 0))
	if n := entries(); n != 1 {
		t.Errorf("%d files while writing, want the one temporary file", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.mp4")); !os.IsNotExist(err) {
		t.Errorf("destination exists before Close: %v", err)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if n := entries(); n != 0 {
		t.Errorf("%d files left after Abort", n)
	}

	if _, err := CreateVideo(filepath.Join(dir, "no", "such", "dir.mp4"), 30, 64, 48); err == nil || !strings.HasPrefix(err.Error(), "vision: create ") {
		t.Errorf("missing directory: %v", err)
	}
	if _, err := CreateVideo(filepath.Join(dir, "c.mp4"), 0, 64, 48); err == nil || !strings.Contains(err.Error(), "need positive fps and size") {
		t.Errorf("fps 0: %v", err)
	}
}

func TestCodecsFor(t *testing.T) {
	tests := map[string][]string{
		".mp4": {"avc1", "mp4v"}, ".MOV": {"avc1", "mp4v"}, ".avi": {"MJPG"}, ".webm": {"VP80"}, ".mkv": {"avc1", "mp4v", "MJPG"},
	}
	for ext, want := range tests {
		if got := codecsFor(ext); !reflect.DeepEqual(got, want) {
			t.Errorf("codecsFor(%q) = %v, want %v", ext, got, want)
		}
	}
}

// TestVideoWriterFileMode checks a saved video is readable by others, like
// any file the user creates, not private like its temporary file.
func TestVideoWriterFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.mp4")
	w, err := CreateVideo(path, 30, 64, 48)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(patternFrame(64, 48, 0)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o644 {
		t.Errorf("mode %v, want -rw-r--r--", got)
	}
}
