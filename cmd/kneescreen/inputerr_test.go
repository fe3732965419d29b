package main

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/internal/sample"
	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/screening"
)

// TestAnalyzeSaysWhatToDo: each input analyze cannot read is named on
// stderr in one line with its cause and what to do about it: a folder of
// videos given without --recursive is told to add it.
func TestAnalyzeSaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	clip, err := os.ReadFile(testenv.Testdata(t, sample.FixtureFile))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := write("empty.mp4", nil)
	notes := write("notes.mp4", []byte("not a video\n"))
	cut := write("cut.mp4", clip[:len(clip)/2])
	write("clips/a.mp4", clip)
	clips := filepath.Join(dir, "clips")
	write("frames/0001.jpg", []byte("not a JPEG"))
	frames := filepath.Join(dir, "frames")
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 64, 64)), nil); err != nil {
		t.Fatal(err)
	}
	write("cutframes/0001.jpg", jpg.Bytes())
	write("cutframes/0002.jpg", jpg.Bytes()[:jpg.Len()-2])
	cutFrames := filepath.Join(dir, "cutframes")
	photo := write("photo.jpg", jpg.Bytes()[:jpg.Len()-2])
	missing := filepath.Join(dir, "missing.mp4")
	want := map[string]string{
		missing:     "not found; check the name and the folder",
		"/dev/null": "not a regular file but a character device; give a video file",
		empty:       "file is empty; copy or export the recording again",
		notes:       "not a video file that FFmpeg can decode; give a video with a picture",
		cut:         "file is truncated or corrupt: mp4 box",
		clips:       "no images (.jpg .jpeg .png .bmp .tif .tiff .webp) in folder; it holds videos: add --recursive to analyse each one",
		frames:      "image cannot be decoded: not a JPEG, PNG, BMP, TIFF or WebP image; replace or remove that image",
		cutFrames:   "cutframes/0002.jpg: file is truncated or corrupt: jpeg ends before its end-of-image marker (FF D9); re-export that image or remove it from the folder",
		photo:       "file is truncated or corrupt: jpeg ends before its end-of-image marker (FF D9); copy or export the image again",
	}
	var stdout, stderr bytes.Buffer
	args := []string{"analyze", "--formats", "json", "--out", filepath.Join(dir, "out"), empty, notes, cut, clips, frames, cutFrames, photo, missing, "/dev/null"}
	if code := run(context.Background(), args, &stdout, &stderr); code != exitFailed {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitFailed, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != len(want)+1 {
		t.Fatalf("%d lines on stderr, want one per input and the count:\n%s", len(lines), stderr.String())
	}
	for in, msg := range want {
		found := false
		for _, l := range lines {
			if strings.Contains(l, " "+in) || strings.Contains(l, " "+in+"/") {
				found = strings.Contains(l, msg)
				if !found {
					t.Errorf("%s: %q lacks %q", in, l, msg)
				}
				break
			}
		}
		if !found && !t.Failed() {
			t.Errorf("no line names %s:\n%s", in, stderr.String())
		}
	}
	if !strings.Contains(stderr.String(), "the copy is incomplete or damaged: copy or export the recording again") {
		t.Errorf("the truncated clip's line does not say what to do:\n%s", stderr.String())
	}
}

