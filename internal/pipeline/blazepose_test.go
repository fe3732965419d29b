package pipeline

import (
	"context"
	"encoding/csv"
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/models"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/schema"
	"github.com/kneescreen/kneescreen/screening"
)

// The tests below run BlazePose (full) through the pipeline on short real
// clips. They skip without the converted models (make models writes them
// to KNEESCREEN_MODELS_DIR) or the shared footage.

var (
	blazeOnce  sync.Once
	blazeModel models.PoseModel
	blazeErr   error
)

// blazePose returns the estimator factory of the shared BlazePose (full)
// model, loaded once per test binary.
func blazePose(t testing.TB) NewEstimatorFunc {
	t.Helper()
	dir := os.Getenv("KNEESCREEN_MODELS_DIR")
	if dir == "" {
		t.Skip("KNEESCREEN_MODELS_DIR not set (make models converts BlazePose there); skipping")
	}
	blazeOnce.Do(func() { blazeModel, blazeErr = models.Open(models.BlazePose, dir, models.Options{}) })
	if errors.Is(blazeErr, models.ErrModelNotFound) {
		t.Skipf("%v; skipping", blazeErr)
	}
	if blazeErr != nil {
		t.Fatal(blazeErr)
	}
	return func(threads int) (Estimator, error) { return blazeModel.NewPoseEstimator(threads), nil }
}

// blazeClip is a short front-view squat (49 frames, 1280x720): one
// bodyweight squat, feet flat and apart.
const blazeClip = "realdata/videos/spotme_front_squat_train_good3.mp4"

