package pipeline

import (
	"context"
	"image"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/kneescreen/kneescreen/internal/bgr"
	"github.com/kneescreen/kneescreen/internal/sample"
	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/pose"
)

// seenEstimator wraps an Estimator, counting the BGR and RGBA frames it
// is given; it is a BGRReader only when bgr is set, and a MirrorTracker
// when the wrapped one is.
type seenEstimator struct {
	Estimator
	bgrFrames, rgbaFrames *atomic.Int32
}

func (e seenEstimator) count(img image.Image) {
	if _, ok := img.(*bgr.Image); ok {
		e.bgrFrames.Add(1)
	} else {
		e.rgbaFrames.Add(1)
	}
}

func (e seenEstimator) Track(ctx context.Context, img image.Image) (pose.Pose, error) {
	e.count(img)
	return e.Estimator.Track(ctx, img)
}

func (e seenEstimator) TrackMirrored(ctx context.Context, img image.Image) (pose.Pose, error) {
	e.count(img)
	return e.Estimator.(MirrorTracker).TrackMirrored(ctx, img)
}

// bgrReading is a seenEstimator that reads BGR.
type bgrReading struct{ seenEstimator }

func (bgrReading) ReadsBGR() bool { return true }

// TestBGRFramesGiveTheSamePoses: pass one over a video hands the
// estimator the decoded BGR frames when it reads them (BGRReader) and
// RGBA frames when it does not, and the poses are the same, exactly,
// symmetric or not, at the video's size and reduced by the source (the
// resampler reads the same pixels either way).
func TestBGRFramesGiveTheSamePoses(t *testing.T) {
	video := testenv.Testdata(t, sample.FixtureFile)
	newEst := lightning(t)
	for _, tc := range []struct {
		name      string
		symmetric bool
		maxSide   int
	}{
		{"plain", false, 0}, {"symmetric", true, 0}, {"symmetric reduced", true, 320},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(readsBGR bool) (*pose.Track, int32, int32) {
				var b, r atomic.Int32
				opts := TrackOptions{Symmetric: tc.symmetric, MaxSide: tc.maxSide, NewEstimator: func(threads int) (Estimator, error) {
					est, err := newEst(threads)
					if err != nil {
						return nil, err
					}
					s := seenEstimator{est, &b, &r}
					if readsBGR {
						return bgrReading{s}, nil
					}
					return s, nil
				}}
				return trackClip(t, video, opts), b.Load(), r.Load()
			}
			got, gotBGR, gotRGBA := run(true)
			want, wantBGR, wantRGBA := run(false)
			if gotBGR == 0 || gotRGBA != 0 {
				t.Errorf("a BGR reader was given %d BGR and %d RGBA frames, want only BGR", gotBGR, gotRGBA)
			}
			if wantBGR != 0 || wantRGBA == 0 {
				t.Errorf("an RGBA reader was given %d BGR and %d RGBA frames, want only RGBA", wantBGR, wantRGBA)
			}
			if len(got.Poses) == 0 || !reflect.DeepEqual(got.Poses, want.Poses) {
				t.Errorf("poses from BGR frames differ from those from RGBA frames (%d and %d poses)", len(got.Poses), len(want.Poses))
			}
		})
	}
}
