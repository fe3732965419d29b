package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/internal/sample"
	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/models"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/schema"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
	"github.com/kneescreen/kneescreen/vision"
)

var (
	modelOnce sync.Once
	modelSrc  *models.ModelSource
	model     *models.Model
	modelErr  error
)

// lightning returns an estimator factory for the embedded model, loaded
// once per test binary and shared by every run, as the CLI shares it.
func lightning(t testing.TB) NewEstimatorFunc {
	t.Helper()
	modelOnce.Do(func() {
		if modelSrc, modelErr = models.LoadModel(models.Lightning, ""); modelErr == nil {
			model, modelErr = models.Load(modelSrc, models.Options{})
		}
	})
	if modelErr != nil {
		t.Fatal(modelErr)
	}
	return func(threads int) (Estimator, error) { return model.NewEstimatorThreads(threads), nil }
}

// testConfig is a small, quick clip: the sample figure at 640x360.
func testClipConfig(reps int) synth.Config {
	cfg := sample.DefaultConfig()
	cfg.Width, cfg.Height = 640, 360
	cfg.Reps = reps
	cfg.LeadS, cfg.TailS = 0.6, 0.6
	return cfg
}

func writeClip(t testing.TB, cfg synth.Config, mirror bool) (string, *sample.Clip) {
	t.Helper()
	c, err := sample.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Mirror = mirror
	path := filepath.Join(t.TempDir(), "clip.mp4")
	if err := c.WriteVideo(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	return path, c
}

func defaultConfig(t testing.TB, formats ...report.Format) Config {
	fs := report.Formats{}
	for _, f := range formats {
		fs[f] = true
	}
	return Config{
		Screening: screening.DefaultOptions(),
		Track:     TrackOptions{NewEstimator: lightning(t), Symmetric: true},
		Formats:   fs,
		Analysis:  report.Analysis{Tool: "test", Model: "lightning", Symmetric: true},
	}
}

// TestRunSampleClip runs the whole analysis on a video the test renders:
// every file is written and valid, the reps are the clip's, the caving
// left knee reads more valgus than the straight right one, and the
// annotated video has the input's frame count.
func TestRunSampleClip(t *testing.T) {
	cfg := testClipConfig(3)
	in, clip := writeClip(t, cfg, false)
	out := filepath.Join(t.TempDir(), "out")
	res, err := Run(context.Background(), in, out, defaultConfig(t, report.AllFormats...))
	if err != nil {
		t.Fatal(err)
	}
	checkOutputs(t, out, report.AllFormats)
	doc, _ := os.ReadFile(filepath.Join(out, report.JSONFile))
	if err := schema.ValidateReport(doc); err != nil {
		t.Fatal(err)
	}
	r := res.Report
	if r.Movement != screening.MovementSquat || r.View != screening.ViewFront {
		t.Errorf("movement %s, view %s; want squat, front", r.Movement, r.View)
	}
	if len(r.Reps) != clip.Truth.Reps {
		t.Fatalf("%d reps, want %d", len(r.Reps), clip.Truth.Reps)
	}
	for _, rp := range r.Reps {
		f := rp.Metrics[screening.MetricFPPA]
		if !(f.Left > f.Right+3) {
			t.Errorf("rep %d: FPPA left %.1f, right %.1f; the left knee caves in by %.0f° more", rp.Index, f.Left, f.Right, cfg.ValgusDeg[0]-cfg.ValgusDeg[1])
		}
	}
	pr, err := vision.Probe(context.Background(), filepath.Join(out, report.VideoFile))
	if err != nil {
		t.Fatal(err)
	}
	if pr.FrameCount != clip.Len() || pr.Width != clip.Width || pr.Height != clip.Height {
		t.Errorf("annotated video: %d frames %dx%d, want %d frames %dx%d", pr.FrameCount, pr.Width, pr.Height, clip.Len(), clip.Width, clip.Height)
	}
	html, _ := os.ReadFile(filepath.Join(out, report.HTMLFile))
	if n := strings.Count(string(html), "data:image/jpeg"); n != len(r.Reps) {
		t.Errorf("report.html shows %d bottom frames, want %d", n, len(r.Reps))
	}
}

// checkOutputs asserts dir holds exactly the files of formats and the
// manifest that marks them complete.
func checkOutputs(t *testing.T, dir string, formats []report.Format) {
	t.Helper()
	want := map[string]bool{report.ManifestFile: true}
	for _, f := range formats {
		switch f {
		case report.FormatJSON:
			want[report.JSONFile] = true
		case report.FormatCSV:
			want[report.KeypointsFile], want[report.AnglesFile] = true, true
		case report.FormatHTML:
			want[report.HTMLFile] = true
		case report.FormatVideo:
			want[report.VideoFile] = true
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !want[e.Name()] {
			t.Errorf("unexpected file %s in the output", e.Name())
		}
		delete(want, e.Name())
	}
	for n := range want {
		t.Errorf("missing %s", n)
	}
}

// TestRunImageFolder reads a folder of frames as one recording.
func TestRunImageFolder(t *testing.T) {
	cfg := testClipConfig(1)
	cfg.LeadS, cfg.TailS, cfg.DescentS, cfg.AscentS = 0.3, 0.3, 0.6, 0.6
	c, err := sample.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var img *image.RGBA
	for i := range c.Len() {
		img = c.Frame(i, img)
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%04d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	out := t.TempDir()
	conf := defaultConfig(t, report.FormatJSON, report.FormatCSV)
	conf.ImageFPS = cfg.FPS
	res, err := Run(context.Background(), dir, out, conf)
	if err != nil {
		t.Fatal(err)
	}
	checkOutputs(t, out, []report.Format{report.FormatJSON, report.FormatCSV})
	if res.Report.Source.Frames != c.Len() || len(res.Track.Poses) != c.Len() {
		t.Errorf("analysed %d frames, want %d", res.Report.Source.Frames, c.Len())
	}
	if len(res.Report.Reps) != 1 {
		t.Errorf("%d reps, want 1", len(res.Report.Reps))
	}
}

// TestRunNoPerson: an empty room is refused with ErrNoPerson, in one line
// that says what to film, and a folder's earlier report is left as it
// was; a new folder is not left behind.
func TestRunNoPerson(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.mp4")
	w, err := vision.CreateVideo(path, 30, 320, 240)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for i := range 30 {
		for p := 0; p < len(img.Pix); p += 4 {
			img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = 200, 205, uint8(210+i%3), 255
		}
		if err := w.Write(img); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// A folder that holds the report of an earlier, good run.
	out := t.TempDir()
	if _, err := Run(context.Background(), testenv.Testdata(t, sample.FixtureFile), out, defaultConfig(t, report.FormatJSON)); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(out, report.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), path, out, defaultConfig(t, report.AllFormats...))
	if !errors.Is(err, ErrNoPerson) || !Unscreenable(err) || res != nil {
		t.Fatalf("Run on an empty room: %v, %v; want ErrNoPerson, unscreenable", res, err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "30 frames") || !strings.Contains(msg, "film the whole body") {
		t.Errorf("error %q: want one line with the frames looked at and what to film", msg)
	}
	after, err := os.ReadFile(filepath.Join(out, report.JSONFile))
	if err != nil || !bytes.Equal(after, before) {
		t.Errorf("the earlier report.json was changed or removed (%v)", err)
	}
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		if n := e.Name(); n != report.JSONFile && n != report.ManifestFile {
			t.Errorf("refused run left %s", n)
		}
	}
	fresh := filepath.Join(t.TempDir(), "new", "out")
	if _, err := Run(context.Background(), path, fresh, defaultConfig(t, report.AllFormats...)); !errors.Is(err, ErrNoPerson) {
		t.Fatalf("Run into a new folder: %v, want ErrNoPerson", err)
	}
	if _, err := os.Stat(filepath.Dir(fresh)); !os.IsNotExist(err) {
		t.Errorf("refused run left the folder it made (%v)", err)
	}
}

// TestRunCancelLeavesNothing cancels mid-way: Run returns the context's
// error and the output folder holds no file, finished or not.
func TestRunCancelLeavesNothing(t *testing.T) {
	for _, pass := range []string{"pose", "render"} {
		t.Run(pass, func(t *testing.T) {
			in := testenv.Testdata(t, sample.FixtureFile)
			out := filepath.Join(t.TempDir(), "out")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			conf := defaultConfig(t, report.AllFormats...)
			conf.Track.Symmetric = false
			conf.Progress = func(p Progress) {
				if p.Pass == pass && p.Done == 20 {
					cancel()
				}
			}
			_, err := Run(ctx, in, out, conf)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Run after cancel: %v, want context.Canceled", err)
			}
			ents, _ := os.ReadDir(out)
			for _, e := range ents {
				t.Errorf("cancelled run left %s", e.Name())
			}
		})
	}
}

// colourSource is a FrameSource of flat frames whose red value is the
// frame index, to check ordering without a model.
type colourSource struct {
	n, i int
	img  *image.RGBA
	// fps is the frame rate (0: 10).
	fps float64
}

func (s *colourSource) rate() float64 {
	if s.fps > 0 {
		return s.fps
	}
	return 10
}

func (s *colourSource) Info() vision.Info {
	return vision.Info{Path: "colours", Width: 64, Height: 48, FPS: s.rate(), FrameCount: s.n}
}

func (s *colourSource) Next(ctx context.Context) (vision.Frame, error) {
	if s.i >= s.n {
		return vision.Frame{}, io.EOF
	}
	if s.img == nil {
		s.img = image.NewRGBA(image.Rect(0, 0, 64, 48))
	}
	for p := 0; p < len(s.img.Pix); p += 4 {
		s.img.Pix[p], s.img.Pix[p+3] = uint8(s.i), 255
	}
	// A bright column on the left edge, so mirrored frames differ.
	for y := 0; y < 48; y++ {
		s.img.SetRGBA(0, y, color.RGBA{0, 255, 0, 255})
	}
	f := vision.Frame{Index: s.i, Time: float64(s.i) / s.rate(), Image: s.img}
	s.i++
	return f, nil
}

func (s *colourSource) Close() error { return nil }

// probeEstimator reports the frame's red value as the nose's score and the
// x of its green column as the nose's x; it counts its calls.
type probeEstimator struct{ calls *int }

func (e probeEstimator) Track(_ context.Context, img image.Image) (pose.Pose, error) {
	m := img.(*image.RGBA)
	*e.calls++
	p := pose.NewPose(pose.COCO17)
	p.At(pose.Nose).Score = float64(m.Pix[4*10]) // pixel (10, 0)
	for x := 0; x < m.Rect.Dx(); x++ {
		if m.RGBAAt(x, 0).G == 255 {
			p.At(pose.Nose).X = float64(x)
			p.At(pose.LeftKnee).X = float64(x) // left only: mirroring swaps it
		}
	}
	p.Person = true
	return p, nil
}

func (e probeEstimator) Close() {}

func TestTrackKeepsFrameOrderAcrossLanes(t *testing.T) {
	for _, tc := range []struct {
		lanes     int
		symmetric bool
	}{{1, false}, {2, false}, {3, false}, {2, true}, {4, true}} {
		t.Run(fmt.Sprintf("lanes=%d symmetric=%v", tc.lanes, tc.symmetric), func(t *testing.T) {
			var mu sync.Mutex
			var counters []*int
			newEst := func(int) (Estimator, error) {
				mu.Lock()
				defer mu.Unlock()
				c := new(int)
				counters = append(counters, c)
				return probeEstimator{calls: c}, nil
			}
			const n = 57
			var streamed []pose.Pose
			each := func(p pose.Pose) error { streamed = append(streamed, p); return nil }
			tr, err := StreamPoses(context.Background(), &colourSource{n: n}, TrackOptions{NewEstimator: newEst, Lanes: tc.lanes, Symmetric: tc.symmetric, Threads: 2}, each)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range streamed {
				if p.Frame != i {
					t.Fatalf("StreamPoses gave frame %d at position %d: not in order", p.Frame, i)
				}
			}
			if len(streamed) != n {
				t.Fatalf("StreamPoses gave %d poses, want %d", len(streamed), n)
			}
			if len(tr.Poses) != 0 || tr.Width != 64 || tr.FPS != 10 || tr.Skeleton != pose.COCO17 {
				t.Fatalf("stream header: %d poses %dx%d at %v fps, skeleton %v", len(tr.Poses), tr.Width, tr.Height, tr.FPS, tr.Skeleton)
			}
			tr.Poses = streamed
			calls := 0
			for _, c := range counters {
				calls += *c
			}
			want := n
			if tc.symmetric {
				want = 2 * n
			}
			if calls != want {
				t.Errorf("%d inferences, want %d", calls, want)
			}
			for i, p := range tr.Poses {
				if p.Frame != i || p.At(pose.Nose).Score != float64(i) {
					t.Fatalf("pose %d: frame %d, score %v", i, p.Frame, p.At(pose.Nose).Score)
				}
				// The green column is at x=0: the plain pass sees it there,
				// the mirrored pass at 63 and maps it back to 64-63=1; the
				// average lies between.
				x := p.At(pose.Nose).X
				if !tc.symmetric && x != 0 || tc.symmetric && (x != 0.5) {
					t.Fatalf("pose %d: nose x %v", i, x)
				}
				// Mirroring swaps left and right: the mirrored pass's left
				// knee comes back as the right knee.
				if tc.symmetric && p.At(pose.RightKnee).X == 0 {
					t.Fatalf("pose %d: right knee not filled from the mirrored pass", i)
				}
			}
		})
	}
}

func TestMirrorRGBA(t *testing.T) {
	src := image.NewRGBA(image.Rect(3, 2, 8, 5)) // non-zero origin
	for y := 2; y < 5; y++ {
		for x := 3; x < 8; x++ {
			src.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), 7, 255})
		}
	}
	dst := mirrorRGBA(nil, src)
	for y := 0; y < 3; y++ {
		for x := 0; x < 5; x++ {
			want := color.RGBA{uint8(3 + 4 - x), uint8(2 + y), 7, 255}
			if got := dst.RGBAAt(x, y); got != want {
				t.Fatalf("mirror at %d,%d = %v, want %v", x, y, got, want)
			}
		}
	}
}