// TestOneRefusedInputOneLine: one input that is refused gives one line on
// stderr (the input's, saying what to do), not a count of failed inputs
// after it, and exit code 1; analyze leaves no empty --out folder it made
// for it (nor the parents it made), but keeps one that was there.
func TestOneRefusedInputOneLine(t *testing.T) {
	dir := t.TempDir()
	clip, err := os.ReadFile(testenv.Testdata(t, sample.FixtureFile))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.mp4")
	if err := os.WriteFile(cut, clip[:len(clip)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "existing")
	if err := os.Mkdir(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	made := filepath.Join(dir, "new", "deeper", "out")
	for _, tc := range []struct {
		name string
		args []string
		keep string // a folder that must still be there ("": none)
	}{
		{"analyze, new folder", []string{"analyze", "--formats", "json", "--progress", "never", "--out", made, cut}, ""},
		{"analyze, existing folder", []string{"analyze", "--formats", "json", "--progress", "never", "--out", existing, cut}, existing},
		{"probe", []string{"probe", cut}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tc.args, &stdout, &stderr); code != exitFailed {
				t.Fatalf("exit %d, want %d; stderr %s", code, exitFailed, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], "cut.mp4: file is truncated or corrupt") {
				t.Errorf("stderr %q, want one line naming the cut clip", stderr.String())
			}
			if _, err := os.Stat(filepath.Join(dir, "new")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the --out folder made for the refused input is still there (%v)", err)
			}
			if tc.keep != "" {
				if st, err := os.Stat(tc.keep); err != nil || !st.IsDir() {
					t.Errorf("the --out folder that was there before is gone: %v", err)
				}
			}
		})
	}
}

// TestAnalyzeRefusesEmptyRoom: a video in which nobody is seen is
// refused in one line that says so and what to film, with exit code 1, and
// the --out folder's earlier report is left as it was.
func TestAnalyzeRefusesEmptyRoom(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.mp4")
	writeClip(t, empty, 40, 320, 240, 20)
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	args := []string{"analyze", "--formats", "json", "--progress", "never", "--out", out}
	if code := run(context.Background(), append(args, testenv.Testdata(t, sample.FixtureFile)), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d on the sample: %s", code, stderr.String())
	}
	before, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	if code := run(context.Background(), append(args, empty), &stdout, &stderr); code != exitFailed {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitFailed, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "empty.mp4") || !strings.Contains(lines[0], "no person to screen") ||
		!strings.Contains(lines[0], "40 frames") || !strings.Contains(lines[0], "film the whole body") {
		t.Errorf("stderr %q, want one line naming the clip, that nobody is in its 40 frames and what to film", stderr.String())
	}
	if after, err := os.ReadFile(filepath.Join(out, "report.json")); err != nil || !bytes.Equal(after, before) {
		t.Errorf("the earlier report.json was changed or removed (%v)", err)
	}
}

// TestAnalyzeRefusesLargeNonVideoAtOnce: an input that is no video is
// refused when it is opened, not after all of it has been hashed: 64 GiB
// of zeros (a sparse file, as a broken upload may be) is named on stderr in
// seconds, where reading it all takes half a minute or more.
func TestAnalyzeRefusesLargeNonVideoAtOnce(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "upload.mp4")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 30); err != nil {
		f.Close()
		t.Skipf("no sparse files here: %v", err)
	}
	f.Close()
	start := time.Now()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"analyze", "--formats", "json", "--out", filepath.Join(dir, "out"), big}, &stdout, &stderr)
	if code != exitFailed || !strings.Contains(stderr.String(), big+": not a video file") {
		t.Fatalf("exit %d, stderr %q; want 1 and the file named as no video", code, stderr.String())
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("refused after %v", d)
	}
}

// TestAnalyzeSaysWhyNothingWasGraded: a video nobody is in gets its report
// and a summary line that says what was wrong and what to film instead,
// not only the problem's code.
func TestAnalyzeSaysWhyNothingWasGraded(t *testing.T) {
	r := &screening.Report{}
	r.Quality.Problems = []screening.Problem{{Code: screening.ProblemNoPerson, Message: "no person found in the video: film the whole body, well lit, one person in view"}}
	if got, want := findingsLine(r), "not assessable: no person found in the video: film the whole body, well lit, one person in view"; got != want {
		t.Errorf("findingsLine %q, want %q", got, want)
	}
	r.Quality.Problems[0].Message = ""
	if got := findingsLine(r); got != "not assessable: no_person" {
		t.Errorf("without a message: %q", got)
	}
}
