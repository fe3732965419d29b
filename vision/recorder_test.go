package vision

import (
	"context"
	"syscall"
	"testing"
)

// A recording holds one frame per video frame interval, placed by the
// frames' times: a source that skips a beat has its frame repeated, one
// that runs faster than the video has frames left out, so the video lasts
// as long as the session.
func TestRecorderConstantRate(t *testing.T) {
	const fps = 30.0
	tests := []struct {
		name  string
		times []float64
		// want is the source frame each video frame shows.
		want []int
	}{
		{"steady", []float64{0, 1 / fps, 2 / fps, 3 / fps}, []int{0, 1, 2, 3}},
		{"a skipped beat", []float64{0, 1 / fps, 4 / fps}, []int{0, 1, 1, 1, 2}},
		{"twice as fast", []float64{0, 0.45 / fps, 1 / fps, 1.45 / fps, 2 / fps}, []int{1, 3, 4}},
		{"late start", []float64{5, 5 + 1/fps}, []int{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tempPath(t, "recording.mp4")
			r, err := StartRecorder(context.Background(), path, fps, 160, 120)
			if err != nil {
				t.Fatal(err)
			}
			for i, ts := range tt.times {
				r.Add(LiveFrame{Frame: Frame{Index: i, Time: ts, Image: patternFrame(160, 120, i)}})
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			written, dropped := r.Stats()
			if written != len(tt.want) || dropped != 0 {
				t.Errorf("wrote %d frames, dropped %d; want %d, 0", written, dropped, len(tt.want))
			}
			src, err := OpenVideo(path)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			for k, want := range tt.want {
				f, err := src.Next(context.Background())
				if err != nil {
					t.Fatalf("video frame %d: %v", k, err)
				}
				if got := decodeIndex(f.Image); got != want {
					t.Errorf("video frame %d shows source frame %d, want %d", k, got, want)
				}
			}
		})
	}
}

// A recording without frames leaves no file and says so; Abort leaves
// none either.
func TestRecorderEmpty(t *testing.T) {
	path := tempPath(t, "recording.mp4")
	r, err := StartRecorder(context.Background(), path, 30, 160, 120)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err == nil {
		t.Error("an empty recording closed without error")
	}
	r2, err := StartRecorder(context.Background(), path, 30, 160, 120)
	if err != nil {
		t.Fatal(err)
	}
	r2.Add(LiveFrame{Frame: Frame{Image: patternFrame(160, 120, 0)}})
	r2.Abort()
	if _, err := OpenVideo(path); err == nil {
		t.Error("an aborted recording left a video")
	}
}

// The ffmpeg encoder runs in a process group of its own: the terminal's
// Ctrl-C, which goes to the whole foreground group, must not stop it
// before kneescreen has finished the file (a live session keeps its
// recording when interrupted).
func TestFFmpegOwnProcessGroup(t *testing.T) {
	needTool(t, "ffmpeg")
	w, err := CreateVideoEncoder(context.Background(), tempPath(t, "v.mp4"), 30, 64, 48, EncoderFFmpeg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	pgid, err := syscall.Getpgid(w.ff.cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if pgid == syscall.Getpgrp() {
		t.Errorf("ffmpeg shares kneescreen's process group %d", pgid)
	}
}

// AddWait waits for the encoder instead of leaving frames out: frames
// added four queues' worth at once, far faster than libx264 writes 640x480
// frames, all reach the video.
func TestRecorderAddWaitKeepsEveryFrame(t *testing.T) {
	const fps, n = 30.0, 4 * recorderQueue
	path := tempPath(t, "recording.mp4")
	r, err := StartRecorder(context.Background(), path, fps, 640, 480)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		r.AddWait(LiveFrame{Frame: Frame{Index: i, Time: float64(i) / fps, Image: patternFrame(640, 480, i%32)}})
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if written, dropped := r.Stats(); written != n || dropped != 0 {
		t.Errorf("wrote %d frames, dropped %d; want %d, 0", written, dropped, n)
	}
	src, err := OpenVideo(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for k := range n {
		f, err := src.Next(context.Background())
		if err != nil {
			t.Fatalf("video frame %d: %v", k, err)
		}
		if got := decodeIndex(f.Image); got != k%32 { // the pattern tells 32 frames apart
			t.Fatalf("video frame %d shows source frame %d", k, got)
		}
	}
}
