package realdata_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/models"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
)

// Real footage: keypoints come from the built-in MoveNet Lightning model
// (package models) on frames that ffmpeg decodes, at most 15 frames/s and
// 720 px high, so the whole set takes about a minute of CPU the first
// time. Tracks are cached under the user cache directory (keyed by the
// video's size and time and the model's hash), never in the repository.
// The tests skip when the shared material, ffmpeg or the model is absent,
// and in -short mode.

const (
	realFPS    = 15
	realHeight = 720
)

var (
	estOnce sync.Once
	est     *models.Estimator
	estHash string
	estErr  error
)

func estimator(t *testing.T) (*models.Estimator, string) {
	t.Helper()
	estOnce.Do(func() {
		src, err := models.LoadModel(models.Lightning, "")
		if err != nil {
			estErr = err
			return
		}
		sum := sha256.Sum256(src.ONNX)
		estHash = hex.EncodeToString(sum[:6])
		est, estErr = models.New(src, models.Options{})
	})
	if estErr != nil {
		t.Skipf("pose model unavailable: %v", estErr)
	}
	return est, estHash
}

// realTrack returns the keypoint track of a shared video.
func realTrack(t *testing.T, video string) *pose.Track {
	t.Helper()
	if testing.Short() {
		t.Skip("real footage needs the pose model; skipped in -short mode")
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed")
	}
	e, hash := estimator(t)
	st, err := os.Stat(video)
	if err != nil {
		t.Fatal(err)
	}
	cacheDir, err := os.UserCacheDir()
	if err != nil {
		cacheDir = os.TempDir()
	}
	cacheDir = filepath.Join(cacheDir, "kneescreen", "screening-test-tracks")
	key := fmt.Sprintf("%s-%d-%d-%s-%d-%d.json", filepath.Base(video), st.Size(), st.ModTime().Unix(), hash, realFPS, realHeight)
	cache := filepath.Join(cacheDir, key)
	if b, err := os.ReadFile(cache); err == nil {
		var tr pose.Track
		if json.Unmarshal(b, &tr) == nil && len(tr.Poses) > 0 {
			return &tr
		}
	}
	tr, err := trackVideo(context.Background(), e, video)
	if err != nil {
		t.Fatalf("%s: %v", video, err)
	}
	if b, err := json.Marshal(tr); err == nil && os.MkdirAll(cacheDir, 0o755) == nil {
		tmp := cache + ".tmp"
		if os.WriteFile(tmp, b, 0o644) == nil {
			_ = os.Rename(tmp, cache)
		}
	}
	return tr
}

// trackVideo decodes a video with ffmpeg into PPM frames and runs the pose
// model over them in tracking mode.
func trackVideo(ctx context.Context, e *models.Estimator, video string) (*pose.Track, error) {
	fps := probeFPS(video)
	vf := fmt.Sprintf("scale=-2:'min(ih,%d)'", realHeight)
	if fps > realFPS+1 {
		vf = fmt.Sprintf("fps=%d,%s", realFPS, vf)
		fps = realFPS
	}
	// rgb24: 10-bit sources (phone HEVC) would otherwise come out as
	// 16-bit PPM.
	ctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-i", video, "-vf", vf, "-pix_fmt", "rgb24", "-f", "image2pipe", "-vcodec", "ppm", "-")
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	// On an early return ffmpeg may still be writing: cancel before
	// waiting so that Wait cannot block on a full pipe.
	defer func() { cancel(); _ = cmd.Wait() }()
	r := bufio.NewReaderSize(out, 1<<20)
	e.Reset()
	tr := &pose.Track{FPS: fps}
	for i := 0; ; i++ {
		img, err := readPPM(r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", i, err)
		}
		tr.Width, tr.Height = img.Rect.Dx(), img.Rect.Dy()
		p, err := e.Track(ctx, img)
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", i, err)
		}
		p.Frame, p.Time = i, float64(i)/fps
		tr.Poses = append(tr.Poses, p)
	}
	return tr, nil
}

func probeFPS(video string) float64 {
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=avg_frame_rate",
		"-of", "csv=p=0", video).Output()
	if err != nil {
		return 30
	}
	num, den, ok := strings.Cut(strings.TrimSpace(string(out)), "/")
	n, err1 := strconv.ParseFloat(num, 64)
	d, err2 := strconv.ParseFloat(den, 64)
	if !ok || err1 != nil || err2 != nil || d == 0 || n/d <= 0 {
		return 30
	}
	return n / d
}

