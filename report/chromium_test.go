package report

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chromium returns the headless browser's path, skipping the test when
// none is installed (CI installs Debian's chromium package).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not installed (apt-get install chromium)")
	return ""
}

// runChromium runs a headless, offline, throw-away browser on file with
// extra flags and returns its stdout and stderr.
func runChromium(t *testing.T, bin, file string, extra ...string) (string, string) {
	t.Helper()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--no-first-run", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000"}
	args = append(args, extra...)
	args = append(args, "file://"+file)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errb.String())
	}
	return out.String(), errb.String()
}

// consoleLine matches what chromium logs for a page's console messages
// and failed loads.
var consoleLine = regexp.MustCompile(`(?i)CONSOLE|Uncaught|Failed to load|Not allowed to load|Refused to`)

// TestHTMLInChromium opens report.html in headless Chromium: no console
// message or failed load, every image (plots and frames) decodes, and a
// screenshot of the page is far from blank.
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	d := analyzed(t, cases[1].cfg) // step-down: findings, score, plots, frames
	dir := t.TempDir()
	if err := Write(context.Background(), dir, Formats{FormatHTML: true}, d); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, HTMLFile)

	// 1. The page as written: console and a screenshot.
	shot := filepath.Join(dir, "shot.png")
	_, stderr := runChromium(t, bin, page, "--screenshot="+shot, "--window-size=1200,6000", "--hide-scrollbars")
	for _, l := range strings.Split(stderr, "\n") {
		if consoleLine.MatchString(l) {
			t.Errorf("chromium reported: %s", l)
		}
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	// A blank page has no ink; a page of text alone has grey ink only. The
	// plots, frames and level badges bring saturated colour.
	inked, saturated, colours := 0, 0, map[uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xe000 || g < 0xe000 || bl < 0xe000 {
				inked++
			}
			colours[(r>>11)<<10|(g>>11)<<5|bl>>11] = true
			if max(r, g, bl)-min(r, g, bl) > 0x3000 {
				saturated++
			}
		}
	}
	n := float64((b.Dx() / 2) * (b.Dy() / 2))
	share, sat := float64(inked)/n, float64(saturated)/n
	t.Logf("screenshot %dx%d: %.1f%% non-white, %.1f%% saturated, %d colours", b.Dx(), b.Dy(), 100*share, 100*sat, len(colours))
	if share < 0.03 || sat < 0.005 || len(colours) < 50 {
		t.Errorf("screenshot looks blank: %.1f%% non-white, %.1f%% saturated pixels, %d colours", 100*share, 100*sat, len(colours))
	}

	// 2. A copy with a probe script: every image must have decoded.
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	probe := strings.Replace(string(html), "</body>", `<script>
window.addEventListener("load", function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++) { if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++; }
  document.title = "images " + ok + "/" + imgs.length;
});
</script></body>`, 1)
	probePage := filepath.Join(dir, "probe.html")
	if err := os.WriteFile(probePage, []byte(probe), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, _ := runChromium(t, bin, probePage, "--dump-dom")
	m := regexp.MustCompile(`<title>images (\d+)/(\d+)</title>`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("probe script did not run; title in DOM: %q", regexp.MustCompile(`<title>.*</title>`).FindString(dom))
	}
	want := len(d.Report.Reps) + 2 // frames + FPPA and knee flexion plots
	if m[1] != m[2] || m[2] != strconv.Itoa(want) {
		t.Errorf("%s of %s images decoded, want %d of %d", m[1], m[2], want, want)
	}
}
