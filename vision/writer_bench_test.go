package vision

import (
	"context"
	"errors"
	"image"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
)

// realFrames decodes n frames from the middle of a shared 720p squat clip
// (the athlete squatting), so the encoders see camera noise and motion
// rather than flat test colours.
func realFrames(tb testing.TB, n int) []*image.RGBA {
	tb.Helper()
	path := filepath.Join(testenv.Shared(tb, "realdata/videos"), "rjsong_front_squat.mp4")
	v, err := OpenVideo(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer v.Close()
	var frames []*image.RGBA
	for i := 0; len(frames) < n; i++ {
		f, err := v.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			tb.Fatal(err)
		}
		if i < 300 {
			continue
		}
		frames = append(frames, &image.RGBA{Pix: append([]byte(nil), f.Image.Pix...), Stride: f.Image.Stride, Rect: f.Image.Rect})
	}
	return frames
}

// cpuTime is the user+sys time of this process and its waited-for
// children (ffmpeg), which is what encoding costs the machine whatever
// else is running on it.
func cpuTime(tb testing.TB) float64 {
	var self, kids syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
		tb.Fatal(err)
	}
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids); err != nil {
		tb.Fatal(err)
	}
	sec := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return sec(self.Utime) + sec(self.Stime) + sec(kids.Utime) + sec(kids.Stime)
}

// BenchmarkWriteVideo720p writes 60 real 1280x720 frames per iteration
// with each encoder and reports CPU milliseconds per frame (user+sys,
// ffmpeg included) and the file's bytes per frame.
func BenchmarkWriteVideo720p(b *testing.B) {
	frames := realFrames(b, 60)
	w, h := frames[0].Rect.Dx(), frames[0].Rect.Dy()
	for _, enc := range []Encoder{EncoderOpenCV, EncoderFFmpeg} {
		b.Run(string(enc), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "bench.mp4")
			cpu0 := cpuTime(b)
			for i := 0; i < b.N; i++ {
				vw, err := CreateVideoEncoder(context.Background(), path, 30, w, h, enc)
				if err != nil {
					b.Fatal(err)
				}
				for _, f := range frames {
					if err := vw.Write(f); err != nil {
						b.Fatal(err)
					}
				}
				if err := vw.Close(); err != nil {
					b.Fatal(err)
				}
			}
			n := float64(b.N * len(frames))
			b.ReportMetric((cpuTime(b)-cpu0)*1000/n, "cpu-ms/frame")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/n, "ms/frame")
			if st, err := os.Stat(path); err == nil {
				b.ReportMetric(float64(st.Size())/float64(len(frames)), "B/frame")
			}
		})
	}
}
