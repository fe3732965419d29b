package pipeline

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/vision"
)

// cpuTime is the CPU time (user and system) of this process and of its
// children that have been waited for: ffmpeg's encoding and decoding
// processes count.
func cpuTime() time.Duration {
	var self, kids syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	var d time.Duration
	for _, ru := range []*syscall.Rusage{&self, &kids} {
		d += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return d
}

// BenchmarkRenderPass measures the render pass as Run does it (decode
// again, draw, encode annotated.mp4 at DefaultVideoMaxSide) on the 720p
// and the portrait shared clip, in CPU ms per frame, ffmpeg's encoding
// process included: "vision-reduced" as Run does it (vision.Video reduces
// straight from the decoded frame), "full-size" with the frames handed
// over at full size and reduced by Render (as before):
//
//	go test ./internal/pipeline -run '^$' -bench RenderPass -benchtime 3x
func BenchmarkRenderPass(b *testing.B) {
	dir := testenv.Shared(b, "realdata/videos")
	for _, clip := range []string{"rjsong_front_squat.mp4", "lnewco_IMG_7027.mov"} {
		path := filepath.Join(dir, clip)
		rep, tr, err := analyse(lightning(b), path, testSymmetric())
		if err != nil {
			b.Fatal(err)
		}
		for _, name := range []string{"vision-reduced", "full-size"} {
			open := func() vision.FrameSource { return openVideo(b, path, 30, name == "full-size") }
			b.Run(clip+"/"+name, func(b *testing.B) {
				frames := 0
				c0 := cpuTime()
				for b.Loop() {
					frames += renderOnce(b, open, rep, tr)
				}
				b.ReportMetric(float64(cpuTime()-c0)/1e6/float64(frames), "cpu-ms/frame")
				b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
			})
		}
	}
}

// renderOnce renders and encodes the annotated video of one clip into a
// temporary file, returning the frames written.
func renderOnce(b *testing.B, open func() vision.FrameSource, rep *screening.Report, tr *pose.Track) int {
	b.Helper()
	w, h := VideoSize(tr.Width, tr.Height, DefaultVideoMaxSide)
	vw, err := vision.CreateVideoEncoder(context.Background(), filepath.Join(b.TempDir(), report.VideoFile), tr.FPS, w, h, vision.EncoderAuto)
	if err != nil {
		b.Fatal(err)
	}
	src := open()
	defer src.Close()
	if _, err := Render(context.Background(), src, rep, tr, RenderOptions{Video: vw, VideoMaxSide: DefaultVideoMaxSide}); err != nil {
		vw.Abort()
		b.Fatal(err)
	}
	if err := vw.Close(); err != nil {
		b.Fatal(err)
	}
	return len(tr.Poses)
}
