package pipeline

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kneescreen/kneescreen/internal/bgr"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/vision"
)

// Estimator estimates the pose of the one person in successive frames of a
// video, keeping tracking state between calls (models.Estimator satisfies
// it). One Estimator is used by one goroutine at a time.
type Estimator interface {
	Track(ctx context.Context, img image.Image) (pose.Pose, error)
	Close()
}

// MirrorTracker is an Estimator that can estimate the mirror image of a
// frame without the frame being mirrored (models.Estimator reads only its
// crop's pixels, mirrored, bit for bit as from a mirrored copy). Lanes
// that estimate mirror images use it when their Estimator has it and
// mirror whole frames otherwise.
type MirrorTracker interface {
	// TrackMirrored is Track on img flipped left to right; the pose is in
	// the flipped image's coordinates.
	TrackMirrored(ctx context.Context, img image.Image) (pose.Pose, error)
}

// BGRReader is an Estimator that reads BGR frames (*bgr.Image, which
// vision.Video hands out with SetBGR) as it reads RGBA ones, bit for bit
// and no slower (models.Estimator). When every lane's Estimator is one,
// pass one has a video source hand out its decoded frames unconverted,
// which saves converting every full-size frame to RGBA.
type BGRReader interface {
	ReadsBGR() bool
}

// trackMirrored estimates the mirror image of img with est, through
// MirrorTracker when est has it, else on a mirrored copy kept in
// *scratch (of img as RGBA, see asRGBA). The pose is in the mirror
// image's coordinates.
func trackMirrored(ctx context.Context, est Estimator, img image.Image, scratch **image.RGBA) (pose.Pose, error) {
	if mt, ok := est.(MirrorTracker); ok {
		return mt.TrackMirrored(ctx, img)
	}
	*scratch = mirrorRGBA(*scratch, asRGBA(img))
	return est.Track(ctx, *scratch)
}

// asRGBA returns a frame's image as RGBA: an *image.RGBA as it is, a BGR
// frame (vision.Video.SetBGR) converted in Go. Pass one converts only
// where something other than the estimator needs the pixels: mirroring
// for an estimator that cannot mirror its crop, reducing a frame the
// source did not reduce.
func asRGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*bgr.Image); ok {
		return m.ToRGBA(nil)
	}
	return img.(*image.RGBA)
}

// NewEstimatorFunc makes an Estimator that may use threads threads.
type NewEstimatorFunc func(threads int) (Estimator, error)

// TrackOptions configure pass one (decode and pose estimation).
type TrackOptions struct {
	// NewEstimator makes the estimators, one per lane. Required.
	NewEstimator NewEstimatorFunc
	// Symmetric estimates every frame twice, as it is and mirrored, and
	// averages the two poses (the mirrored one with left and right swapped
	// back). The model is not exactly mirror-symmetric; this makes the
	// pipeline so, at twice the inference cost.
	Symmetric bool
	// Lanes is how many estimators run in parallel (0: one per CPU, at
	// least 2 when Symmetric). Without Symmetric, frames are dealt to
	// lanes in turn and each lane tracks its own subsequence; with it,
	// lanes come in pairs, one for the frame and one for its mirror.
	Lanes int
	// Threads is the total number of inference threads shared among the
	// lanes (0: GOMAXPROCS, or the Budget's size).
	Threads int
	// Budget, when set, is the process-wide thread budget the pass draws
	// its threads from (at most the budget's size): the pass waits until
	// they are free, so concurrent runs sharing the Budget never estimate
	// on more threads than it holds.
	Budget *Budget
	// Depth is how many decoded frames may wait per lane (0: 2).
	Depth int
	// EstimateHz, when positive, is the lowest rate at which frames are
	// estimated: a video faster than that has only every k-th frame
	// estimated, k the largest stride that keeps the rate at or above
	// EstimateHz (within 1%, so 29.97 fps counts as 30), and the poses of
	// the frames between are interpolated linearly in time. The first and
	// last frames are always estimated. 0 or negative (the default), and
	// sources of unknown frame rate: every frame. It trades accuracy for
	// speed: at 15 Hz on the shared 30 fps clips a rep's FPPA moves by up
	// to 4° from estimating every frame (each frame's crop comes from a
	// pose two frames old, and a rep's extremes are read from fewer
	// samples), well beyond the 0.5° TestRepMetricsMatchFullRate allows.
	EstimateHz float64
	// MaxSide: frames whose longer side exceeds it are reduced by an
	// integer factor (2x2 or larger box filter) before estimation, and the
	// keypoints scaled back (0: DefaultMaxSide; negative: never). The model
	// sees 192 or 256 pixels of the person, so a phone's 1080x1920 frame
	// carries four times the pixels the crop needs, and every copy, mirror
	// and resample of it costs four times as much.
	MaxSide int
	// Progress, when set, is called after each frame's pose is known, from
	// the goroutine that called Track or StreamPoses.
	Progress func(Progress)
}

