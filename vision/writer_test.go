package vision

import (
	"context"
	"errors"
	"image"
	"image/draw"
	"math"
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

// TestVideoWriterEncoders writes with each encoder and checks the decoded
// video: codec, frame count, size, frame rate and the frames themselves.
// The ffmpeg cases also write sub-images, whose rows are not contiguous.
func TestVideoWriterEncoders(t *testing.T) {
	const n, w, h = 30, 160, 96
	tests := []struct {
		name string
		enc  Encoder
		file string
		fps  float64
		sub  bool
		tol  float64 // timestamp precision of the container
	}{
		{"ffmpeg mp4", EncoderFFmpeg, "v.mp4", 25, false, 1e-6},
		{"ffmpeg mov ntsc sub-images", EncoderFFmpeg, "v.mov", 30000.0 / 1001, true, 1e-6},
		{"ffmpeg mkv", EncoderFFmpeg, "v.mkv", 30, false, 0.5e-3}, // Matroska counts milliseconds
		{"opencv mp4", EncoderOpenCV, "v.mp4", 25, false, 1e-6},
		// OpenCV writes 30000/1001 fps as 29.97 with millisecond times.
		{"opencv mov", EncoderOpenCV, "v.mov", 24, false, 1e-6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.file)
			vw, err := CreateVideoEncoder(context.Background(), path, tt.fps, w, h, tt.enc)
			if err != nil {
				t.Fatal(err)
			}
			if vw.Encoder() != tt.enc || vw.Codec() != "avc1" {
				t.Errorf("writer encoder %q codec %q, want %q avc1", vw.Encoder(), vw.Codec(), tt.enc)
			}
			for i := 0; i < n; i++ {
				img := patternFrame(w, h, i)
				if tt.sub {
					big := image.NewRGBA(image.Rect(-3, -2, w+5, h+1))
					draw.Draw(big, img.Rect, img, image.Point{}, draw.Src)
					img = big.SubImage(img.Rect).(*image.RGBA)
				}
				if err := vw.Write(img); err != nil {
					t.Fatal(err)
				}
			}
			if err := vw.Close(); err != nil {
				t.Fatal(err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("directory holds %d entries after Close, want only the video", len(entries))
			}
			if got := ffprobe(t, path, "-show_entries", "stream=codec_name"); got != "h264" {
				t.Errorf("ffprobe codec %q, want h264", got)
			}
			if gw, gh := ffprobeSize(t, path, false); gw != w || gh != h {
				t.Errorf("ffprobe size %dx%d, want %dx%d", gw, gh, w, h)
			}
			v, err := OpenVideo(path)
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			info := v.Info()
			if info.Width != w || info.Height != h || math.Abs(info.FPS-tt.fps) > 1e-6 || info.FrameCount != n {
				t.Errorf("Info %dx%d %v fps %d frames, want %dx%d %v fps %d frames", info.Width, info.Height, info.FPS, info.FrameCount, w, h, tt.fps, n)
			}
			times, ids := readAll(t, v, 0)
			if len(ids) != n {
				t.Fatalf("decoded %d frames, wrote %d", len(ids), n)
			}
			for i := range ids {
				if ids[i] != i || math.Abs(times[i]-float64(i)/tt.fps) > tt.tol {
					t.Errorf("frame %d: pattern index %d, time %.6f (want %.6f)", i, ids[i], times[i], float64(i)/tt.fps)
				}
			}
		})
	}
}

