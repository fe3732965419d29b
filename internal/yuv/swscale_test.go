package yuv

import (
	"bytes"
	"fmt"
	"image"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
)

// ffmpegRun runs ffmpeg with stdin in and returns its output, failing the
// test when ffmpeg fails (skipping it when there is no ffmpeg).
func ffmpegRun(t *testing.T, in []byte, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("no ffmpeg on PATH")
	}
	cmd := exec.Command("ffmpeg", append([]string{"-nostdin", "-hide_banner", "-v", "error"}, args...)...)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", args, err, stderr.String())
	}
	return out
}

// swscale converts src (contiguous) to I420 with ffmpeg's swscale, as the
// encoder's ffmpeg did before frames were converted here: its default
// flags, the given output matrix, limited range.
func swscale(t *testing.T, src *image.RGBA, m Matrix) []byte {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	matrix := map[Matrix]string{BT601: "bt601", BT709: "bt709"}[m]
	return ffmpegRun(t, src.Pix, "-f", "rawvideo", "-pix_fmt", "rgba", "-s", fmt.Sprintf("%dx%d", w, h), "-i", "-",
		"-vf", "scale=out_color_matrix="+matrix+":out_range=tv", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-")
}

// synthetic is a w x h frame with smooth gradients in each channel and
// hard-edged blocks of saturated colour, like the overlay drawn on video.
func synthetic(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := img.Pix[y*img.Stride+4*x:]
			p[0], p[1], p[2], p[3] = uint8(255*x/w), uint8(255*y/h), uint8(255*(x+y)/(w+h)), 255
			if (x/40+y/40)%5 == 0 {
				p[0], p[1], p[2] = uint8(255*(x/40%2)), 255-uint8(255*(y/40%2)), uint8(40*(x/40%7))
			}
		}
	}
	return img
}

// sharedFrame decodes frame 300 of a shared 720p squat clip to RGBA with
// ffmpeg (skipping without the shared material).
func sharedFrame(t *testing.T) *image.RGBA {
	path := filepath.Join(testenv.Shared(t, "realdata/videos"), "rjsong_front_squat.mp4")
	out := ffmpegRun(t, nil, "-i", path, "-vf", "select=eq(n\\,300)", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgba", "-")
	const w, h = 1280, 720
	if len(out) != 4*w*h {
		t.Fatalf("decoded %d bytes, want a %dx%d RGBA frame", len(out), w, h)
	}
	return &image.RGBA{Pix: out, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
}

// TestAgainstSwscale compares FromRGBA with ffmpeg's own conversion of the
// same frame (what the encoder did before), on a synthetic frame and a
// real one, both matrices. Luma must be within 1 everywhere: both round
// the same formula, at different fixed-point precisions. Chroma differs
// by design where colour changes from row to row: swscale averages
// horizontal pairs as FromRGBA does but filters vertically over four rows
// (bicubic), FromRGBA over the block's two; so most samples must agree
// within 1 (minWithin1: on camera frames, whose colour is smooth, 99%; on
// the synthetic one, whose saturated blocks have hard horizontal edges,
// 95%) and the mean difference stay under a step (0.4); measured 0.97-0.98
// and 0.23-0.28 on the synthetic frame, 0.996 and 0.03-0.14 on the camera
// frame.
func TestAgainstSwscale(t *testing.T) {
	for _, fr := range []struct {
		name       string
		img        func(t *testing.T) *image.RGBA
		minWithin1 float64
	}{{"synthetic", func(*testing.T) *image.RGBA { return synthetic(640, 360) }, 0.95}, {"camera", sharedFrame, 0.99}} {
		for _, m := range []Matrix{BT601, BT709} {
			t.Run(fr.name+"/"+m.String(), func(t *testing.T) {
				src := fr.img(t)
				w, h := src.Rect.Dx(), src.Rect.Dy()
				got, err := FromRGBA(nil, src, m)
				if err != nil {
					t.Fatal(err)
				}
				want := swscale(t, src, m)
				if len(want) != len(got) {
					t.Fatalf("swscale gave %d bytes, want %d", len(want), len(got))
				}
				for _, pl := range []struct {
					name     string
					from, to int
				}{{"Y'", 0, w * h}, {"Cb", w * h, w*h + w*h/4}, {"Cr", w*h + w*h/4, len(got)}} {
					var hist [256]int
					sum := 0
					for i := pl.from; i < pl.to; i++ {
						d := int(got[i]) - int(want[i])
						if d < 0 {
							d = -d
						}
						hist[d]++
						sum += d
					}
					n := pl.to - pl.from
					maxd := 0
					for d := range hist {
						if hist[d] > 0 {
							maxd = d
						}
					}
					mean, within1 := float64(sum)/float64(n), float64(hist[0]+hist[1])/float64(n)
					t.Logf("%s: mean |diff| %.3f, max %d, within 1: %.4f", pl.name, mean, maxd, within1)
					if pl.name == "Y'" && maxd > 1 {
						t.Errorf("Y' differs from swscale's by up to %d, want at most 1", maxd)
					}
					if within1 < fr.minWithin1 || mean > 0.4 {
						t.Errorf("%s: %.4f of samples within 1 of swscale's (want at least %.2f), mean |diff| %.3f (want at most 0.4)", pl.name, within1, fr.minWithin1, mean)
					}
				}
			})
		}
	}
}
