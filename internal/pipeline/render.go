package pipeline

import (
	"context"
	"fmt"
	"image"
	"math"
	"time"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/sync/errgroup"

	"github.com/kneescreen/kneescreen/overlay"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/vision"
)

// VideoSink receives the annotated frames in order (vision's video writer
// satisfies it). Write must not keep img after it returns.
type VideoSink interface {
	Write(img *image.RGBA) error
}

// RenderOptions configure pass two: the annotated frames.
type RenderOptions struct {
	// Video receives every frame with the overlay drawn; nil for none.
	Video VideoSink
	// Keep lists frames whose annotated image Render returns (e.g. the
	// bottom frame of each rep for the HTML report).
	Keep []int
	// KeepMaxSide scales kept frames down so their longer side is at most
	// this many pixels (0: 640), which keeps the HTML report small.
	KeepMaxSide int
	// Progress, when set, is called after each frame.
	Progress func(Progress)
	// VideoMaxSide: frames whose longer side exceeds it are reduced by an
	// integer factor before drawing and encoding (0 or negative: the
	// input's size; DefaultVideoMaxSide is analyze's default). Encoding
	// dominates the cost of this pass: a frame costs H.264 about in
	// proportion to its pixels, and a clinician watching the skeleton
	// loses nothing at half size. Use VideoSize for the size the sink must
	// expect.
	VideoMaxSide int
}

// DefaultVideoMaxSide is the annotated video's size cap that analyze uses
// unless told otherwise: 720p and 1080p are drawn at half size (640x360,
// 960x540), a phone's 1080x1920 at 540x960. H.264 encoding is the costliest
// step of the render pass and scales with the pixels: libx264 at preset
// veryfast takes about 12 ms of CPU per 1280x720 frame and 3.5 ms per
// 640x360 one, the size of the HTML report's stills, at which the skeleton,
// angles and colours stay legible.
const DefaultVideoMaxSide = 960

// VideoSize is the size of the annotated frames Render writes for a
// w x h source with the given VideoMaxSide.
func VideoSize(w, h, videoMaxSide int) (int, int) {
	k := videoReduction(w, h, videoMaxSide)
	return w / k, h / k
}

// videoReduction is the integer factor that brings a w x h frame's longer
// side to at most videoMaxSide (1 when videoMaxSide is 0 or negative).
func videoReduction(w, h, videoMaxSide int) int {
	if videoMaxSide <= 0 {
		return 1
	}
	return reduction(w, h, videoMaxSide)
}

