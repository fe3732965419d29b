package pipeline

import "github.com/kneescreen/kneescreen/vision"

// frameReducer is a source that can hand out its frames reduced (as
// boxReduce would, byte for byte) at less cost than reducing them here:
// vision.Video, which reduces straight from the decoded BGR frame instead
// of converting the full-size frame to RGBA and copying it first. Pass one
// (presetReduction) and Render use it.
type frameReducer interface {
	SetReduction(k int)
}

// presetReduction asks a source that can reduce its own frames to do the
// reduction pass one needs (MaxSide), so that reduce only has to scale the
// keypoints back. The source stays set so: Track's source is read by
// Track alone.
func (t *tracker) presetReduction(src vision.FrameSource, info vision.Info) {
	r, ok := src.(frameReducer)
	if !ok || info.Width <= 0 || info.Height <= 0 {
		return
	}
	if k := reduction(info.Width, info.Height, t.opts.MaxSide); k > 1 {
		r.SetReduction(k)
		t.srcW, t.srcH = info.Width, info.Height
	}
}
