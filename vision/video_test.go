package vision

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readAll reads the rest of src, checking that indices continue from
// next, and keeps times and decoded pattern indices.
func readAll(t *testing.T, src FrameSource, next int) (times []float64, ids []int) {
	t.Helper()
	ctx := context.Background()
	for {
		f, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			return times, ids
		}
		if err != nil {
			t.Fatalf("frame %d: %v", len(times), err)
		}
		if f.Index != next+len(times) {
			t.Fatalf("frame %d has Index %d", next+len(times), f.Index)
		}
		info := src.Info()
		if f.Image.Rect.Dx() != info.Width || f.Image.Rect.Dy() != info.Height {
			t.Fatalf("frame %d is %v, Info says %dx%d", f.Index, f.Image.Rect, info.Width, info.Height)
		}
		times = append(times, f.Time)
		ids = append(ids, decodeIndex(f.Image))
	}
}

func TestWrittenVideosReadBackExactly(t *testing.T) {
	const n, w, h, fps = 30, 160, 96, 25.0
	tests := []struct {
		file, codec, container string
	}{
		{"clip.mp4", "avc1", "mp4"},
		{"clip.avi", "MJPG", "avi"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.file)
			vw, err := CreateVideo(path, fps, w, h)
			if err != nil {
				t.Fatal(err)
			}
			if vw.Codec() != tt.codec {
				t.Errorf("writer codec %q, want %q", vw.Codec(), tt.codec)
			}
			for i := 0; i < n; i++ {
				if err := vw.Write(patternFrame(w, h, i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := vw.Close(); err != nil {
				t.Fatal(err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("directory holds %d entries after Close, want only the video", len(entries))
			}

			v, err := OpenVideo(path)
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			info := v.Info()
			want := Info{Path: path, Kind: KindVideo, Container: tt.container, Codec: tt.codec, Width: w, Height: h,
				FPS: fps, FrameCount: n, Duration: n / fps}
			if info != want {
				t.Errorf("Info = %+v\nwant   %+v", info, want)
			}
			f, err := v.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if q := quadrants(f.Image); !near(q[0], colTL, 25) || !near(q[1], colTR, 25) || !near(q[2], colBL, 25) || !near(q[3], colBR, 25) {
				t.Errorf("frame 0 quadrant colours %v, want red, green, blue, white", q)
			}
			id0 := decodeIndex(f.Image) // before Next reuses the buffer
			times, ids := readAll(t, v, 1)
			times, ids = append([]float64{f.Time}, times...), append([]int{id0}, ids...)
			if len(times) != n {
				t.Fatalf("decoded %d frames, wrote %d", len(times), n)
			}
			for i := range times {
				if math.Abs(times[i]-float64(i)/fps) > 1e-6 || ids[i] != i {
					t.Errorf("frame %d: time %.6f (want %.6f), pattern index %d", i, times[i], float64(i)/fps, ids[i])
				}
			}
			if _, err := v.Next(context.Background()); !errors.Is(err, io.EOF) {
				t.Errorf("Next after the end: %v, want io.EOF", err)
			}
		})
	}
}

func TestFFmpegCodecs(t *testing.T) {
	const n, fps = 24, 15
	tests := []struct {
		file      string
		args      []string
		container string
		codec     string
	}{
		{"h264.mp4", []string{"-c:v", "libx264", "-pix_fmt", "yuv420p"}, "mp4", "avc1"},
		{"h264.mov", []string{"-c:v", "libx264", "-pix_fmt", "yuv420p"}, "mov", "avc1"},
		{"mpeg4.mp4", []string{"-c:v", "mpeg4"}, "mp4", "mp4v"},
		{"vp8.webm", []string{"-c:v", "libvpx", "-b:v", "500k"}, "webm", ""},
		{"vp9.webm", []string{"-c:v", "libvpx-vp9", "-b:v", "500k"}, "webm", ""},
		{"mjpeg.avi", []string{"-c:v", "mjpeg"}, "avi", "MJPG"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			path := tempPath(t, tt.file)
			ffmpeg(t, append([]string{"-f", "lavfi", "-i", fmt.Sprintf("testsrc=size=96x64:rate=%d", fps), "-frames:v", fmt.Sprint(n), "-threads", "1"}, append(tt.args, path)...)...)
			r, err := Probe(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			if r.Container != tt.container || r.Width != 96 || r.Height != 64 || r.FPS != fps || r.FrameCount != n ||
				math.Abs(r.Duration-float64(n)/fps) > 1e-3 || r.Rotation != 0 || (tt.codec != "" && r.Codec != tt.codec) {
				t.Errorf("Probe = %+v; want %s, %s, 96x64, %d fps, %d frames, %.3f s", r, tt.container, tt.codec, fps, n, float64(n)/fps)
			}
			v, err := OpenVideo(path)
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			times, _ := readAll(t, v, 0)
			for i, got := range times {
				if math.Abs(got-float64(i)/fps) > 1e-3 { // webm stores milliseconds
					t.Errorf("frame %d at %.4f s, want %.4f", i, got, float64(i)/fps)
				}
			}
		})
	}
}

// TestVariableFrameRateTimestamps checks that frame times come from the
// container: a clip with a 0.48 s gap after frame 9 keeps the gap.
func TestVariableFrameRateTimestamps(t *testing.T) {
	path := tempPath(t, "vfr.mp4")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc=size=96x64:rate=25", "-frames:v", "20",
		"-vf", `setpts=(N+if(gte(N\,10)\,12\,0))/(25*TB)`, "-fps_mode", "passthrough",
		"-c:v", "libx264", "-bf", "0", "-threads", "1", path)
	v, err := OpenVideo(path)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	times, _ := readAll(t, v, 0)
	if len(times) != 20 {
		t.Fatalf("decoded %d frames, want 20", len(times))
	}
	for i, got := range times {
		want := float64(i) / 25
		if i >= 10 {
			want += 12.0 / 25
		}
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("frame %d at %.4f s, want %.4f", i, got, want)
		}
	}
}

