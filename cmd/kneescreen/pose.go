package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // still images for `pose IMAGE`
	_ "image/png"
	"io"
	"math"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"

	"github.com/kneescreen/kneescreen/internal/pipeline"
	"github.com/kneescreen/kneescreen/models"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/vision"
)

func init() {
	register(func(app *App) *cobra.Command { return NewCmdPose(app, nil) })
}

// PoseConfig is the pose command's configuration (section "pose").
type PoseConfig struct {
	ModelConfig `mapstructure:",squash"`
	// JSON selects one JSON object per frame instead of a readable line.
	JSON bool `mapstructure:"json"`
	// FPS times the frames of an image folder (Index/FPS seconds).
	FPS float64 `mapstructure:"fps"`
	// Symmetric averages each frame's pose with its mirror image's, as
	// analyze does.
	Symmetric bool `mapstructure:"symmetric"`
	// Lanes is the number of estimators run in parallel (0: one per CPU).
	Lanes int `mapstructure:"lanes"`
}

// Validate implements validator.
func (c *PoseConfig) Validate() error {
	if err := c.ModelConfig.Validate(); err != nil {
		return err
	}
	if !(c.FPS > 0) || math.IsInf(c.FPS, 0) {
		return fmt.Errorf("pose: --fps must be a positive number, got %v", c.FPS)
	}
	if c.Lanes < 0 {
		return fmt.Errorf("pose: --lanes must be 0 (one per CPU) or more, got %d", c.Lanes)
	}
	return nil
}

// PoseOptions holds the pose command's inputs.
type PoseOptions struct {
	Config PoseConfig
	// Input is an image file, a video file or a folder of images.
	Input string
	Out   io.Writer
}