// sizeEstimator reports the size of the image it was given as the nose's
// position, so scaling back to source pixels can be checked.
type sizeEstimator struct{}

func (sizeEstimator) Track(_ context.Context, img image.Image) (pose.Pose, error) {
	p := pose.NewPose(pose.COCO17)
	b := img.Bounds()
	*p.At(pose.Nose) = pose.Keypoint{X: float64(b.Dx()), Y: float64(b.Dy()), Score: 1}
	p.Person = true
	return p, nil
}

func (sizeEstimator) Close() {}

func TestTrackReducesLargeFrames(t *testing.T) {
	for _, tc := range []struct {
		maxSide int
		want    float64 // width the estimator saw
	}{{-1, 64}, {64, 64}, {63, 32}, {32, 32}, {31, 21}} {
		t.Run(fmt.Sprint(tc.maxSide), func(t *testing.T) {
			newEst := func(int) (Estimator, error) { return sizeEstimator{}, nil }
			tr, err := Track(context.Background(), &colourSource{n: 5}, TrackOptions{NewEstimator: newEst, Lanes: 1, MaxSide: tc.maxSide})
			if err != nil {
				t.Fatal(err)
			}
			seen := tr.Poses[4].At(pose.Nose).X
			// Scaled back, the estimator's "width" is the source's.
			if seen != 64 || tr.Poses[4].At(pose.Nose).Y != 48 {
				t.Errorf("keypoint (%v, %v), want (64, 48) in source pixels", seen, tr.Poses[4].At(pose.Nose).Y)
			}
			if k := reduction(64, 48, tc.maxSide); 64/k != int(tc.want) {
				t.Errorf("reduction %d: estimator saw width %d, want %v", k, 64/k, tc.want)
			}
		})
	}
}

