package sample

import (
	"context"
	"fmt"
	"image"
	"math"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening/synth"
	"github.com/kneescreen/kneescreen/vision"
)

// DefaultConfig is the demonstration clip: a front-view bilateral squat,
// four reps, the left knee caving in (12° valgus at the bottom) and the
// right one tracking straight (2°), 1280x720 at 30 frames/s.
func DefaultConfig() synth.Config {
	return synth.Config{
		Movement:  synth.Squat,
		Reps:      4,
		ValgusDeg: [2]float64{12, 2},
		// A moderate squat keeps the thighs from pointing at the camera,
		// so FPPA stays readable through most of the descent.
		KneeFlexionDeg: 95,
		// A stance wider than the hips keeps the knees apart in the image,
		// so the model never confuses one for the other.
		StanceWidthM: 0.34,
		Width:        1280,
		Height:       720,
		FPS:          30,
		BodyFrac:     0.72,
		Seed:         1,
	}
}

// Clip is a rendered synthetic recording.
type Clip struct {
	// Truth is the generator's ground truth; Truth.Clean holds the exact
	// joint positions drawn in every frame.
	Truth *synth.Truth
	Width int
	// Height and FPS of the frames.
	Height int
	FPS    float64
	// Mirror flips every frame left-right (the person's left knee then
	// appears on the image's left).
	Mirror bool
}

// New generates the motion of cfg. Frames are drawn on demand by Frame.
func New(cfg synth.Config) (*Clip, error) {
	_, truth, err := synth.Generate(cfg)
	if err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	c := truth.Clean
	return &Clip{Truth: truth, Width: c.Width, Height: c.Height, FPS: c.FPS}, nil
}

// Len is the number of frames.
func (c *Clip) Len() int { return len(c.Truth.Clean.Poses) }

// Frame draws frame i into dst (allocated when nil or of the wrong size)
// and returns it.
func (c *Clip) Frame(i int, dst *image.RGBA) *image.RGBA {
	if dst == nil || dst.Rect.Dx() != c.Width || dst.Rect.Dy() != c.Height {
		dst = image.NewRGBA(image.Rect(0, 0, c.Width, c.Height))
	}
	p := &c.Truth.Clean.Poses[i]
	// The floor line sits just below the feet of the standing person.
	floor := c.Height
	kp := make(map[pose.Joint]pt, len(p.Keypoints))
	for j, k := range p.Keypoints {
		q := pt{k.X, k.Y}
		if c.Mirror {
			q.x = float64(c.Width) - k.X
		}
		kp[p.Skeleton.Joint(j)] = q
	}
	if st := &c.Truth.Clean.Poses[0]; true {
		floor = int(math.Min(float64(c.Height), (st.At(pose.LeftAnkle).Y+st.At(pose.RightAnkle).Y)/2+0.03*float64(c.Height)))
	}
	background(dst, floor)
	pa := &painter{dst: dst}
	drawFigure(pa, kp)
	return dst
}

// WriteVideo renders the clip to a video file (the extension picks the
// container; see vision.CreateVideo). The file appears only when complete.
func (c *Clip) WriteVideo(ctx context.Context, path string) error {
	w, err := vision.CreateVideo(path, c.FPS, c.Width, c.Height)
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	var img *image.RGBA
	for i := range c.Len() {
		if err := ctx.Err(); err != nil {
			w.Abort()
			return err
		}
		img = c.Frame(i, img)
		if err := w.Write(img); err != nil {
			w.Abort()
			return fmt.Errorf("sample: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	return nil
}