// TestRotationMetadata checks that phone-style rotation tags come out
// upright, exactly as ffmpeg itself displays the file.
func TestRotationMetadata(t *testing.T) {
	const w, h = 160, 96
	src := writePatternVideo(t, tempPath(t, "upright.mp4"), 5, w, h, 30)
	for _, tag := range []int{0, 90, 180, 270} {
		t.Run(fmt.Sprintf("rotate=%d", tag), func(t *testing.T) {
			path := tempPath(t, "rotated.mp4")
			ffmpeg(t, "-i", src, "-c", "copy", "-metadata:s:v:0", fmt.Sprintf("rotate=%d", tag), path)
			wantRot := ffprobeRotation(t, path)
			if (tag == 0) != (wantRot == 0) {
				t.Fatalf("ffmpeg wrote rotation %d for tag %d", wantRot, tag)
			}
			ref := ffmpegFrame(t, path)

			v, err := OpenVideo(path)
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			info := v.Info()
			if info.Rotation != wantRot || info.Width != ref.Rect.Dx() || info.Height != ref.Rect.Dy() {
				t.Errorf("Info rotation %d size %dx%d; ffmpeg shows rotation %d size %dx%d",
					info.Rotation, info.Width, info.Height, wantRot, ref.Rect.Dx(), ref.Rect.Dy())
			}
			f, err := v.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got, want := quadrants(f.Image), quadrants(ref)
			for q := range got {
				for c := 0; c < 3; c++ {
					if math.Abs(got[q][c]-want[q][c]) > 12 {
						t.Fatalf("quadrant %d colour %v, ffmpeg shows %v (frame not upright)", q, got[q], want[q])
					}
				}
			}
		})
	}
}

// TestMetaRotation covers OpenCV's sign bug in 4.6.0 and the fixed
// behaviour of other versions.
func TestMetaRotation(t *testing.T) {
	tests := []struct {
		meta    float64
		version string
		want    int
	}{
		{0, "4.6.0", 0}, {90, "4.6.0", 270}, {270, "4.6.0", 90}, {180, "4.6.0", 180}, {-90, "4.6.0", 90},
		{90, "4.8.0", 90}, {270, "4.5.5", 270}, {450, "4.8.0", 90}, {45, "4.8.0", 0},
	}
	for _, tt := range tests {
		if got := metaRotation(tt.meta, tt.version); got != tt.want {
			t.Errorf("metaRotation(%v, %s) = %d, want %d", tt.meta, tt.version, got, tt.want)
		}
	}
}