// readPPM reads one binary PPM (P6, maxval 255) into an RGBA image.
func readPPM(r *bufio.Reader) (*image.RGBA, error) {
	var magic string
	var w, h, maxv int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxv); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, io.EOF
		}
		return nil, err
	}
	if magic != "P6" || maxv != 255 || w <= 0 || h <= 0 || w*h > 1<<25 {
		return nil, fmt.Errorf("unexpected PPM header %s %d %d %d", magic, w, h, maxv)
	}
	if _, err := r.ReadByte(); err != nil { // single whitespace after the header
		return nil, err
	}
	rgb := make([]byte, 3*w*h)
	if _, err := io.ReadFull(r, rgb); err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i, j := 0, 0; i < len(rgb); i, j = i+3, j+4 {
		img.Pix[j], img.Pix[j+1], img.Pix[j+2], img.Pix[j+3] = rgb[i], rgb[i+1], rgb[i+2], 255
	}
	return img, nil
}

// Rep counts established by looking at the videos (contact sheets of
// frames every 0.25-0.5 s), views from the shared README and the frames,
// and the movement.
func TestRealFootageRepsAndViews(t *testing.T) {
	dir := testenv.Shared(t, "realdata/videos")
	notFront := []screening.View{screening.ViewSide, screening.ViewOblique}
	covered := map[string]bool{}
	defer func() {
		for clip := range testenv.RepsByEye {
			if !covered[clip] {
				t.Errorf("%s has a rep count by eye but no row here", clip)
			}
		}
	}()
	for _, tc := range []struct {
		video    string
		views    []screening.View // any of these
		movement screening.Movement
	}{
		// One overhead deep squat per clip; partners film the same rep.
		{"lnewco_IMG_7027.mov", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"lnewco_IMG_7029.mov", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"lnewco_IMG_7033.mov", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"lnewco_IMG_7052.mov", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"lnewco_IMG_7054.mov", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"lnewco_IMG_7026.mov", notFront, screening.MovementSquat},
		{"lnewco_IMG_7032.mov", notFront, screening.MovementSquat}, // starts a little into the descent
		{"lnewco_IMG_7051.mov", notFront, screening.MovementSquat},
		// 12 complete air squats; a 13th turns into a push-up at 28-30 s.
		{"rjsong_front_squat.mp4", []screening.View{screening.ViewFront}, screening.MovementSquat},
		// Walks up to the webcam before and after three squats; shins cut off.
		{"vancouver_webcam_squat.webm", []screening.View{screening.ViewFront}, screening.MovementSquat},
		// Three deep squats, then walks out towards the camera.
		{"yuyoujiang_side_squat.mp4", []screening.View{screening.ViewSide}, screening.MovementSquat},
		{"rohanx01_side_backsquat_mirror.mp4", []screening.View{screening.ViewSide}, screening.MovementSquat},
		{"pooja_side_squat.mp4", []screening.View{screening.ViewSide}, screening.MovementSquat},
		// Short clips: one complete rep each, partial reps cut at the ends.
		{"workouttracker_squat_9.mp4", notFront, screening.MovementSquat},
		{"workouttracker_squat_12.mp4", nil, screening.MovementSquat}, // from behind at about 45°
		{"workouttracker_squat_17.mp4", []screening.View{screening.ViewSide}, screening.MovementSquat},
		{"workouttracker_squat_18.mp4", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"workouttracker_squat_24.mp4", []screening.View{screening.ViewFront}, screening.MovementSquat},
		// Negative cases: no squat at all.
		{"sports2d_front_lateral_raise_no_squat.mp4", []screening.View{screening.ViewFront}, ""},
		{"sports2d_side_walking.mp4", nil, ""},
		{"pose2sim_single_leg_balance_cam01.mp4", nil, ""},
		{"pose2sim_single_leg_balance_cam02.mp4", nil, ""},
		{"pose2sim_single_leg_balance_cam03.mp4", nil, ""},
		{"pose2sim_single_leg_balance_cam04.mp4", nil, ""},
		// Single-leg squat tutorial: two slow reps (7-16 s and 30-36 s)
		// holding a desk, with a zoomed cut-in between them.
		{"eyantra_side_single_leg_squat.mp4", []screening.View{screening.ViewSide}, screening.MovementSingleLegSquat},
		// One barbell back squat (test_*) or bodyweight squat (train_*)
		// per clip, filmed square-on from the front.
		{"spotme_front_squat_test_bad1.mp4", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"spotme_front_squat_test_bad3.mp4", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"spotme_front_squat_test_bad5.mp4", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"spotme_front_squat_test_good1.mp4", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"spotme_front_squat_test_good3.mp4", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"spotme_front_squat_test_good5.mp4", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"spotme_front_squat_train_good1.mp4", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"spotme_front_squat_train_good2.mp4", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"spotme_front_squat_train_good3.mp4", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"spotme_front_squat_train_good4.mp4", []screening.View{screening.ViewFront}, screening.MovementSquat},
		{"spotme_front_squat_train_good5.mp4", []screening.View{screening.ViewFront}, screening.MovementSquat},
		// 000 and 003 turned well round from the front (by eye 55-70°), 009
		// and 024 front-oblique (by eye 20-35°): none is a front view.
		{"posture_squat_000.mp4", notFront, screening.MovementSquat},
		{"posture_squat_003.mp4", notFront, screening.MovementSquat},
		{"posture_squat_009.mp4", notFront, screening.MovementSquat},
		{"posture_squat_024.mp4", notFront, screening.MovementSquat},
	} {
		covered[tc.video] = true
		t.Run(tc.video, func(t *testing.T) {
			path := filepath.Join(dir, tc.video)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s absent", tc.video)
			}
			r := analyze(t, realTrack(t, path), nil)
			if want := testenv.RepsByEye[tc.video]; len(r.Reps) != want {
				var b []string
				for _, rep := range r.Reps {
					b = append(b, fmt.Sprintf("%.1f", rep.BottomS))
				}
				t.Errorf("%d reps (bottoms at %v s), want %d", len(r.Reps), b, want)
			}
			if tc.views != nil && !contains(tc.views, r.View) {
				t.Errorf("view %s (%.2f), want one of %v", r.View, r.ViewConfidence, tc.views)
			}
			if tc.movement != "" && r.Movement != tc.movement {
				t.Errorf("movement %s, want %s", r.Movement, tc.movement)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Errorf("report does not marshal: %v", err)
			}
		})
	}
}