// NewCmdPose builds "kneescreen pose".
func NewCmdPose(app *App, runF func(context.Context, *PoseOptions) error) *cobra.Command {
	opts := &PoseOptions{}
	if runF == nil {
		runF = runPose
	}
	cmd := &cobra.Command{
		Use:   "pose [--model M] [--json] IMAGE|VIDEO|DIR",
		Short: "Print the body keypoints the pose model finds in each frame",
		Long: `pose runs the MoveNet pose model on an image, every frame of a video, or every
image of a folder (in name order) and prints one line per frame: with --json
{"frame","time_s","person","keypoints":[{"name","x","y","nx","ny","score"},...]}
where x, y are source-image pixels, nx, ny the model's own coordinates
(0..1 across its square input) and person is false when nobody was found.

An image is letterboxed onto a black square; an image exactly the model's
input size (192x192 Lightning, 256x256 Thunder) is fed unchanged, so nx, ny
are the model's raw outputs. A video or a folder of images (one recording)
goes through the same pose pass as analyze, so the keypoints are those
analyze screens and writes to keypoints.csv: the model follows the person
with MoveNet's recommended cropping, frames over 1280 px are estimated at
half size, and with --symmetric (the default) each frame's pose is averaged
with its mirror image's.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Input = args[0]
			opts.Out = app.Out
			return app.run(cmd, "pose", &opts.Config, func(ctx context.Context) error { return runF(ctx, opts) })
		},
	}
	addModelFlags(app, cmd, "pose")
	cmd.Flags().Bool("json", false, "print one JSON object per frame")
	cmd.Flags().Float64("fps", 30, "frame rate that times the images of a folder")
	cmd.Flags().Bool("symmetric", true, "average each frame's pose with its mirror image's (videos and folders, as analyze)")
	cmd.Flags().Int("lanes", 0, "pose estimators run in parallel (0: one per CPU)")
	bindFlag(cmd.Flags(), "json", "pose.json")
	bindFlag(cmd.Flags(), "fps", "pose.fps")
	bindFlag(cmd.Flags(), "symmetric", "pose.symmetric")
	bindFlag(cmd.Flags(), "lanes", "pose.lanes")
	return cmd
}

func runPose(ctx context.Context, opts *PoseOptions) error {
	path := opts.Input
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("pose: %s: no such file or folder", path)
		}
		return fmt.Errorf("pose: %w", err)
	}
	c := &opts.Config
	w := bufio.NewWriter(opts.Out)
	pw := &poseWriter{w: w, json: c.JSON}
	if st.Mode().IsRegular() && vision.IsImageFile(path) {
		// One photo: the whole image, letterboxed, no tracking.
		est, err := c.open()
		if err != nil {
			return err
		}
		defer est.Close()
		img, err := readStill(path)
		if err != nil {
			return err
		}
		p, err := est.Estimate(ctx, img)
		if err != nil {
			return fmt.Errorf("pose: %s: %w", path, err)
		}
		if err := pw.write(&p); err != nil {
			return err
		}
		return w.Flush()
	}
	// A video or a folder of images: the same pass analyze runs.
	model, err := models.LoadModel(c.Model, c.ModelsDir)
	if err != nil {
		return err
	}
	src, err := pipeline.Open(path, c.FPS)
	if err != nil {
		return err
	}
	defer src.Close()
	newEst := func(threads int) (pipeline.Estimator, error) {
		return models.New(model, models.Options{Threads: threads})
	}
	topts := pipeline.TrackOptions{NewEstimator: newEst, Symmetric: c.Symmetric, Lanes: c.Lanes, Threads: c.Threads}
	_, err = pipeline.StreamPoses(ctx, src, topts, func(p pose.Pose) error { return pw.write(&p) })
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}

// readStill decodes one image file with Go's decoders.
func readStill(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pose: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("pose: %s: cannot decode the image: %w", path, err)
	}
	return img, nil
}

// poseWriter prints poses as JSON lines or readable text.
type poseWriter struct {
	w    *bufio.Writer
	json bool
	line poseJSON
}

func (pw *poseWriter) write(p *pose.Pose) error {
	if !pw.json {
		if err := writeText(pw.w, p); err != nil {
			return fmt.Errorf("pose: writing output: %w", err)
		}
		return pw.w.Flush()
	}
	pw.line.set(p)
	b, err := json.Marshal(&pw.line)
	if err != nil {
		return fmt.Errorf("pose: %w", err)
	}
	b = append(b, '\n')
	if _, err := pw.w.Write(b); err != nil {
		return fmt.Errorf("pose: writing output: %w", err)
	}
	// Flush per frame so a reader of a pipe sees each frame as it is done.
	return pw.w.Flush()
}

// ModelConfig selects the pose model and how it runs. Commands that run the
// model embed it (squashed) in their own Config.
type ModelConfig struct {
	// Model is "lightning" (embedded), "thunder" or the path of an .onnx
	// file with MoveNet's signature.
	Model string `mapstructure:"model"`
	// ModelsDir is where thunder is looked up; "" means the default under
	// the user's cache directory.
	ModelsDir string `mapstructure:"models-dir"`
	// Threads caps the engine's parallelism; 0 means all CPUs.
	Threads int `mapstructure:"threads"`
}

// Validate implements validator.
func (c *ModelConfig) Validate() error {
	if c.Model == "" {
		return fmt.Errorf("--model must not be empty (lightning, thunder or an .onnx path)")
	}
	if c.Threads < 0 {
		return fmt.Errorf("--threads must not be negative, got %d", c.Threads)
	}
	return nil
}

// threads is the effective thread count.
func (c *ModelConfig) threads() int {
	if c.Threads > 0 {
		return c.Threads
	}
	return runtime.GOMAXPROCS(0)
}

// open loads the selected model.
func (c *ModelConfig) open() (*models.Estimator, error) {
	src, err := models.LoadModel(c.Model, c.ModelsDir)
	if err != nil {
		return nil, err
	}
	return models.New(src, models.Options{Threads: c.threads()})
}

// addModelFlags declares --model, --models-dir and --threads on cmd, bound
// to section's keys. The models directory can also be set for every command
// at once with KNEESCREEN_MODELS_DIR.
func addModelFlags(app *App, cmd *cobra.Command, section string) {
	fs := cmd.Flags()
	fs.String("model", models.Lightning, "pose `model`: lightning (built in, fast), thunder (more accurate; see 'kneescreen models convert') or the path of a MoveNet .onnx file")
	fs.String("models-dir", "", "`dir`ectory holding converted models such as thunder (default: kneescreen/models in the user cache directory; env KNEESCREEN_MODELS_DIR)")
	fs.Int("threads", 0, "inference threads (0: all CPUs)")
	bindFlag(fs, "model", section+".model")
	bindFlag(fs, "models-dir", section+".models-dir")
	bindFlag(fs, "threads", section+".threads")
	// The per-command variable wins over the shared one.
	_ = app.v.BindEnv(section+".models-dir", envKey(section+".models-dir"), envPrefix+"_MODELS_DIR")
}

// poseJSON is one line of `kneescreen pose` output.
type poseJSON struct {
	Frame int     `json:"frame"`
	TimeS float64 `json:"time_s"`
	// Person is false when the model found nobody (all scores low); the
	// keypoints are then the model's best guess.
	Person    bool           `json:"person"`
	Keypoints []keypointJSON `json:"keypoints"`
}

// keypointJSON is one keypoint: x, y in source pixels; nx, ny and score
// exactly as the model gave them (float32, so they print as the model's own
// values rather than their float64 widening).
type keypointJSON struct {
	Name  string  `json:"name"`
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	NX    float32 `json:"nx"`
	NY    float32 `json:"ny"`
	Score float32 `json:"score"`
}

// set fills line from p, reusing its keypoint slice.
func (line *poseJSON) set(p *pose.Pose) {
	line.Frame, line.TimeS, line.Person = p.Frame, roundTo(p.Time, 6), p.Person
	line.Keypoints = line.Keypoints[:0]
	for j, k := range p.Keypoints {
		line.Keypoints = append(line.Keypoints, keypointJSON{
			Name:  string(p.Skeleton.Joint(j)),
			X:     roundTo(k.X, 3),
			Y:     roundTo(k.Y, 3),
			NX:    float32(k.NX),
			NY:    float32(k.NY),
			Score: float32(k.Score),
		})
	}
}

// roundTo rounds v to the given number of decimals, keeping output short:
// pixel positions to a thousandth of a pixel, times to a microsecond.
// Dividing by the power of ten (rather than multiplying by its inverse)
// gives the float64 nearest the decimal, which prints without noise.
func roundTo(v float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(v*p) / p
}

// writeText writes a pose as one human-readable line.
func writeText(w io.Writer, p *pose.Pose) error {
	var b strings.Builder
	fmt.Fprintf(&b, "frame %d  %.3fs  ", p.Frame, p.Time)
	if !p.Person {
		fmt.Fprintf(&b, "no person (mean score %.2f)\n", p.MeanScore())
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "person (mean score %.2f):", p.MeanScore())
	for j, k := range p.Keypoints {
		fmt.Fprintf(&b, " %s %.0f,%.0f %.2f", p.Skeleton.Joint(j), k.X, k.Y, k.Score)
		if j < len(p.Keypoints)-1 {
			b.WriteByte(';')
		}
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}