func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	good := writePatternVideo(t, filepath.Join(dir, "good.mp4"), 60, 320, 240, 25)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	faststart := filepath.Join(dir, "faststart.mp4")
	ffmpeg(t, "-i", good, "-c", "copy", "-movflags", "+faststart", faststart)
	fsData, err := os.ReadFile(faststart)
	if err != nil {
		t.Fatal(err)
	}
	webm := filepath.Join(dir, "good.webm")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc=size=96x64:rate=15", "-frames:v", "30", "-c:v", "libvpx", webm)
	webmData, _ := os.ReadFile(webm)
	avi := writePatternVideo(t, filepath.Join(dir, "good.avi"), 10, 96, 64, 25)
	aviData, _ := os.ReadFile(avi)

	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Overwrite the second half of the media data: the index is intact,
	// the frames after the damage are not.
	corrupt := append([]byte(nil), fsData...)
	for i := len(corrupt) / 2; i < len(corrupt); i++ {
		corrupt[i] = byte(i * 7)
	}
	if err := os.Mkdir(filepath.Join(dir, "folder.mp4"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		want    error
		wantMsg string
	}{
		{"missing", filepath.Join(dir, "nope.mp4"), ErrNotFound, "nope.mp4: not found"},
		{"directory", filepath.Join(dir, "folder.mp4"), ErrIsDirectory, "folder.mp4: is a directory, not a video file"},
		{"device", "/dev/null", ErrNotRegularFile, "/dev/null: not a regular file but a character device; give a video file"},
		{"empty", write("empty.mp4", nil), ErrEmptyFile, "empty.mp4: file is empty"},
		{"text", write("notes.mp4", []byte("these are not the frames you are looking for\n")), ErrNotVideo, "notes.mp4: not a video file that FFmpeg can decode"},
		{"random bytes", write("noise.mov", randomBytes(64<<10)), ErrNotVideo, "noise.mov: not a video file that FFmpeg can decode"},
		{"truncated, index at end", write("cut.mp4", data[:len(data)/2]), ErrTruncated, `cut.mp4: file is truncated or corrupt: mp4 box "mdat" at byte`},
		{"truncated, index first", write("cutfast.mp4", fsData[:len(fsData)/2]), ErrTruncated, `cutfast.mp4: file is truncated or corrupt: mp4 box "mdat" at byte`},
		{"truncated webm", write("cut.webm", webmData[:len(webmData)/2]), ErrTruncated, "cut.webm: file is truncated or corrupt: webm Segment needs"},
		{"truncated avi", write("cut.avi", aviData[:len(aviData)/2]), ErrTruncated, "cut.avi: file is truncated or corrupt: avi RIFF chunk needs"},
		{"no index", write("noindex.mp4", removeBox(t, data, "moov")), ErrTruncated, "noindex.mp4: file is truncated or corrupt: no 'moov' index box"},
		{"corrupt media data", write("corrupt.mp4", corrupt), ErrTruncated, "corrupt.mp4: file is truncated or corrupt: frames decode for only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Probe(context.Background(), tt.path)
			var se *SourceError
			if !errors.Is(err, tt.want) || !errors.As(err, &se) || se.Input != tt.path {
				t.Fatalf("Probe error = %v, want a *SourceError for %s wrapping %v", err, tt.path, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "vision: ") || !strings.Contains(err.Error(), tt.wantMsg) || strings.Contains(err.Error(), "\n") {
				t.Errorf("message %q: want one line containing %q", err, tt.wantMsg)
			}
		})
	}
}

// randomBytes returns deterministic noise.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// removeBox drops the top-level mp4 box of the given type.
func removeBox(t *testing.T, data []byte, typ string) []byte {
	t.Helper()
	for off := 0; off+8 <= len(data); {
		size := int(uint32(data[off])<<24 | uint32(data[off+1])<<16 | uint32(data[off+2])<<8 | uint32(data[off+3]))
		if size < 8 || off+size > len(data) {
			break
		}
		if string(data[off+4:off+8]) == typ {
			return append(append([]byte(nil), data[:off]...), data[off+size:]...)
		}
		off += size
	}
	t.Fatalf("no %q box", typ)
	return nil
}

// TestTrimmedClipIsNotCorrupt checks a clip cut without re-encoding: its
// edit list hides two thirds of the stored samples, which is not damage.
func TestTrimmedClipIsNotCorrupt(t *testing.T) {
	dir := t.TempDir()
	long, trimmed := filepath.Join(dir, "long.mp4"), filepath.Join(dir, "trimmed.mp4")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc=size=96x64:rate=25", "-frames:v", "100", "-c:v", "libx264", "-g", "1000", "-threads", "1", long)
	ffmpeg(t, "-ss", "3", "-i", long, "-c", "copy", trimmed)
	r, err := Probe(context.Background(), trimmed)
	if err != nil {
		t.Fatal(err)
	}
	want := ffprobe(t, trimmed, "-count_frames", "-show_entries", "stream=nb_read_frames,nb_frames")
	if got := fmt.Sprintf("%d\n%d", r.HeaderFrameCount, r.FrameCount); got != want || r.FrameCount != 25 || math.Abs(r.Duration-1) > 1e-6 {
		t.Errorf("Probe = %+v; want 25 frames shown over 1 s (ffprobe stored, shown: %q)", r, want)
	}
}

// TestLongSoundIsNotCorrupt: a clip whose sound runs on after the picture
// (a voice-over, an editor's export; here 1 s of video and 4 s of sound,
// in MP4 and in QuickTime) is judged by its video track, not by the
// movie's length, which is the sound's: all its frames, no damage. The
// picture of a file whose media data is damaged still falls short of its
// own track (TestBadInputs).
func TestLongSoundIsNotCorrupt(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"voice.mp4", "voice.mov"} {
		path := filepath.Join(dir, name)
		ffmpeg(t, "-f", "lavfi", "-i", "testsrc=size=96x64:rate=25:duration=1", "-f", "lavfi", "-i", "sine=duration=4",
			"-c:v", "libx264", "-threads", "1", "-c:a", "aac", path)
		r, err := Probe(context.Background(), path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.FrameCount != 25 || math.Abs(r.Duration-1) > 0.05 {
			t.Errorf("%s: Probe = %+v; want 25 frames over 1 s", name, r)
		}
	}
}

func TestCameraMissing(t *testing.T) {
	_, err := OpenCamera(63)
	if !errors.Is(err, ErrNoCamera) || !strings.Contains(err.Error(), "vision: camera:63: camera not available") {
		t.Errorf("OpenCamera(63) error = %v, want ErrNoCamera naming camera:63", err)
	}
	if _, err := OpenCamera(-1); !errors.Is(err, ErrNoCamera) {
		t.Errorf("OpenCamera(-1) error = %v, want ErrNoCamera", err)
	}
}
