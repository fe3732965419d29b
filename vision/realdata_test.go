package vision

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
)

// TestProbeAgreesWithFFprobe decodes every shared real video and compares
// size and decoded frame count with ffprobe -count_frames. Both decode
// with libavcodec and honour edit lists, so they must agree exactly (for
// example eyantra_side_single_leg_squat.mp4 stores 981 samples but its edit
// list hides 69: both count 912).
func TestProbeAgreesWithFFprobe(t *testing.T) {
	dir := testenv.Shared(t, "realdata/videos")
	needTool(t, "ffprobe")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			t.Parallel() // -parallel (GOMAXPROCS) files at a time
			want := ffprobeCount(t, path)
			got, err := Probe(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != want.width || got.Height != want.height || got.FrameCount != want.frames || got.Rotation != want.rotation {
				t.Errorf("probe %dx%d, %d frames, rotation %d; ffprobe %dx%d, %d frames, rotation %d",
					got.Width, got.Height, got.FrameCount, got.Rotation, want.width, want.height, want.frames, want.rotation)
			}
			if got.Duration <= 0 || got.FPS <= 0 {
				t.Errorf("duration %v, fps %v", got.Duration, got.FPS)
			}
		})
	}
}

type ffprobeFacts struct{ width, height, frames, rotation int }

// ffprobeCount asks ffprobe for the upright size, rotation and number of
// decoded frames of the first video stream.
func ffprobeCount(t *testing.T, path string) ffprobeFacts {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=width,height,nb_read_frames:stream_side_data=rotation", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var doc struct {
		Streams []struct {
			Width, Height int
			NbReadFrames  string `json:"nb_read_frames"`
			SideDataList  []struct {
				Rotation *int `json:"rotation"`
			} `json:"side_data_list"`
		}
	}
	if err := json.Unmarshal(out, &doc); err != nil || len(doc.Streams) != 1 {
		t.Fatalf("ffprobe output for %s: %v %s", path, err, out)
	}
	s := doc.Streams[0]
	n, err := strconv.Atoi(s.NbReadFrames)
	if err != nil {
		t.Fatalf("ffprobe nb_read_frames %q", s.NbReadFrames)
	}
	f := ffprobeFacts{width: s.Width, height: s.Height, frames: n}
	for _, sd := range s.SideDataList {
		if sd.Rotation != nil {
			f.rotation = ((-*sd.Rotation)%360 + 360) % 360
		}
	}
	if f.rotation == 90 || f.rotation == 270 {
		f.width, f.height = f.height, f.width
	}
	return f
}
