package vision

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/internal/mp4join"
)

// TestOpenVideoReadsJoinedParts checks that OpenCV, the project's
// reader, opens an MP4 joined by mp4join from libx264 parts (a one-frame
// part among them, whose B-frame delay differs) and reads every frame, in
// order, at its time.
func TestOpenVideoReadsJoinedParts(t *testing.T) {
	needTool(t, "ffmpeg")
	if out, err := exec.Command("ffmpeg", "-hide_banner", "-encoders").Output(); err != nil || !strings.Contains(string(out), "libx264") {
		t.Skip("the ffmpeg on PATH has no libx264")
	}
	dir := t.TempDir()
	// Frames [from, to) of one testsrc2 clip, per part, as the annotated
	// pass splits its frames.
	cuts := [][2]int{{0, 45}, {45, 46}, {46, 91}}
	var parts []string
	for i, c := range cuts {
		p := filepath.Join(dir, fmt.Sprintf("part%d.mp4", i+1))
		ffmpeg(t, "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:duration=4",
			"-vf", fmt.Sprintf("trim=start_frame=%d:end_frame=%d,setpts=PTS-STARTPTS", c[0], c[1]),
			"-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "21", "-pix_fmt", "yuv420p", "-threads", "1", p)
		parts = append(parts, p)
	}
	joined := filepath.Join(dir, "joined.mp4")
	if err := mp4join.JoinFiles(joined, parts...); err != nil {
		t.Fatal(err)
	}
	v, err := OpenVideo(joined)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	const want = 91
	if n := v.Info().FrameCount; n != want {
		t.Errorf("header frame count %d, want %d", n, want)
	}
	n := 0
	for ; ; n++ {
		f, err := v.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("frame %d: %v", n, err)
		}
		if f.Index != n || math.Abs(f.Time-float64(n)/30) > 1e-6 {
			t.Fatalf("frame %d: index %d at %.6f s, want %.6f s", n, f.Index, f.Time, float64(n)/30)
		}
	}
	if n != want {
		t.Errorf("read %d frames, want %d", n, want)
	}
}
