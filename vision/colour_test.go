package vision

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// solidColours are the frames TestFFmpegColours writes: the extremes, a
// grey, the primaries and two everyday colours (skin, a dark teal).
var solidColours = []color.RGBA{
	{0, 0, 0, 255}, {255, 255, 255, 255}, {128, 128, 128, 255},
	{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255},
	{200, 150, 120, 255}, {20, 90, 100, 255},
}

// TestFFmpegColours writes solid-colour frames with the ffmpeg encoder at
// an SD, an HD and a portrait HD size and checks (1) that ffprobe reports
// the stream's colour tags (limited range, the size's matrix, BT.709
// primaries and transfer, centred chroma) and (2) that ffmpeg, decoding
// the file to RGB as the tags say, gives back each frame's colour within
// 3 of 255 per channel: the loss of 8-bit limited-range Y'CbCr (a step of
// Cb or Cr moves R, G or B by up to 2) and of x264 on a flat frame (within
// a step). The wrong matrix or range would move the primaries by 10 to 40.
func TestFFmpegColours(t *testing.T) {
	needTool(t, "ffmpeg")
	needTool(t, "ffprobe")
	const tol = 3
	for _, c := range []struct {
		w, h   int
		matrix string
	}{{640, 360, "smpte170m"}, {1280, 720, "bt709"}, {360, 640, "bt709"}} {
		t.Run(fmt.Sprintf("%dx%d", c.w, c.h), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.mp4")
			vw, err := CreateVideoEncoder(context.Background(), path, 25, c.w, c.h, EncoderFFmpeg)
			if err != nil {
				t.Fatal(err)
			}
			img := image.NewRGBA(image.Rect(0, 0, c.w, c.h))
			for _, col := range solidColours {
				for i := 0; i < len(img.Pix); i += 4 {
					img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = col.R, col.G, col.B, col.A
				}
				if err := vw.Write(img); err != nil {
					t.Fatal(err)
				}
			}
			if err := vw.Close(); err != nil {
				t.Fatal(err)
			}
			tags := ffprobe(t, path, "-show_entries", "stream=color_range,color_space,color_transfer,color_primaries,chroma_location")
			want := strings.Join([]string{"tv", c.matrix, "bt709", "bt709", "center"}, "\n")
			if tags != want {
				t.Errorf("ffprobe colour tags %q, want %q", tags, want)
			}
			out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-").Output()
			if err != nil {
				t.Fatalf("ffmpeg decode: %v", err)
			}
			if len(out) != 3*c.w*c.h*len(solidColours) {
				t.Fatalf("decoded %d bytes, want %d frames of %dx%d", len(out), len(solidColours), c.w, c.h)
			}
			for f, col := range solidColours {
				frame := out[3*c.w*c.h*f:][:3*c.w*c.h]
				worst := 0
				for i := 0; i < len(frame); i += 3 {
					for ch, want := range []uint8{col.R, col.G, col.B} {
						worst = max(worst, absDiff(frame[i+ch], want))
					}
				}
				if worst > tol {
					t.Errorf("frame %d %v: decoded pixels differ by up to %d per channel, want at most %d (first pixel %v)", f, col, worst, tol, frame[:3])
				}
			}
		})
	}
}