// TestBoxReduce holds boxReduce to the definition (each channel the
// rounded mean of its k x k block, alpha 255 whatever the source's, edge
// pixels that fill no block dropped) byte for byte: noise frames, so every
// rounding case occurs, widths around the AVX2 kernel's 4-pixel step (its
// Go tail alone, both, 720p), sub-images with a non-zero origin and a
// stride wider than the row, factors 2 and 3. reduce2Go, the kernel's Go
// version, is checked on its own too (GODEBUG=cpu.avx2=off and -tags noasm
// make it boxReduce's).
func TestBoxReduce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	reference := func(src *image.RGBA, k int) *image.RGBA {
		w, h := src.Rect.Dx()/k, src.Rect.Dy()/k
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		n := k * k
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var s [3]int
				for yy := 0; yy < k; yy++ {
					for xx := 0; xx < k; xx++ {
						c := src.RGBAAt(src.Rect.Min.X+x*k+xx, src.Rect.Min.Y+y*k+yy)
						s[0], s[1], s[2] = s[0]+int(c.R), s[1]+int(c.G), s[2]+int(c.B)
					}
				}
				dst.SetRGBA(x, y, color.RGBA{uint8((s[0] + n/2) / n), uint8((s[1] + n/2) / n), uint8((s[2] + n/2) / n), 255})
			}
		}
		return dst
	}
	type sized struct{ w, h int }
	var sizes []sized
	for w := 1; w <= 21; w++ {
		sizes = append(sizes, sized{w, 1 + w%4})
	}
	sizes = append(sizes, sized{11, 9}, sized{1280, 720}, sized{1081, 1921})
	kernels := []struct {
		name   string
		reduce func(dst, src *image.RGBA, k int) *image.RGBA
	}{
		{"boxReduce", boxReduce},
		{"reduce2Go", func(dst, src *image.RGBA, k int) *image.RGBA {
			saved := reduce2Kernel
			reduce2Kernel = reduce2Go
			defer func() { reduce2Kernel = saved }()
			return boxReduce(dst, src, k)
		}},
	}
	for _, sz := range sizes {
		for _, k := range []int{2, 3} {
			// A sub-image of a larger noise frame: origin (3, 1), stride
			// wider than the row.
			full := image.NewRGBA(image.Rect(0, 0, 2*sz.w+5, 2*sz.h+3))
			for i := range full.Pix {
				full.Pix[i] = uint8(rng.Uint32())
			}
			src := full.SubImage(image.Rect(3, 1, 3+2*sz.w+1, 1+2*sz.h+1)).(*image.RGBA)
			want := reference(src, k)
			for _, kn := range kernels {
				got := kn.reduce(nil, src, k)
				if got.Rect != want.Rect {
					t.Fatalf("%s %dx%d k=%d: size %v, want %v", kn.name, src.Rect.Dx(), src.Rect.Dy(), k, got.Rect, want.Rect)
				}
				if !bytes.Equal(got.Pix, want.Pix) {
					for i := range want.Pix {
						if got.Pix[i] != want.Pix[i] {
							t.Fatalf("%s %dx%d k=%d: byte %d (pixel %d) is %d, want %d", kn.name, src.Rect.Dx(), src.Rect.Dy(), k, i, i/4, got.Pix[i], want.Pix[i])
						}
					}
				}
			}
		}
	}
}