// Render reads src's frames again and draws the analysis on every frame:
// skeleton from the conditioned keypoints, hip-knee-ankle angles, rep
// counter and legs coloured by their indicators. src is the input decoded
// a second time, or (Run) the frames pass one kept in its frame store at
// the size drawn on, the same pixels. Without a Video sink it stops after
// the last kept frame.
//
// A vision.Video is asked to reduce its frames itself (SetReduction: the
// same pixels as boxReduce without the full-size copy); whatever size
// src's frames have, the keypoints, in the pixels of tr's frame size, are
// scaled to it, and frames no larger than VideoMaxSide are drawn on as
// they come. With a Video sink,
// src must yield one frame per pose of tr (a source that decodes fewer is
// an error: a video shorter than its analysis is not written); frames past
// the last pose are not read.
func Render(ctx context.Context, src vision.FrameSource, rep *screening.Report, tr *pose.Track, opts RenderOptions) (map[int]image.Image, error) {
	keep := map[int]bool{}
	last := -1
	for _, k := range opts.Keep {
		keep[k] = true
		last = max(last, k)
	}
	shrink := shrinker{maxSide: opts.KeepMaxSide}
	if shrink.maxSide <= 0 {
		shrink.maxSide = 640
	}
	kept := map[int]image.Image{}
	if opts.Video == nil && len(keep) == 0 {
		return kept, nil
	}
	poses := -1 // frames the video must have; -1: as many as src has
	if tr != nil && len(tr.Poses) > 0 {
		poses = len(tr.Poses)
	}
	total := src.Info().FrameCount
	if poses > 0 {
		total = poses
	}
	if r, ok := src.(frameReducer); ok {
		// vision.Video reduces straight from the decoded frame, without
		// the full-size copy (the same pixels as boxReduce).
		if info := src.Info(); info.Width > 0 && info.Height > 0 {
			if k := videoReduction(info.Width, info.Height, opts.VideoMaxSide); k > 1 {
				r.SetReduction(k)
			}
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	stream := vision.Stream(gctx, src, 3)
	defer stream.Close()
	// Encoding runs in its own goroutine so it overlaps with decoding and
	// drawing the next frames. A frame drawn on as decoded goes back to
	// the stream once written; a reduced copy to smallPool.
	type drawn struct {
		img     *image.RGBA
		release func(*image.RGBA)
	}
	toWrite := make(chan drawn, 2)
	smallPool := make(chan *image.RGBA, 4)
	recycle := func(img *image.RGBA) {
		select {
		case smallPool <- img:
		default:
		}
	}
	g.Go(func() error {
		for d := range toWrite {
			if err := opts.Video.Write(d.img); err != nil {
				return fmt.Errorf("pipeline: writing annotated video: %w", err)
			}
			d.release(d.img)
		}
		return nil
	})
	rendered := 0
	g.Go(func() error {
		defer close(toWrite)
		d := overlay.NewDrawer()
		ann := overlay.NewAnnotator(rep, tr)
		var o overlay.Overlay
		start := time.Now()
		for f := range stream.Frames() {
			w, h := f.Image.Rect.Dx(), f.Image.Rect.Dy()
			// The size the keypoints are in: tr's frames, or these.
			sw, sh := w, h
			if tr != nil && tr.Width > 0 && tr.Height > 0 {
				sw, sh = tr.Width, tr.Height
			}
			// Draw on the frame itself, which the stream gave us and
			// which goes back to it once written, or on a reduced copy
			// (recycled), so the decoder never waits for the encoder's
			// buffer.
			dst, release := f.Image, func(img *image.RGBA) { stream.Release(img) }
			if k := videoReduction(w, h, opts.VideoMaxSide); k > 1 {
				var small *image.RGBA
				select {
				case small = <-smallPool:
				default:
				}
				dst, release = boxReduce(small, f.Image, k), recycle
				stream.Release(f.Image)
			}
			ann.Fill(f.Index, &o, float64(dst.Rect.Dx())/float64(sw), float64(dst.Rect.Dy())/float64(sh))
			d.Draw(dst, &o)
			rendered++
			if keep[f.Index] {
				kept[f.Index] = shrink.shrink(dst)
			}
			if opts.Progress != nil {
				opts.Progress(Progress{Pass: "render", Done: f.Index + 1, Total: total, Elapsed: time.Since(start)})
			}
			if opts.Video == nil {
				release(dst)
				if f.Index >= last {
					return nil
				}
				continue
			}
			select {
			case toWrite <- drawn{dst, release}:
			case <-gctx.Done():
				return gctx.Err()
			}
			if rendered == poses {
				return nil // the frames after the last pose are not the analysis's
			}
		}
		if err := stream.Err(); err != nil {
			return err
		}
		if opts.Video != nil && poses > 0 && rendered < poses {
			return fmt.Errorf("pipeline: the video decoded %d frames this time against %d in the pose pass", rendered, poses)
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return kept, err
	}
	return kept, ctx.Err()
}

// shrinker makes the kept frames' copies, whose longer side is at most
// maxSide. The kept frames of one video all have one size, so the scaler
// (and its intermediate buffer, as large as the frame in 32-byte
// floats: allocated afresh for every frame, its page faults were a third
// of the scaling's time) is made once.
type shrinker struct {
	maxSide int
	sc      xdraw.Scaler
	src     image.Point // the size sc scales from
}

// shrink returns a copy of img whose longer side is at most maxSide:
// Catmull-Rom scaled, or copied when img is no larger. (Catmull-Rom at the
// same size samples the kernel at whole pixels, where it is 1 at the pixel
// and 0 at its neighbours: the same pixels as a copy, at a fraction of
// the cost; TestShrinkerIdentityIsCatmullRom.)
func (k *shrinker) shrink(img *image.RGBA) image.Image {
	b := img.Bounds()
	s := math.Min(1, float64(k.maxSide)/float64(max(b.Dx(), b.Dy())))
	w, h := max(1, int(math.Round(float64(b.Dx())*s))), max(1, int(math.Round(float64(b.Dy())*s)))
	if w == b.Dx() && h == b.Dy() {
		return copyFrame(nil, img)
	}
	if k.sc == nil || k.src != b.Size() {
		k.sc, k.src = xdraw.CatmullRom.NewScaler(w, h, b.Dx(), b.Dy()), b.Size()
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	k.sc.Scale(dst, dst.Rect, img, b, xdraw.Src, nil)
	return dst
}
