package vision

import (
	"bytes"
	"image"
	"image/color"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Test videos are made by the tests themselves: pattern frames written with
// this package's VideoWriter, or ffmpeg's lavfi sources for other codecs,
// rotation tags and timestamps.

// Quadrant colours of pattern frames: distinct under every rotation, so
// the decoded layout tells how a frame was turned.
var (
	colTL = color.RGBA{220, 30, 30, 255}   // red
	colTR = color.RGBA{30, 200, 30, 255}   // green
	colBL = color.RGBA{30, 30, 220, 255}   // blue
	colBR = color.RGBA{230, 230, 230, 255} // white
)

// patternFrame draws frame i: four coloured quadrants and a centre square
// whose grey level encodes i, so decoded frames can be identified.
func patternFrame(w, h, i int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	g := uint8(indexGrey(i))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := colBR
			switch {
			case x < w/2 && y < h/2:
				c = colTL
			case y < h/2:
				c = colTR
			case x < w/2:
				c = colBL
			}
			if abs(x-w/2) < w/8 && abs(y-h/2) < h/8 {
				c = color.RGBA{g, g, g, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// indexGrey is the centre grey level of pattern frame i (frames 0..29 are
// 7 levels apart, far more than codec error).
func indexGrey(i int) int { return 16 + 7*(i%32) }

// decodeIndex reads a pattern frame's index back from its centre grey.
func decodeIndex(img *image.RGBA) int {
	c := meanRGB(img, img.Rect.Dx()/2, img.Rect.Dy()/2, 3)
	return int((c[1]-16)/7 + 0.5)
}

// meanRGB averages the (2r+1)² pixels around (cx, cy).
func meanRGB(img *image.RGBA, cx, cy, r int) [3]float64 {
	var s [3]float64
	n := 0.0
	for y := cy - r; y <= cy+r; y++ {
		for x := cx - r; x <= cx+r; x++ {
			c := img.RGBAAt(x, y)
			s[0] += float64(c.R)
			s[1] += float64(c.G)
			s[2] += float64(c.B)
			n++
		}
	}
	return [3]float64{s[0] / n, s[1] / n, s[2] / n}
}

// quadrants returns the colour found in each quadrant (TL, TR, BL, BR).
func quadrants(img *image.RGBA) [4][3]float64 {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	return [4][3]float64{
		meanRGB(img, w/8, h/8, 2), meanRGB(img, w-w/8, h/8, 2),
		meanRGB(img, w/8, h-h/8, 2), meanRGB(img, w-w/8, h-h/8, 2),
	}
}

func near(got [3]float64, want color.RGBA, tol float64) bool {
	return abs64(got[0]-float64(want.R)) <= tol && abs64(got[1]-float64(want.G)) <= tol && abs64(got[2]-float64(want.B)) <= tol
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func abs64(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// writePatternVideo writes n pattern frames with CreateVideo.
func writePatternVideo(t testing.TB, path string, n, w, h int, fps float64) string {
	t.Helper()
	vw, err := CreateVideo(path, fps, w, h)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if err := vw.Write(patternFrame(w, h, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// needTool fails the test when an external tool the suite relies on is
// missing: `make setup` installs it, and silently skipping would hide
// untested behaviour in CI.
func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found on PATH; run `make setup` (it installs ffmpeg)", name)
	}
}

// ffmpeg runs ffmpeg quietly with args, failing the test on error.
func ffmpeg(t testing.TB, args ...string) {
	t.Helper()
	needTool(t, "ffmpeg")
	cmd := exec.Command("ffmpeg", append([]string{"-nostdin", "-v", "error", "-y"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// ffmpegFrame decodes frame 0 of path with ffmpeg itself (which applies
// rotation metadata), as the reference for what upright means.
func ffmpegFrame(t testing.TB, path string) *image.RGBA {
	t.Helper()
	needTool(t, "ffprobe")
	w, h := ffprobeSize(t, path, true)
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgba", "-")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg decode %s: %v %s", path, err, errb.String())
	}
	if out.Len() != 4*w*h {
		t.Fatalf("ffmpeg gave %d bytes for a %dx%d frame of %s", out.Len(), w, h, path)
	}
	return &image.RGBA{Pix: out.Bytes(), Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
}

// ffprobe returns ffprobe's value of one stream entry of the first video
// stream, e.g. "width" or "side_data=rotation" style entries.
func ffprobe(t testing.TB, path string, args ...string) string {
	t.Helper()
	needTool(t, "ffprobe")
	full := append([]string{"-v", "error", "-select_streams", "v:0"}, args...)
	full = append(full, "-of", "default=nw=1:nk=1", path)
	out, err := exec.Command("ffprobe", full...).Output()
	if err != nil {
		t.Fatalf("ffprobe %v %s: %v", args, path, err)
	}
	return strings.TrimSpace(string(out))
}

// ffprobeRotation returns the clockwise rotation ffmpeg applies to display
// the file upright (ffprobe reports the display matrix's counter-clockwise
// angle).
func ffprobeRotation(t testing.TB, path string) int {
	s := ffprobe(t, path, "-show_entries", "stream_side_data=rotation")
	if s == "" {
		return 0
	}
	ccw, err := strconv.Atoi(strings.Fields(s)[0])
	if err != nil {
		t.Fatalf("ffprobe rotation %q: %v", s, err)
	}
	return ((-ccw)%360 + 360) % 360
}

// ffprobeSize returns the stored size, or the displayed (upright) size.
func ffprobeSize(t testing.TB, path string, upright bool) (int, int) {
	t.Helper()
	s := strings.Fields(ffprobe(t, path, "-show_entries", "stream=width,height"))
	if len(s) != 2 {
		t.Fatalf("ffprobe size of %s: %q", path, s)
	}
	w, _ := strconv.Atoi(s[0])
	h, _ := strconv.Atoi(s[1])
	if r := ffprobeRotation(t, path); upright && (r == 90 || r == 270) {
		w, h = h, w
	}
	return w, h
}

// tempPath returns name inside a fresh temporary directory.
func tempPath(t testing.TB, name string) string { return filepath.Join(t.TempDir(), name) }