// endlessSource is a camera that never ends: flat 64x48 frames, counting
// how many it has delivered.
type endlessSource struct {
	img     *image.RGBA
	decoded atomic.Int64
}

func (s *endlessSource) Info() vision.Info {
	return vision.Info{Path: "camera", Width: 64, Height: 48, FPS: 30, FrameCount: -1}
}

func (s *endlessSource) Next(ctx context.Context) (vision.Frame, error) {
	if err := ctx.Err(); err != nil {
		return vision.Frame{}, err
	}
	if s.img == nil {
		s.img = image.NewRGBA(image.Rect(0, 0, 64, 48))
	}
	i := int(s.decoded.Add(1)) - 1
	return vision.Frame{Index: i, Time: float64(i) / 30, Image: s.img}, nil
}

func (s *endlessSource) Close() error { return nil }

// slowEstimator sleeps on every other call, so lanes finish out of order.
type slowEstimator struct{ calls int }

func (e *slowEstimator) Track(ctx context.Context, img image.Image) (pose.Pose, error) {
	e.calls++
	if e.calls%2 == 0 {
		time.Sleep(200 * time.Microsecond)
	}
	p := pose.NewPose(pose.COCO17)
	p.Person = true
	return p, nil
}

func (e *slowEstimator) Close() {}

