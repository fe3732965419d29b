package vision

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/internal/testenv"
)

// windowChildEnv makes TestWindowChild, run as a child process, show a
// pattern frame in a window.
const windowChildEnv = "KNEESCREEN_TEST_WINDOW_CHILD"

// A window shows the frame it is given: under Xvfb, the screen holds the
// pattern's four quadrants at the frame's size. The window runs in a child
// process: a window system that loses its display ends the process, and
// the test's Xvfb goes away when the test ends.
func TestWindowShowsFrames(t *testing.T) {
	x := testenv.StartXvfb(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, "-test.run=^TestWindowChild$")
	cmd.Env = append(os.Environ(), windowChildEnv+"=1", "DISPLAY="+x.Display, "WAYLAND_DISPLAY=")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		cmd.Wait()
	}()
	sc := bufio.NewScanner(out)
	shown := false
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "shown" {
			shown = true
			break
		}
	}
	if !shown {
		t.Fatal("the child never showed its frame")
	}
	// The frame has been shown; give the X server a moment to draw it.
	var counts map[string]int
	for range 20 {
		time.Sleep(100 * time.Millisecond)
		shot, err := x.Screenshot()
		if err != nil {
			t.Fatal(err)
		}
		counts = colourCounts(shot)
		if counts["red"] > 0 {
			break
		}
	}
	// Each quadrant is 160x120 pixels less the grey centre square's
	// quarter (40x30): 18000, give or take the window's edges.
	for _, c := range []string{"red", "green", "blue"} {
		if n := counts[c]; n < 16000 || n > 20000 {
			t.Errorf("%d %s pixels on the screen, want about 18000 (all: %v)", n, c, counts)
		}
	}
}

// TestWindowChild is the child of TestWindowShowsFrames.
func TestWindowChild(t *testing.T) {
	if os.Getenv(windowChildEnv) != "1" {
		t.Skip("run by TestWindowShowsFrames")
	}
	w, err := OpenWindow(context.Background(), "pattern")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	img := patternFrame(320, 240, 3)
	for i := 0; i < 300; i++ {
		if _, err := w.Show(img); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			fmt.Println("shown")
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// colourCounts counts the screen's pixels near each pattern colour.
func colourCounts(img *image.RGBA) map[string]int {
	out := map[string]int{}
	for y := 0; y < img.Rect.Dy(); y++ {
		for x := 0; x < img.Rect.Dx(); x++ {
			c := img.RGBAAt(x, y)
			for name, want := range map[string][3]uint8{"red": {colTL.R, colTL.G, colTL.B}, "green": {colTR.R, colTR.G, colTR.B}, "blue": {colBL.R, colBL.G, colBL.B}} {
				if absDiff(c.R, want[0]) < 12 && absDiff(c.G, want[1]) < 12 && absDiff(c.B, want[2]) < 12 {
					out[name]++
				}
			}
		}
	}
	return out
}

func absDiff(a, b uint8) int { return abs(int(a) - int(b)) }

// Without a display, or with one that does not answer, opening a window
// fails with one line naming the display, and this process lives on.
func TestProbeDisplayFails(t *testing.T) {
	for _, tc := range []struct {
		name, display, want string
	}{
		{"unset", "", "neither $DISPLAY nor $WAYLAND_DISPLAY is set"},
		{"no server", ":4093", "display :4093"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("DISPLAY", tc.display)
			t.Setenv("WAYLAND_DISPLAY", "")
			_, err := OpenWindow(context.Background(), "x")
			if !errors.Is(err, ErrNoDisplay) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line wrapping ErrNoDisplay and saying %q", err, tc.want)
			}
		})
	}
}
