package models

import (
	"context"
	"fmt"
	"image"
	"math"

	"github.com/kneescreen/kneescreen/pose"
)

// neutralInput is the model input value that MoveNet's own normalisation
// (x*(1/127.5) - 1, see ../shared/notes/movenet.md) maps closest to zero:
// a region filled with it gives the first convolution nothing but its
// bias, so the model sees no edge, colour or texture there, neither a body
// nor the black of the letterbox padding (-1), which the model has learnt
// is the frame's border.
const neutralInput = 128

// EstimateHiding estimates the pose in the view rectangle of img (in img's
// coordinates; centred on a black square of its longer side, as Letterbox
// centres a frame; img.Bounds() for the whole frame), with img's pixels in
// hide replaced by a neutral grey in the model input. It answers "is there
// anybody else?": hide covers the person being tracked, and a
// single-person model shown the rest finds the most prominent other body,
// or nobody. It uses the Estimator's buffers but not its tracking state,
// so Track's next pose is the same whether or not EstimateHiding ran in
// between.
func (e *Estimator) EstimateHiding(ctx context.Context, img image.Image, view, hide image.Rectangle, dst *pose.Pose) error {
	b := img.Bounds()
	view = view.Intersect(b)
	if view.Empty() {
		e.reset(dst)
		return fmt.Errorf("models: %w: nothing of the image in view %v", ErrBadImage, view)
	}
	r := Letterbox(view.Dx(), view.Dy())
	r.X += float64(view.Min.X - b.Min.X)
	r.Y += float64(view.Min.Y - b.Min.Y)
	e.rs.resample(e.in, img, r, false)
	hideInput(e.in, e.size, r, hide.Sub(b.Min))
	return e.infer(ctx, r, b.Min, dst)
}

// hideInput fills with neutralInput every pixel of the n x n model input
// in (NHWC RGB) whose square region r maps onto a pixel that touches
// hide (in region coordinates: hide relative to the image's top-left).
func hideInput(in []int32, n int, r Region, hide image.Rectangle) {
	if hide.Empty() {
		return
	}
	s := float64(n) / r.Side
	x0 := max(0, int(math.Floor((float64(hide.Min.X)-r.X)*s)))
	x1 := min(n, int(math.Ceil((float64(hide.Max.X)-r.X)*s)))
	y0 := max(0, int(math.Floor((float64(hide.Min.Y)-r.Y)*s)))
	y1 := min(n, int(math.Ceil((float64(hide.Max.Y)-r.Y)*s)))
	for y := y0; y < y1; y++ {
		row := in[(y*n+x0)*3 : (y*n+x1)*3]
		for i := range row {
			row[i] = neutralInput
		}
	}
}
