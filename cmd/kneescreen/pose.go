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
	"strings"

	"github.com/spf13/cobra"
	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"

	"github.com/kneescreen/kneescreen/internal/pipeline"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/vision"
)

// PoseConfig is the pose command's configuration (section "pose").
type PoseConfig struct {
	ModelConfig `mapstructure:",squash"`
	// PassConfig is the pose pass of videos and folders, as analyze's.
	PassConfig `mapstructure:",squash"`
	// JSON selects one JSON object per frame instead of a readable line.
	JSON bool `mapstructure:"json"`
	// FPS times the frames of an image folder (Index/FPS seconds).
	FPS float64 `mapstructure:"fps"`
}

// Validate implements validator.
func (c *PoseConfig) Validate() error {
	if err := c.ModelConfig.Validate(); err != nil {
		return err
	}
	if !(c.FPS > 0) || math.IsInf(c.FPS, 0) {
		return fmt.Errorf("pose: --fps must be a positive number, got %v", c.FPS)
	}
	if err := c.PassConfig.Validate(); err != nil {
		return fmt.Errorf("pose: %w", err)
	}
	return nil
}

// PoseOptions holds the pose command's inputs.
type PoseOptions struct {
	Config PoseConfig
	// Input is an image file, a video file or a folder of images.
	Input string
	Out   io.Writer
	// LoadModel comes from App.Deps.
	LoadModel func(ModelConfig) (Model, error)
}

// NewCmdPose builds "kneescreen pose".
func NewCmdPose(app *App, runF func(context.Context, *PoseOptions) error) *cobra.Command {
	opts := &PoseOptions{LoadModel: app.Deps.LoadModel}
	if runF == nil {
		runF = runPose
	}
	cmd := &cobra.Command{
		Use:   "pose [--model M] [--json] IMAGE|VIDEO|DIR",
		Short: "Print the body keypoints the pose model finds in each frame",
		Long: `pose runs the pose model on an image, every frame of a video, or every
image of a folder (in name order) and prints one line per frame: with --json
{"frame","time_s","person","keypoints":[{"name","x","y","nx","ny","score"},...]}
where x, y are source-image pixels, nx, ny the model's own coordinates
(0..1 across its square input) and person is false when nobody was found.
MoveNet (lightning, thunder) gives the 17 COCO keypoints; BlazePose
(blazepose, blazepose-lite, blazepose-heavy) MediaPipe's 33 landmarks with
heels and toes (left_heel, left_foot_index, ...), each scored by the lesser
of its visibility and presence, nx, ny across the rotated region the
landmark model saw.

An image is letterboxed onto a black square; for MoveNet an image exactly
the model's input size (192x192 Lightning, 256x256 Thunder) is fed
unchanged, so nx, ny are the model's raw outputs; BlazePose's detector
finds the person first. A video or a folder of images (one recording)
goes through the same pose pass as analyze, so the keypoints are those
analyze screens and writes to keypoints.csv: the model follows the person
from frame to frame (MoveNet's recommended cropping, BlazePose's region
from the previous landmarks), frames over 1280 px are estimated at half
size, and with --symmetric (the default) each frame's pose is averaged
with its mirror image's.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Input = args[0]
			opts.Out = app.Out
			return app.run(cmd, "pose", &opts.Config, func(ctx context.Context) error { return runF(ctx, opts) })
		},
	}
	addModelFlags(app, cmd, "pose")
	addPassFlags(cmd, "pose")
	cmd.Flags().Bool("json", false, "print one JSON object per frame")
	cmd.Flags().Float64("fps", 30, "frame rate that times the images of a folder")
	bindFlags(cmd.Flags(), "pose", "json", "fps")
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
	m, err := opts.LoadModel(c.ModelConfig)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(opts.Out)
	pw := &poseWriter{w: w, json: c.JSON}
	if st.Mode().IsRegular() && vision.IsImageFile(path) {
		// One photo: the whole image, letterboxed, no tracking.
		img, err := readStill(path)
		if err != nil {
			return err
		}
		est, err := m.NewEstimator(c.threads())
		if err != nil {
			return err
		}
		defer est.Close()
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
	src, err := pipeline.Open(path, c.FPS)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = pipeline.StreamPoses(ctx, src, c.PassConfig.trackOptions(m, c.Threads, nil), func(p pose.Pose) error { return pw.write(&p) })
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