func analyze(t *testing.T, tr *pose.Track, mod func(*screening.Options)) *screening.Report {
	t.Helper()
	opts := screening.DefaultOptions()
	if mod != nil {
		mod(&opts)
	}
	r, err := screening.Analyze(context.Background(), tr, opts)
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	return r
}

func contains(vs []screening.View, v screening.View) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// The trainer's written assessment of the LNewCo side clips, checked where
// the keypoints can speak to it (the front clips: TestLnewcoLabels).
func TestRealFootageTrainerLabels(t *testing.T) {
	dir := testenv.Shared(t, "realdata/videos")
	testenv.Shared(t, "realdata/labels/lnewco_labels_by_video.csv")
	run := func(t *testing.T, name string, mod func(*screening.Options)) *screening.Report {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err != nil {
			t.Skipf("%s absent", name)
		}
		r := analyze(t, realTrack(t, path), mod)
		if len(r.Reps) != 1 {
			t.Fatalf("%s: %d reps, want 1", name, len(r.Reps))
		}
		return r
	}
	t.Run("7032 knee-dominant, 7051 not", func(t *testing.T) {
		side := func(o *screening.Options) { o.View = screening.ViewSide }
		ratio := func(r *screening.Report) float64 {
			m := r.Reps[0].Metrics[screening.MetricKneeHipRatio]
			return (m.Left + m.Right) / 2
		}
		kd, ok := ratio(run(t, "lnewco_IMG_7032.mov", side)), ratio(run(t, "lnewco_IMG_7051.mov", side))
		if math.IsNaN(kd) || math.IsNaN(ok) || !(kd > ok) {
			t.Errorf("knee/hip flexion ratio 7032 %.2f vs 7051 %.2f: want the knee-dominant squat higher", kd, ok)
		}
	})
}