// TestStreamPosesIsBoundedAndStops streams a camera that never ends: the
// frames decoded but not yet handed out stay within a small bound however
// long it runs (no pose is kept), an error from the consumer stops every
// stage and is returned, and cancelling the context stops it too.
func TestStreamPosesIsBoundedAndStops(t *testing.T) {
	for _, symmetric := range []bool{false, true} {
		t.Run(fmt.Sprint("symmetric=", symmetric), func(t *testing.T) {
			src := &endlessSource{}
			newEst := func(int) (Estimator, error) { return &slowEstimator{}, nil }
			opts := TrackOptions{NewEstimator: newEst, Lanes: 4, Threads: 4, Symmetric: symmetric}
			lanes, _ := laneLayout(opts)
			// A few frames per lane at each stage (the decoder's queue of
			// Depth per lane, the lane's own queue of Depth and the frame
			// it works on, the results channel, the collector's reorder
			// buffer): a bound in lanes, not in the stream's length, which
			// is 3000 frames here.
			bound := int64(8 * lanes * 2)
			errEnough := errors.New("enough")
			const want = 3000
			var got, worst int64
			_, err := StreamPoses(context.Background(), src, opts, func(p pose.Pose) error {
				if int64(p.Frame) != got {
					return fmt.Errorf("frame %d at position %d", p.Frame, got)
				}
				got++
				worst = max(worst, src.decoded.Load()-got)
				if got == want {
					return errEnough
				}
				return nil
			})
			if !errors.Is(err, errEnough) {
				t.Fatalf("StreamPoses returned %v, want the consumer's error", err)
			}
			if got != want {
				t.Fatalf("%d poses handed out, want %d", got, want)
			}
			t.Logf("at most %d frames in flight (bound %d)", worst, bound)
			if worst > bound {
				t.Errorf("%d frames decoded ahead of the consumer, want at most %d: memory grows with the stream", worst, bound)
			}
			// The decoder stopped with the stream.
			if after := src.decoded.Load(); after > want+bound {
				t.Errorf("%d frames decoded for %d consumed", after, want)
			}
			ctx, cancel := context.WithCancel(context.Background())
			n := 0
			_, err = StreamPoses(ctx, &endlessSource{}, opts, func(pose.Pose) error {
				if n++; n == 100 {
					cancel()
				}
				return nil
			})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled stream returned %v, want context.Canceled", err)
			}
		})
	}
}