// Progress reports how far a pass has got.
type Progress struct {
	// Pass is "pose" (decode and estimate) or "render" (annotated video).
	Pass string
	// Done frames of Total (Total -1 when the source does not know).
	Done, Total int
	// Elapsed since the pass began.
	Elapsed time.Duration
}

// stride is the estimation stride for a source of fps frames per second
// with TrackOptions.EstimateHz estimateHz: every stride-th frame is
// estimated.
func stride(fps, estimateHz float64) int {
	if !(estimateHz > 0) || !(fps > 0) || math.IsInf(fps, 0) {
		return 1
	}
	return max(1, int(fps/estimateHz*1.01))
}

// DefaultMaxSide is the default TrackOptions.MaxSide: 720p frames are
// estimated as they are, 1080p and portrait 1080x1920 at half size.
const DefaultMaxSide = 1280

// ErrFrameSize is returned by Track and Run when a frame's size differs
// from the first frame's: a folder of images of several sizes, whose poses
// no one frame's pixels can hold.
var ErrFrameSize = errors.New("frames differ in size")

// MaxFrameGap is the longest time, in seconds, that Track and Run accept
// between two frames of a recording. Phones that vary their frame rate
// leave a tenth of a second or so; a repetition lasts two to four, so a
// longer gap can hide one, and the conditioning's filters, which read
// the frames as one series, would join what came before and after.
const MaxFrameGap = 5.0

// ErrTimeGap is returned by Track and Run when the frames' timestamps jump
// by more than MaxFrameGap.
var ErrTimeGap = errors.New("the recording's timestamps jump")

// ErrNoEstimator is returned when TrackOptions.NewEstimator is nil.
var ErrNoEstimator = errors.New("pipeline: no estimator")

// Track decodes src and estimates the pose in every frame: the batch path
// over StreamPoses, collecting every pose. The returned track has one pose
// per decoded frame, in order, and the source's upright size and frame rate.
// On an error after some frames, the partial track (the frames complete up
// to the error, in order) is returned with the error. The frames must be
// one recording: a frame of another size than the first ends the pass with
// ErrFrameSize, a jump of more than MaxFrameGap in time with ErrTimeGap.
func Track(ctx context.Context, src vision.FrameSource, opts TrackOptions) (*pose.Track, error) {
	return track(ctx, src, opts, nil)
}

// track is Track keeping every decoded frame in keep (nil: none).
func track(ctx context.Context, src vision.FrameSource, opts TrackOptions, keep *frameStore) (*pose.Track, error) {
	var poses []pose.Pose
	// A track is one recording to screen (see tracker.recording).
	tr, err := streamPoses(ctx, src, opts, keep, true, func(p pose.Pose) error {
		poses = append(poses, p)
		return nil
	})
	if tr == nil {
		return nil, err
	}
	tr.Poses = poses
	return tr, err
}

// StreamPoses decodes src, estimates the pose in every frame and calls each
// with every pose in frame order, from the calling goroutine, as soon as it
// and all earlier ones are known. Only the frames in flight are held (a few
// per lane), so memory stays bounded however long the source runs: a camera
// that never ends streams until ctx is cancelled. each keeps its pose; an
// error from each stops the stream and is returned. A pass that saw a
// second person in a good part of the frames (a frame and its mirror image
// estimated as different people with Symmetric, or a probe beside the
// person tracked finding another body) ends, after its last pose, with
// ErrSeveralPeople.
//
// The returned track carries the source's upright size and frame rate and
// the poses' skeleton, without the poses. It is nil only when no estimator
// could be made.
func StreamPoses(ctx context.Context, src vision.FrameSource, opts TrackOptions, each func(pose.Pose) error) (*pose.Track, error) {
	return streamPoses(ctx, src, opts, nil, false, each)
}

