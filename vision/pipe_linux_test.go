package vision

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kneescreen/kneescreen/internal/yuv"
	"golang.org/x/sys/unix"
)

// TestFFmpegPipeHoldsAFrame: the pipe to ffmpeg is grown to hold a whole
// 640x360 frame as sent (I420, 345,600 bytes; Linux's default is 64 KiB),
// and capped at 1 MiB for larger frames, so the two processes do not take
// turns every 64 KiB of each frame.
func TestFFmpegPipeHoldsAFrame(t *testing.T) {
	needTool(t, "ffmpeg")
	ffmpeg, _ := exec.LookPath("ffmpeg")
	for _, c := range []struct {
		w, h, min int
	}{{640, 360, yuv.Size(640, 360)}, {1920, 1080, 1 << 20}} {
		p, err := startFFmpeg(context.Background(), ffmpeg, filepath.Join(t.TempDir(), "a.mp4"), 30, c.w, c.h, true)
		if err != nil {
			t.Fatal(err)
		}
		f, ok := p.stdin.(interface{ Fd() uintptr })
		if !ok {
			p.kill()
			t.Fatalf("ffmpeg's input is a %T, not a file", p.stdin)
		}
		size, err := unix.FcntlInt(f.Fd(), unix.F_GETPIPE_SZ, 0)
		p.kill()
		if err != nil {
			t.Fatal(err)
		}
		if size < c.min {
			t.Errorf("%dx%d: pipe holds %d bytes, want at least %d", c.w, c.h, size, c.min)
		}
	}
}