// TestVideoSize: VideoMaxSide 0 (or negative) keeps the input's size, as
// the analyze command's --video-max-side 0 does; a cap reduces by an
// integer factor.
func TestVideoSize(t *testing.T) {
	for _, tc := range []struct{ w, h, max, wantW, wantH int }{
		{1080, 1920, 0, 1080, 1920},
		{1080, 1920, -1, 1080, 1920},
		{1080, 1920, DefaultVideoMaxSide, 540, 960},
		{1280, 720, DefaultVideoMaxSide, 640, 360},
		{1920, 1080, DefaultVideoMaxSide, 960, 540},
		{960, 544, DefaultVideoMaxSide, 960, 544},
		{1920, 1080, 640, 640, 360},
	} {
		if w, h := VideoSize(tc.w, tc.h, tc.max); w != tc.wantW || h != tc.wantH {
			t.Errorf("VideoSize(%d, %d, %d) = %dx%d, want %dx%d", tc.w, tc.h, tc.max, w, h, tc.wantW, tc.wantH)
		}
	}
}

// countingEstimator counts how many estimators are open.
type countingEstimator struct{ open *atomic.Int32 }

func (e countingEstimator) Track(context.Context, image.Image) (pose.Pose, error) {
	return pose.NewPose(pose.COCO17), nil
}
func (e countingEstimator) Close() { e.open.Add(-1) }

