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

// bgrSource is a source that can hand out its frames as BGR
// (vision.Video.SetBGR).
type bgrSource interface {
	SetBGR(on bool)
}

// presetBGR has a source that can hand out BGR frames do so when every
// lane's Estimator reads them (BGRReader). The source stays set so, as
// in presetReduction.
func (t *tracker) presetBGR(src vision.FrameSource) {
	s, ok := src.(bgrSource)
	if !ok {
		return
	}
	for _, l := range t.lanes {
		if r, ok := l.est.(BGRReader); !ok || !r.ReadsBGR() {
			return
		}
	}
	s.SetBGR(true)
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