func trackClip(t *testing.T, path string, opts TrackOptions) *pose.Track {
	t.Helper()
	src, err := Open(path, 30)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	tr, err := Track(context.Background(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestBlazePoseSymmetric: mirror-averaged estimation with BlazePose's 33
// landmarks pairs each landmark with its mirror twin (the skeleton's
// mirror table): the averaged pose stays on the plain pose's landmarks,
// heels and toes included. A landmark left out of the table, or paired
// with the wrong twin, would be averaged with the other foot (hand, eye)
// and land between the two.
func TestBlazePoseSymmetric(t *testing.T) {
	newEst := blazePose(t)
	path := testenv.Shared(t, blazeClip)
	plain := trackClip(t, path, TrackOptions{NewEstimator: newEst, Threads: 2})
	sym := trackClip(t, path, TrackOptions{NewEstimator: newEst, Threads: 2, Symmetric: true})
	if len(plain.Poses) != len(sym.Poses) || len(plain.Poses) < 40 {
		t.Fatalf("%d plain and %d symmetric poses", len(plain.Poses), len(sym.Poses))
	}
	if sym.Skeleton != pose.BlazePose33 {
		t.Fatalf("skeleton %v, want blazepose33", sym.Skeleton)
	}
	sk := pose.BlazePose33
	dist := make([][]float64, sk.Len())
	// Between-twin distance: how far a mispaired landmark would move.
	twin := make([][]float64, sk.Len())
	for i := range sym.Poses {
		p, q := &plain.Poses[i], &sym.Poses[i]
		if !p.Person || !q.Person {
			continue
		}
		size := bodySizeOf(p)
		for j := range sk.Len() {
			a, b := p.Keypoints[j], q.Keypoints[j]
			if a.Score < 0.5 {
				continue
			}
			dist[j] = append(dist[j], math.Hypot(a.X-b.X, a.Y-b.Y)/size)
			if m := sk.Mirror(j); m != j {
				o := p.Keypoints[m]
				twin[j] = append(twin[j], math.Hypot(a.X-o.X, a.Y-o.Y)/size)
			}
		}
	}
	for _, j := range []pose.Joint{pose.LeftHeel, pose.RightHeel, pose.LeftFootIndex, pose.RightFootIndex,
		pose.LeftAnkle, pose.RightAnkle, pose.LeftKnee, pose.RightKnee, pose.LeftHip, pose.RightHip, pose.LeftShoulder, pose.RightShoulder} {
		i, _ := sk.Index(j)
		if len(dist[i]) < len(plain.Poses)*3/4 {
			t.Errorf("%s confident in %d frames, want most of %d", j, len(dist[i]), len(plain.Poses))
			continue
		}
		d, w := median(dist[i]), median(twin[i])
		t.Logf("%-16s symmetric vs plain: median %.1f%% of the body; its twin is %.1f%% away", j, 100*d, 100*w)
		// The model is not exactly mirror-symmetric: the two passes
		// differ by a few per cent on the feet; a mispaired landmark
		// would move by half the distance to its twin.
		if d > 0.03 || d > w/4 {
			t.Errorf("%s: the symmetric pose is %.1f%% of the body from the plain one (twin %.1f%% away)", j, 100*d, 100*w)
		}
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// bodySizeOf is the diagonal of the box around a pose's confident
// keypoints.
func bodySizeOf(p *pose.Pose) float64 {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, k := range p.Keypoints {
		if k.Score >= 0.5 {
			x0, y0, x1, y1 = min(x0, k.X), min(y0, k.Y), max(x1, k.X), max(y1, k.Y)
		}
	}
	return math.Hypot(x1-x0, y1-y0)
}

// TestRunBlazePose analyses a real clip with BlazePose end to end: the
// report validates, keypoints.csv has the 33 landmarks' columns with the
// feet measured in most frames, and the annotated bottom frame shows the
// foot's bones (heel to toe) drawn where the conditioned keypoints put
// them.
func TestRunBlazePose(t *testing.T) {
	newEst := blazePose(t)
	path := testenv.Shared(t, blazeClip)
	out := filepath.Join(t.TempDir(), "out")
	cfg := defaultConfig(t, report.FormatJSON, report.FormatCSV, report.FormatHTML)
	cfg.Track.NewEstimator = newEst
	cfg.Analysis.Model = models.BlazePose
	res, err := Run(context.Background(), path, out, cfg)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := os.ReadFile(filepath.Join(out, report.JSONFile))
	if err := schema.ValidateReport(doc); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(out, report.KeypointsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	if len(head) != 3+3*33 {
		t.Fatalf("keypoints.csv has %d columns, want 3 + 3 x 33", len(head))
	}
	heelX := slices.Index(head, "left_heel_x")
	toeScore := slices.Index(head, "right_foot_index_score")
	if heelX < 0 || toeScore < 0 {
		t.Fatalf("keypoints.csv header lacks the feet: %q", head)
	}
	feet := 0
	for _, r := range rows[1:] {
		if r[heelX] != "" && r[toeScore] != "" && r[toeScore] != "0" {
			feet++
		}
	}
	if feet < len(rows[1:])*9/10 {
		t.Errorf("feet in %d of %d rows of keypoints.csv", feet, len(rows)-1)
	}

	rep := res.Report
	if len(rep.Reps) != 1 {
		t.Fatalf("%d reps, want the clip's one", len(rep.Reps))
	}
	bottom := rep.Reps[0].BottomFrame
	src, err := Open(path, 30)
	if err != nil {
		t.Fatal(err)
	}
	frames, err := Render(context.Background(), src, rep, res.Track, RenderOptions{Keep: []int{bottom}, KeepMaxSide: 1280})
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	img, ok := frames[bottom].(*image.RGBA)
	if !ok {
		t.Fatalf("kept frame is %T", frames[bottom])
	}
	s := rep.Series
	i := slices.Index(s.Frame, bottom)
	for _, foot := range [][2]pose.Joint{{pose.LeftHeel, pose.LeftFootIndex}, {pose.RightHeel, pose.RightFootIndex}} {
		a, b := s.Keypoints[i][idx(foot[0])], s.Keypoints[i][idx(foot[1])]
		if math.IsNaN(a.X) || math.IsNaN(b.X) {
			t.Errorf("%s or %s missing at the bottom frame", foot[0], foot[1])
			continue
		}
		// The bone's middle, away from the joints' discs: the skeleton's
		// light grey.
		c := img.RGBAAt(int((a.X+b.X)/2), int((a.Y+b.Y)/2))
		if c.R < 200 || c.G < 200 || c.B < 200 {
			t.Errorf("%s-%s bone not drawn: pixel between them is %v", foot[0], foot[1], c)
		}
	}
}

// TestBlazePoseFootMetrics analyses a short front-view and a short
// side-view squat with BlazePose: the front one reads each foot's turn-out
// (the frames show both feet turned out, neither more than about 40°) and
// grades the heel-rise indicator on both legs (the heels stay down: ok);
// the side one reads the near foot's heel rise (ok) and its ankle
// dorsiflexion at the bottom (positive: the knee travels forward over the
// foot); and the same clips through MoveNet list the foot metrics as not
// assessable for want of foot keypoints.
func TestBlazePoseFootMetrics(t *testing.T) {
	newEst := blazePose(t)
	for _, tc := range []struct {
		clip string
		side bool
	}{
		{blazeClip, false},
		{"realdata/videos/workouttracker_squat_17.mp4", true},
	} {
		t.Run(filepath.Base(tc.clip), func(t *testing.T) {
			path := testenv.Shared(t, tc.clip)
			tr := trackClip(t, path, TrackOptions{NewEstimator: newEst, Threads: 2, Symmetric: true})
			o := screening.DefaultOptions()
			rep, err := screening.Analyze(context.Background(), tr, o)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Reps) != 1 {
				t.Fatalf("%d reps, want 1", len(rep.Reps))
			}
			r := rep.Reps[0]
			heel := 0
			for _, f := range r.Findings {
				if f.Indicator == screening.IndHeelRise && f.Level == screening.LevelOK {
					heel++
				}
			}
			if !tc.side {
				fp := r.Metrics[screening.MetricFootProgression]
				for _, v := range []float64{fp.Left, fp.Right} {
					if !(v > 5 && v < 40) {
						t.Errorf("front view: foot progression %v, want both feet turned out 5-40°", fp)
					}
				}
				if heel != 2 {
					t.Errorf("front view: heel rise ok on %d legs, want 2: %+v", heel, r.Findings)
				}
				return
			}
			if heel < 1 {
				t.Errorf("side view: heel rise ok on %d legs, want the near one: %+v", heel, r.Findings)
			}
			df := r.Metrics[screening.MetricAnkleDorsiflexion]
			if !(df.Left > 5 || df.Right > 5) {
				t.Errorf("side view: ankle dorsiflexion %v, want the near ankle dorsiflexed", df)
			}
			lt := trackClip(t, path, TrackOptions{NewEstimator: lightning(t), Threads: 2})
			mrep, err := screening.Analyze(context.Background(), lt, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range mrep.Metrics {
				if (m.Name == screening.MetricHeelRise || m.Name == screening.MetricAnkleDorsiflexion) && (m.Assessable || !strings.Contains(m.Reason, "no foot keypoints")) {
					t.Errorf("MoveNet: %s assessable %v, %q", m.Name, m.Assessable, m.Reason)
				}
			}
		})
	}
}

func idx(j pose.Joint) int {
	i, _ := pose.BlazePose33.Index(j)
	return i
}

// BenchmarkAnalyzeBlazePose times analyze --model blazepose --formats json
// end to end (decode, mirror-averaged BlazePose on every frame, screening,
// report.json) on the shared 720p30 clip, on all CPUs as the command runs
// it; "x-realtime" is the clip's duration over the time taken. Run it on a
// quiet machine:
//
//	go test -run '^$' -bench AnalyzeBlazePose -benchtime 3x ./internal/pipeline
func BenchmarkAnalyzeBlazePose(b *testing.B) {
	newEst := blazePose(b)
	path := testenv.Shared(b, "realdata/videos/rjsong_front_squat.mp4")
	cfg := defaultConfig(b, report.FormatJSON)
	cfg.Track.NewEstimator = newEst
	cfg.Analysis.Model = models.BlazePose
	frames, seconds := 0, 0.0
	for b.Loop() {
		res, err := Run(context.Background(), path, b.TempDir(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		frames += len(res.Track.Poses)
		seconds += float64(len(res.Track.Poses)) / res.Track.FPS
	}
	b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(seconds/b.Elapsed().Seconds(), "x-realtime")
}