// TestLaneStartupStopsOnCancel: making many lanes' estimators takes a
// while (each holds its own buffers); a cancel (SIGTERM in the CLI) during
// that start-up returns promptly with the context's error, and every
// estimator already made is closed.
func TestLaneStartupStopsOnCancel(t *testing.T) {
	var made, open atomic.Int32
	newEst := func(int) (Estimator, error) {
		time.Sleep(10 * time.Millisecond) // an estimator's buffers
		made.Add(1)
		open.Add(1)
		return countingEstimator{&open}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := StreamPoses(ctx, &endlessSource{}, TrackOptions{NewEstimator: newEst, Lanes: 200, Threads: 200}, func(pose.Pose) error { return nil })
	took := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("StreamPoses returned %v, want context.Canceled", err)
	}
	// 200 lanes take 2 s to start; the cancel comes after 50 ms, and one
	// estimator more may be under way.
	if took > time.Second || made.Load() >= 200 {
		t.Errorf("stopped after %v with %d of 200 estimators made, want well under a second", took, made.Load())
	}
	if n := open.Load(); n != 0 {
		t.Errorf("%d estimators left open", n)
	}
}

// mirrorProbe is a probeEstimator that estimates mirror images itself
// (MirrorTracker), counting those calls apart.
type mirrorProbe struct {
	probeEstimator
	mirrored *int
}

func (e mirrorProbe) TrackMirrored(ctx context.Context, img image.Image) (pose.Pose, error) {
	*e.mirrored++
	return probeEstimator{new(int)}.Track(ctx, mirrorRGBA(nil, img.(*image.RGBA)))
}

// TestSymmetricUsesMirrorTracker: a symmetric pass hands the mirror
// lane's frames to an Estimator's TrackMirrored when it has one (no frame
// is mirrored for it), and the poses are those of the lanes mirroring
// whole frames for an Estimator without it.
func TestSymmetricUsesMirrorTracker(t *testing.T) {
	run := func(withMirror bool) ([]pose.Pose, int, int) {
		var mu sync.Mutex
		var plain, mirrored int
		newEst := func(int) (Estimator, error) {
			mu.Lock()
			defer mu.Unlock()
			if withMirror {
				return mirrorProbe{probeEstimator{&plain}, &mirrored}, nil
			}
			return probeEstimator{&plain}, nil
		}
		tr, err := Track(context.Background(), &colourSource{n: 9}, TrackOptions{NewEstimator: newEst, Symmetric: true, Lanes: 2, Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		return tr.Poses, plain, mirrored
	}
	want, plainCalls, _ := run(false)
	got, plain, mirrored := run(true)
	if plainCalls != 18 || plain != 9 || mirrored != 9 {
		t.Fatalf("Track called %d times without MirrorTracker (want 18), %d and TrackMirrored %d times with it (want 9 and 9)", plainCalls, plain, mirrored)
	}
	for i := range want {
		for k := range want[i].Keypoints {
			if got[i].Keypoints[k] != want[i].Keypoints[k] {
				t.Fatalf("frame %d keypoint %d: %+v, mirroring whole frames %+v", i, k, got[i].Keypoints[k], want[i].Keypoints[k])
			}
		}
	}
}