// TestChooseEncoder covers the one place the encoder is decided: the
// argument, then KNEESCREEN_VIDEO_ENCODER, then what ffmpeg can write.
func TestChooseEncoder(t *testing.T) {
	needTool(t, "ffmpeg")
	tests := []struct {
		name    string
		enc     Encoder
		env     string
		ext     string
		w, h    int
		want    Encoder
		wantErr string
	}{
		{"auto mp4", EncoderAuto, "", ".mp4", 64, 48, EncoderFFmpeg, ""},
		{"auto env auto", EncoderAuto, "auto", ".MOV", 64, 48, EncoderFFmpeg, ""},
		{"auto avi keeps MJPG", EncoderAuto, "", ".avi", 64, 48, EncoderOpenCV, ""},
		{"auto webm keeps VP8", EncoderAuto, "", ".webm", 64, 48, EncoderOpenCV, ""},
		{"auto odd size", EncoderAuto, "", ".mp4", 65, 48, EncoderOpenCV, ""},
		{"env forces opencv", EncoderAuto, "opencv", ".mp4", 64, 48, EncoderOpenCV, ""},
		{"env forces ffmpeg", EncoderAuto, "FFmpeg", ".mkv", 64, 48, EncoderFFmpeg, ""},
		{"argument beats env", EncoderOpenCV, "ffmpeg", ".mp4", 64, 48, EncoderOpenCV, ""},
		{"bad env", EncoderAuto, "x264", ".mp4", 64, 48, "", `KNEESCREEN_VIDEO_ENCODER="x264": want ffmpeg, opencv or auto`},
		{"bad argument", Encoder("gstreamer"), "", ".mp4", 64, 48, "", `unknown video encoder "gstreamer"`},
		{"ffmpeg avi", EncoderFFmpeg, "", ".avi", 64, 48, "", `writes H.264 (.mp4, .mov, .m4v, .mkv), not ".avi" files`},
		{"ffmpeg odd size", EncoderFFmpeg, "", ".mp4", 64, 47, "", "needs an even frame size for H.264, got 64x47"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EncoderEnv, tt.env)
			got, err := chooseEncoder(tt.enc, tt.ext, tt.w, tt.h)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// fakeFFmpeg puts an executable named ffmpeg first on PATH running script
// (a POSIX shell body).
func fakeFFmpeg(t *testing.T, script string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ffmpeg"), []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// TestFFmpegWithoutX264 checks an ffmpeg lacking libx264 is detected:
// auto falls back to OpenCV, asking for ffmpeg fails with ErrNoFFmpeg.
func TestFFmpegWithoutX264(t *testing.T) {
	fakeFFmpeg(t, `echo " V....D mpeg4                MPEG-4 part 2"; exit 0`)
	t.Setenv(EncoderEnv, "")
	dir := t.TempDir()
	vw, err := CreateVideo(filepath.Join(dir, "a.mp4"), 30, 64, 48)
	if err != nil {
		t.Fatal(err)
	}
	if vw.Encoder() != EncoderOpenCV {
		t.Errorf("auto chose %q with an ffmpeg lacking libx264, want opencv", vw.Encoder())
	}
	vw.Abort()
	if _, err := CreateVideoEncoder(context.Background(), filepath.Join(dir, "b.mp4"), 30, 64, 48, EncoderFFmpeg); !errors.Is(err, ErrNoFFmpeg) {
		t.Errorf("forced ffmpeg: %v, want ErrNoFFmpeg", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files left", len(entries))
	}
}

// TestFFmpegWriterStops checks that a cancelled context or a failing
// ffmpeg makes Write or Close fail with one clear line and leaves no file.
func TestFFmpegWriterStops(t *testing.T) {
	const w, h = 320, 240 // a frame is larger than a pipe's buffer
	tests := []struct {
		name    string
		fail    bool // ffmpeg fails on its own; else the context is cancelled
		cancel  int  // frames written before cancelling
		wantErr string
	}{
		{"cancel mid-stream", false, 3, "context canceled"},
		{"cancel before Close", false, 10, "context canceled"},
		{"ffmpeg fails", true, 0, "ffmpeg: [libx264 @ 0x1] broken encoder (exit status 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fail {
				// Detection sees libx264; the encoding itself fails.
				fakeFFmpeg(t, `case "$*" in *-encoders*) echo " V....D libx264 H.264"; exit 0;; esac
head -c 1000 >/dev/null; echo "some warning" >&2; echo "[libx264 @ 0x1] broken encoder" >&2; exit 3`)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "v.mp4")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			vw, err := CreateVideoEncoder(ctx, path, 30, w, h, EncoderFFmpeg)
			if err != nil {
				t.Fatal(err)
			}
			var werr error
			for i := 0; i < 10 && werr == nil; i++ {
				if i == tt.cancel && !tt.fail {
					cancel()
				}
				werr = vw.Write(patternFrame(w, h, i))
			}
			if !tt.fail && tt.cancel == 10 {
				cancel()
			}
			cerr := vw.Close()
			err = werr
			if err == nil {
				err = cerr
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "vision: ") {
				t.Errorf("error %q, want one line containing %q", err, tt.wantErr)
			}
			if !tt.fail && !errors.Is(err, context.Canceled) {
				t.Errorf("error %v does not wrap context.Canceled", err)
			}
			if werr != nil && cerr == nil {
				t.Errorf("Close after a failed Write returned nil")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("%d files left after a failed encode", len(entries))
			}
		})
	}
}