// streamPoses is StreamPoses keeping every decoded frame in keep (nil:
// none) for Run's annotated pass; recording: see tracker.recording.
func streamPoses(ctx context.Context, src vision.FrameSource, opts TrackOptions, keep *frameStore, recording bool, each func(pose.Pose) error) (*pose.Track, error) {
	if opts.NewEstimator == nil {
		return nil, ErrNoEstimator
	}
	opts = resolveThreads(opts)
	if opts.Budget != nil {
		lanes, perLane := laneLayout(opts)
		release, err := opts.Budget.acquire(ctx, lanes*perLane)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	t, err := newTracker(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer t.close()
	t.keep, t.recording = keep, recording
	info := src.Info()
	tr := &pose.Track{Width: info.Width, Height: info.Height, FPS: info.FPS}
	t.stride = stride(info.FPS, opts.EstimateHz)
	t.probeEvery = probeEvery(info.FPS, t.stride, info.FrameCount)
	t.presetReduction(src, info)
	t.presetBGR(src)

	// stop ends every stage when each fails.
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	g, gctx := errgroup.WithContext(sctx)
	t.stream = vision.Stream(gctx, src, t.depth*len(t.lanes))
	defer t.stream.Close()
	g.Go(func() error { return t.dispatch(gctx) })
	for _, l := range t.lanes {
		g.Go(func() error { return l.run(gctx, t.results) })
	}
	go func() {
		// Close results once the producers are done; g.Wait is called
		// again below for the error.
		_ = g.Wait()
		close(t.results)
	}()

	c := newCollector(opts, info.FrameCount, func(p pose.Pose) error {
		if tr.Skeleton == nil {
			tr.Skeleton = p.Skeleton
		}
		return each(p)
	})
	cerr := c.collect(ctx, t.results)
	if cerr != nil {
		stop()
		for range t.results {
			// Drain, so no lane stays blocked on a send.
		}
	}
	err = g.Wait()
	switch {
	case cerr != nil:
		err = cerr
	case err == nil:
		err = ctx.Err()
	}
	if err == nil {
		err = c.incomplete()
	}
	if err == nil {
		err = c.people.err()
	}
	if (tr.Width == 0 || tr.Height == 0) && c.emitted > 0 {
		// Sources that do not know their size before decoding.
		tr.Width, tr.Height = t.firstW, t.firstH
	}
	return tr, err
}

// tracker holds pass one's lanes and the buffers they share.
type tracker struct {
	opts    TrackOptions
	lanes   []*lane
	depth   int
	stream  *vision.FrameStream
	results chan result
	// smallPool recycles reduced frames.
	smallPool chan *image.RGBA
	// firstW, firstH: the size of the first frame, read after the
	// dispatcher is done.
	firstW, firstH int
	// stride: every stride-th frame is estimated (TrackOptions.EstimateHz).
	stride int
	// probeEvery: every probeEvery-th estimated frame is probed for a
	// second person.
	probeEvery int
	// srcW, srcH: the full frame size when the source reduces its frames
	// itself (presetReduction), else 0.
	srcW, srcH int
	// keep, when set, is given every decoded frame (Run's frame store).
	keep *frameStore
	// recording: the frames are one recording to screen, so a frame whose
	// size is not the first frame's ends the pass with ErrFrameSize (the
	// screening measures every pose against one frame, the annotated video
	// has one size; an image folder's images may differ), and one more
	// than MaxFrameGap after the previous with ErrTimeGap.
	recording bool
}

type lane struct {
	est    Estimator
	mirror bool
	in     chan job
	// scratch holds the mirrored frame of a mirror lane whose Estimator
	// cannot mirror its crop (not a MirrorTracker).
	scratch *image.RGBA
	// prober probes the plain lane's frames for a second person.
	prober prober
}

type job struct {
	f vision.Frame
	// seq numbers the frames in the order they were dealt.
	seq  int
	refs *atomic.Int32
	// release hands f's image back once every lane is done with it.
	release func(image.Image)
	// sx, sy map the estimated image's pixels to the source frame's.
	sx, sy float64
	// skipped lists the frames before f, after the previous estimated
	// one, whose poses are interpolated.
	skipped []frameTime
	// probe: look for a second person in f (on the plain lane).
	probe bool
}

// frameTime is a frame known by its index and time, not estimated.
type frameTime struct {
	index int
	time  float64
}

type result struct {
	seq     int
	index   int
	time    float64
	mirror  bool
	p       pose.Pose
	skipped []frameTime
	probe   probe
}

// newTracker makes the lanes and their estimators. Each estimator holds
// buffers of its own, so making many takes a while: ctx is checked before
// each, and a cancelled start-up returns ctx's error promptly.
func newTracker(ctx context.Context, opts TrackOptions) (*tracker, error) {
	lanes, perLane := laneLayout(opts)
	depth := opts.Depth
	if depth <= 0 {
		depth = 2
	}
	t := &tracker{opts: opts, depth: depth, results: make(chan result, 2*lanes),
		smallPool: make(chan *image.RGBA, depth*lanes+2)}
	for i := range lanes {
		if err := ctx.Err(); err != nil {
			t.close()
			return nil, err
		}
		est, err := opts.NewEstimator(perLane)
		if err != nil {
			t.close()
			return nil, err
		}
		t.lanes = append(t.lanes, &lane{est: est, mirror: opts.Symmetric && i%2 == 1, in: make(chan job, depth)})
	}
	return t, nil
}

func (t *tracker) close() {
	for _, l := range t.lanes {
		l.est.Close()
	}
}

// dispatch deals frames to lanes (both lanes of a pair for a symmetric
// run), in frame order, so each lane tracks a fixed subsequence and the
// result does not depend on timing. Frames larger than MaxSide are reduced
// first. With a stride above 1 (EstimateHz) only every stride-th frame and
// the last are dealt; the others ride along as the next dealt frame's
// skipped list, for the collector to interpolate.
func (t *tracker) dispatch(ctx context.Context) error {
	defer func() {
		for _, l := range t.lanes {
			close(l.in)
		}
	}()
	groups := len(t.lanes)
	if t.opts.Symmetric {
		groups /= 2
	}
	n, decoded := 0, 0
	prevTime := 0.0
	// held is the last frame skipped, kept until the next one arrives in
	// case it is the source's last frame, which is estimated.
	var held *vision.Frame
	var skipped []frameTime
	send := func(f vision.Frame) error {
		j := t.reduce(f)
		j.seq = n
		j.skipped, skipped = skipped, nil
		j.probe = n%t.probeEvery == 0
		g := n % groups
		n++
		targets := t.lanes[g : g+1]
		if t.opts.Symmetric {
			targets = t.lanes[2*g : 2*g+2]
		}
		j.refs = new(atomic.Int32)
		j.refs.Store(int32(len(targets)))
		for _, l := range targets {
			select {
			case l.in <- j:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	for f := range t.stream.Frames() {
		b := f.Pixels().Bounds()
		if decoded == 0 {
			t.firstW, t.firstH = b.Dx(), b.Dy()
		} else if t.recording {
			if b.Dx() != t.firstW || b.Dy() != t.firstH {
				return fmt.Errorf("pipeline: %w: frame %d is %dx%d, the first %dx%d; give frames of one size (resize a folder's images to one size)",
					ErrFrameSize, f.Index, b.Dx(), b.Dy(), t.firstW, t.firstH)
			}
			if gap := f.Time - prevTime; gap > MaxFrameGap {
				return fmt.Errorf("pipeline: %w: %.1f s without a frame after frame %d (at %.2f s), a paused, joined or damaged recording; cut it at the gap and analyse each part",
					ErrTimeGap, gap, f.Index-1, prevTime)
			}
		}
		prevTime = f.Time
		decoded++
		// Before the frame is dealt: lanes release it when done.
		t.keep.add(f)
		if held != nil {
			t.stream.Release(held.Pixels())
			held = nil
		}
		if (decoded-1)%t.stride != 0 {
			skipped = append(skipped, frameTime{f.Index, f.Time})
			held = &f
			continue
		}
		if err := send(f); err != nil {
			return err
		}
	}
	if err := t.stream.Err(); err != nil {
		return err
	}
	if held != nil {
		skipped = skipped[:len(skipped)-1]
		return send(*held)
	}
	return nil
}

// reduce makes the job of frame f: the frame itself, or a copy reduced
// below MaxSide (recycled through smallPool) with the scale back to the
// source's pixels.
func (t *tracker) reduce(f vision.Frame) job {
	b := f.Pixels().Bounds()
	w, h := b.Dx(), b.Dy()
	j := job{f: f, release: t.stream.Release, sx: 1, sy: 1}
	if w < t.srcW {
		j.sx, j.sy = float64(t.srcW)/float64(w), float64(t.srcH)/float64(h)
		return j
	}
	k := reduction(w, h, t.opts.MaxSide)
	if k <= 1 {
		return j
	}
	var small *image.RGBA
	select {
	case small = <-t.smallPool:
	default:
	}
	small = boxReduce(small, asRGBA(f.Pixels()), k)
	t.stream.Release(f.Pixels())
	j.f.Image, j.f.BGR = small, nil
	j.sx, j.sy = float64(w)/float64(small.Rect.Dx()), float64(h)/float64(small.Rect.Dy())
	j.release = func(img image.Image) {
		select {
		case t.smallPool <- img.(*image.RGBA):
		default:
		}
	}
	return j
}

// run estimates the lane's frames: mirrored first on a mirror lane (and
// mapped back), scaled back to source pixels. A frame is released once
// every lane that shares it is done with it.
func (l *lane) run(ctx context.Context, results chan<- result) error {
	for j := range l.in {
		img := j.f.Pixels()
		var p pose.Pose
		var err error
		var pr probe
		if l.mirror {
			p, err = trackMirrored(ctx, l.est, img, &l.scratch)
		} else {
			p, err = l.est.Track(ctx, img)
			// A pose that cannot be placed is neither measured nor
			// probed beside: hiding nobody finds the person again.
			if b, placed := keypointBox(&p); placed && err == nil {
				pr, err = l.prober.track(ctx, l.est, img, b, j.probe)
			}
		}
		if j.refs.Add(-1) == 0 {
			j.release(img)
		}
		if err != nil {
			return fmt.Errorf("pipeline: frame %d: %w", j.f.Index, err)
		}
		if l.mirror {
			p.Mirror(float64(img.Bounds().Dx()))
		}
		if j.sx != 1 || j.sy != 1 {
			for k := range p.Keypoints {
				p.Keypoints[k].X *= j.sx
				p.Keypoints[k].Y *= j.sy
			}
		}
		select {
		case results <- result{seq: j.seq, index: j.f.Index, time: j.f.Time, mirror: l.mirror, p: p, skipped: j.skipped, probe: pr}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// collector merges each frame's plain and mirrored poses and emits the
// frames in order. It holds only frames that are incomplete or wait for an
// earlier one: at most a few per lane.
type collector struct {
	want     uint8 // 1 plain, 3 plain and mirror
	pending  map[int]*slot
	next     int
	done     int
	emitted  int
	total    int
	start    time.Time
	progress func(Progress)
	emit     func(pose.Pose) error
	// prev is the last estimated pose emitted, the start of the next
	// interpolation.
	prev pose.Pose
	// people compares each frame's plain and mirrored estimates.
	people people
}

// slot is one frame being put together.
type slot struct {
	p       pose.Pose
	have    uint8 // 1 plain, 2 mirror
	skipped []frameTime
}

func newCollector(opts TrackOptions, total int, emit func(pose.Pose) error) *collector {
	c := &collector{want: 1, pending: map[int]*slot{}, total: total, start: time.Now(), progress: opts.Progress, emit: emit}
	if opts.Symmetric {
		c.want = 3
	}
	return c
}

// collect reads results until the channel closes, emit fails or ctx is
// cancelled (then nothing more is emitted, even poses already known).
func (c *collector) collect(ctx context.Context, results <-chan result) error {
	for r := range results {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.add(r); err != nil {
			return err
		}
	}
	return nil
}

// add merges one lane's result and emits every frame now complete in
// order.
func (c *collector) add(r result) error {
	s := c.pending[r.seq]
	if s == nil {
		s = &slot{}
		c.pending[r.seq] = s
	}
	bit := uint8(1)
	if r.mirror {
		bit = 2
	}
	if s.have&bit != 0 {
		return nil // cannot happen: each frame goes to one lane of each kind
	}
	r.p.Frame, r.p.Time = r.index, r.time
	s.skipped = r.skipped
	c.people.addProbe(r.index, r.probe)
	if s.have == 0 {
		s.p = r.p
	} else {
		c.people.add(r.index, &s.p, &r.p)
		averageInto(&s.p, &r.p)
	}
	s.have |= bit
	if s.have != c.want {
		return nil
	}
	c.done += 1 + len(s.skipped)
	if c.progress != nil {
		c.progress(Progress{Pass: "pose", Done: c.done, Total: c.total, Elapsed: time.Since(c.start)})
	}
	for {
		s := c.pending[c.next]
		if s == nil || s.have != c.want {
			return nil
		}
		delete(c.pending, c.next)
		c.next++
		for _, ft := range s.skipped {
			c.emitted++
			if err := c.emit(interpolate(&c.prev, &s.p, ft)); err != nil {
				return err
			}
		}
		c.emitted++
		c.prev = s.p
		if err := c.emit(s.p); err != nil {
			return err
		}
	}
}

// interpolate returns the pose of frame ft, which lies between the
// estimated poses a and b: positions, model coordinates and scores linear
// in time (in frame index when the times do not increase). When either
// pose shows nobody, the nearer one is taken whole (the earlier at equal
// distance): a lost person's keypoints are no position to move towards.
func interpolate(a, b *pose.Pose, ft frameTime) pose.Pose {
	t := 0.5
	if b.Time > a.Time && ft.time >= a.Time && ft.time <= b.Time {
		t = (ft.time - a.Time) / (b.Time - a.Time)
	} else if b.Frame > a.Frame {
		t = float64(ft.index-a.Frame) / float64(b.Frame-a.Frame)
	}
	p := pose.Pose{Frame: ft.index, Time: ft.time, Skeleton: a.Skeleton, Keypoints: make([]pose.Keypoint, len(a.Keypoints))}
	if !a.Person || !b.Person || len(a.Keypoints) != len(b.Keypoints) {
		near := a
		if t > 0.5 {
			near = b
		}
		p.Skeleton, p.Person = near.Skeleton, near.Person
		p.Keypoints = append(p.Keypoints[:0], near.Keypoints...)
		return p
	}
	p.Person = true
	for j := range p.Keypoints {
		ka, kb := a.Keypoints[j], b.Keypoints[j]
		p.Keypoints[j] = pose.Keypoint{
			X: ka.X + t*(kb.X-ka.X), Y: ka.Y + t*(kb.Y-ka.Y),
			NX: ka.NX + t*(kb.NX-ka.NX), NY: ka.NY + t*(kb.NY-ka.NY),
			Score: ka.Score + t*(kb.Score-ka.Score),
		}
	}
	return p
}

// incomplete reports a frame left without its pose after a clean end.
func (c *collector) incomplete() error {
	if len(c.pending) > 0 {
		return fmt.Errorf("pipeline: frame %d has no pose", c.next)
	}
	return nil
}

// resolveThreads caps the pass's threads at its budget's size (all of it
// when Threads is 0).
func resolveThreads(o TrackOptions) TrackOptions {
	if o.Budget != nil && (o.Threads <= 0 || o.Threads > o.Budget.Size()) {
		o.Threads = o.Budget.Size()
	}
	return o
}

// laneLayout returns the number of lanes and the threads each may use.
func laneLayout(o TrackOptions) (lanes, perLane int) {
	threads := o.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	lanes = o.Lanes
	if lanes <= 0 {
		lanes = threads
	}
	if o.Symmetric {
		lanes = max(2, lanes-lanes%2)
	}
	return lanes, max(1, threads/lanes)
}

// reduction is the integer factor that brings a w x h frame's longer side
// to at most maxSide (0: DefaultMaxSide; negative: 1).
func reduction(w, h, maxSide int) int {
	if maxSide < 0 {
		return 1
	}
	if maxSide == 0 {
		maxSide = DefaultMaxSide
	}
	long := max(w, h)
	return (long + maxSide - 1) / maxSide
}

// boxReduce writes src reduced k times in each direction, each pixel the
// mean of a k x k block, into dst (reused when it has the right size).
// Edge pixels that do not fill a block are dropped.
func boxReduce(dst, src *image.RGBA, k int) *image.RGBA {
	w, h := src.Rect.Dx()/k, src.Rect.Dy()/k
	if dst == nil || dst.Rect.Dx() != w || dst.Rect.Dy() != h {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	if k == 2 {
		// The common case (1080p, 1080x1920; 720p for the annotated
		// video), a row at a time on the AVX2 kernel where there is one.
		for y := 0; y < h; y++ {
			r0 := src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+2*y):][:8*w]
			r1 := src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+2*y+1):][:8*w]
			reduce2Kernel(dst.Pix[y*dst.Stride:][:4*w], r0, r1, w)
		}
		return dst
	}
	n := uint(k * k)
	for y := 0; y < h; y++ {
		d := dst.Pix[y*dst.Stride:][:4*w]
		for x := 0; x < w; x++ {
			var r, g, b uint
			for yy := 0; yy < k; yy++ {
				row := src.Pix[src.PixOffset(src.Rect.Min.X+x*k, src.Rect.Min.Y+y*k+yy):][:4*k]
				for xx := 0; xx < 4*k; xx += 4 {
					r += uint(row[xx])
					g += uint(row[xx+1])
					b += uint(row[xx+2])
				}
			}
			d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = uint8((r+n/2)/n), uint8((g+n/2)/n), uint8((b+n/2)/n), 255
		}
	}
	return dst
}

// reduce2Kernel writes w pixels of a factor-2 reduction into d from the
// 2w pixels of rows r0 and r1: reduce2Go, or its AVX2 version
// (reduce_amd64.s), which does the same integer arithmetic.
var reduce2Kernel = reduce2Go

// reduce2Go is boxReduce's factor 2 for one row: per channel the rounded
// mean (a+b+c+d+2)>>2 of a 2x2 block, alpha 255.
func reduce2Go(d, r0, r1 []byte, w int) {
	r0, r1, d = r0[:8*w], r1[:8*w], d[:4*w]
	for x := 0; x < w; x++ {
		a, b, o := r0[8*x:8*x+8:8*x+8], r1[8*x:8*x+8:8*x+8], d[4*x:4*x+4:4*x+4]
		o[0] = uint8((uint(a[0]) + uint(a[4]) + uint(b[0]) + uint(b[4]) + 2) >> 2)
		o[1] = uint8((uint(a[1]) + uint(a[5]) + uint(b[1]) + uint(b[5]) + 2) >> 2)
		o[2] = uint8((uint(a[2]) + uint(a[6]) + uint(b[2]) + uint(b[6]) + 2) >> 2)
		o[3] = 255
	}
}

// mirrorRGBA writes src flipped left-right into dst (reused when it has
// src's size).
func mirrorRGBA(dst, src *image.RGBA) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	if dst == nil || dst.Rect.Dx() != w || dst.Rect.Dy() != h {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	for y := 0; y < h; y++ {
		s := src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+y):][:4*w]
		d := dst.Pix[y*dst.Stride:][:4*w]
		for x := 0; x+3 < len(s); x += 4 {
			e := len(d) - 4 - x
			p := d[e : e+4 : e+4]
			q := s[x : x+4 : x+4]
			p[0], p[1], p[2], p[3] = q[0], q[1], q[2], q[3]
		}
	}
	return dst
}

// averageInto combines the poses of a frame and of its mirror image into
// a. The positions are averaged weighted by score, so a joint one pass found
// confidently is not dragged towards the other pass's guess; scores are
// averaged. The operation is symmetric in its arguments, which is what
// makes a symmetric run's result the mirror image of the mirrored video's.
func averageInto(a, b *pose.Pose) {
	for j := range a.Keypoints {
		ka, kb := a.Keypoints[j], b.Keypoints[j]
		wa, wb := ka.Score, kb.Score
		if wa+wb <= 0 {
			wa, wb = 1, 1
		}
		k := &a.Keypoints[j]
		k.X = (wa*ka.X + wb*kb.X) / (wa + wb)
		k.Y = (wa*ka.Y + wb*kb.Y) / (wa + wb)
		k.NX = (ka.NX + kb.NX) / 2
		k.NY = (ka.NY + kb.NY) / 2
		k.Score = (ka.Score + kb.Score) / 2
	}
	a.Person = a.Person || b.Person
}
