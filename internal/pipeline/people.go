package pipeline

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/kneescreen/kneescreen/pose"
)

// ErrSeveralPeople is returned by pass one when a second person was in
// view for a good part of the recording. The single-person model follows
// one person a frame, and may follow another in the next; with Symmetric
// it may follow one person in the frame and another in its mirror, whose
// average is a body where nobody stands. Either way the "findings" are
// nobody's. Two checks find the second person: the frame's plain and
// mirrored estimates land on different people (Symmetric only), or a
// probe that hides the person tracked finds another body beside them
// (every pass whose Estimator is a Prober).
var ErrSeveralPeople = errors.New("more than one person in view")

// Two people are told apart by where the model puts them. A frame's plain
// and mirrored estimates of one person cover the same place; estimates of
// two people standing side by side do not overlap at all. A box is drawn
// around the keypoints scored at least peopleMinScore, and only with at
// least peopleMinKeypoints of them (a pose that sees less is no body to
// place). The estimates are apart when their boxes' intersection is less
// than peopleMaxOverlap of the smaller box. On the 40 shared single-person
// clips (8471 frames placed, Lightning) two frames were apart, both in the
// clip where the person walks out of view; two shared clips side by side
// were apart in every frame.
const (
	peopleMinScore     = 0.3
	peopleMinKeypoints = 6
	peopleMaxOverlap   = 0.25
)

// A pass fails with ErrSeveralPeople when at least peopleMinFrames frames,
// and at least peopleMinFraction of the frames whose two estimates could
// both be placed, were apart. A second person who crosses the background
// for a moment (a few percent of a clip) is not enough: the conditioning's
// outlier rejection copes with a short stretch; a second person for a good
// part of the clip is a recording of two people.
const (
	peopleMinFrames   = 5
	peopleMinFraction = 0.2
)

// people counts, over pass one, the frames whose plain and mirrored
// estimates were of different people, and the probes that found a second
// person.
type people struct {
	placed, apart int
	// first is the first frame found apart (when apart > 0).
	first int
	// probed frames, of which others showed a second person, the first
	// of them firstOther; maxScore is the highest probe score seen.
	probed, others, firstOther int
	maxScore                   float64
}

// addProbe counts frame's probe.
func (c *people) addProbe(frame int, p probe) {
	if !p.done {
		return
	}
	c.probed++
	c.maxScore = max(c.maxScore, p.score)
	if p.other {
		if c.others == 0 {
			c.firstOther = frame
		}
		c.others++
	}
}

// add compares frame's plain estimate a with its mirrored one b (already
// mapped back to the frame), before they are averaged.
func (c *people) add(frame int, a, b *pose.Pose) {
	ba, okA := keypointBox(a)
	bb, okB := keypointBox(b)
	if !okA || !okB {
		return
	}
	c.placed++
	if overlapOfSmaller(ba, bb) < peopleMaxOverlap {
		if c.apart == 0 {
			c.first = frame
		}
		c.apart++
	}
}

// err is ErrSeveralPeople, with how many frames and from which, when the
// counts call it two people; nil otherwise.
//
// The probes are held to the same rule as the symmetric comparison, over
// the frames probed: a second person in at least peopleMinFrames probes and
// peopleMinFraction of them.
func (c *people) err() error {
	const advice = "film one person alone, or crop the video to the person screened"
	if c.apart >= peopleMinFrames && float64(c.apart) >= peopleMinFraction*float64(c.placed) {
		return fmt.Errorf("pipeline: %w: the model saw two different people in %d of %d frames (from frame %d); %s",
			ErrSeveralPeople, c.apart, c.placed, c.first, advice)
	}
	if c.others >= peopleMinFrames && float64(c.others) >= peopleMinFraction*float64(c.probed) {
		return fmt.Errorf("pipeline: %w: a second person beside the one tracked in %d of %d frames looked at (from frame %d); %s",
			ErrSeveralPeople, c.others, c.probed, c.firstOther, advice)
	}
	return nil
}

// box is an axis-aligned rectangle in source pixels.
type box struct{ x0, y0, x1, y1 float64 }

// keypointBox is the box around p's keypoints scored at least
// peopleMinScore; false when p shows nobody or too few of them.
func keypointBox(p *pose.Pose) (box, bool) {
	if !p.Person {
		return box{}, false
	}
	b, n := boxOf(p, func(k pose.Keypoint) bool { return k.Valid(peopleMinScore) })
	return b, n >= peopleMinKeypoints && b.x1 > b.x0 && b.y1 > b.y0
}

// boxOf is the box around p's keypoints that keep accepts, and how many
// it accepted (none: a zero box).
func boxOf(p *pose.Pose, keep func(pose.Keypoint) bool) (box, int) {
	var b box
	n := 0
	for _, k := range p.Keypoints {
		if !keep(k) {
			continue
		}
		if n == 0 {
			b = box{k.X, k.Y, k.X, k.Y}
		}
		b.x0, b.y0 = min(b.x0, k.X), min(b.y0, k.Y)
		b.x1, b.y1 = max(b.x1, k.X), max(b.y1, k.Y)
		n++
	}
	return b, n
}

// overlapOfSmaller is the area of a and b's intersection over the smaller
// one's area (0 to 1).
func overlapOfSmaller(a, b box) float64 {
	w := min(a.x1, b.x1) - max(a.x0, b.x0)
	h := min(a.y1, b.y1) - max(a.y0, b.y0)
	if w <= 0 || h <= 0 {
		return 0
	}
	area := func(r box) float64 { return (r.x1 - r.x0) * (r.y1 - r.y0) }
	return w * h / min(area(a), area(b))
}

// Prober is an Estimator that can look for someone other than the person
// it tracks (models.Estimator): EstimateHiding estimates the view
// rectangle of img with the pixels of hide made neutral for the model,
// without touching the tracking state, so the tracked poses are the same,
// bit for bit, with or without probes. Lanes whose Estimator is one probe
// a frame now and then (probeEvery); others leave two people to the
// symmetric check.
type Prober interface {
	EstimateHiding(ctx context.Context, img image.Image, view, hide image.Rectangle, dst *pose.Pose) error
}

// A probe hides the tracked person and asks the single-person model for
// the most prominent body in the rest of the frame (probeView). The person
// hidden is the box around the tracked pose's placed keypoints
// (keypointBox) widened on every side by probeMargin of its longer side:
// the body reaches beyond its keypoints (the top of the head is about an
// eighth of a person's height above the eyes, the hands a tenth beyond the
// wrists, the feet beyond the ankles; a deep squat shortens the box to
// about two thirds of the standing height), as do motion blur and a
// shadow at the person's feet.
//
// The probe's pose is a second person when it is a body standing beside
// the hidden box: its best shoulder, best hip and best knee or ankle
// outside the box each score at least probeMinScore (the pipeline's own
// keypoint threshold, models.DefaultMinKeypointScore; on images with
// nobody in them no MoveNet keypoint scores above 0.17) and lie in that
// order from the top down; at least probeMinKeypoints of its keypoints
// outside the box score that much (a body, not a head and shoulders left
// at the box's edge, a bust on a poster or a face on a screen); and the
// box around those keypoints is at least probeMinSize of the tracked
// person's size: the longest side of their keypoint box over the frames
// tracked so far, which is their standing height (a squat shortens the
// box to about two thirds of it, and a bystander at the back of the room
// would seem larger beside the squatting person than beside the standing
// one). A body 0.7 of that size is 1.4 times as far from the camera as the
// person screened, about a metre behind them at the usual 3 m: someone
// beside the person (a partner, a clinician) is about their size, while a
// person at the back of the room or the far end of a gym, or a figure on
// a television or a framed photograph, is smaller, and the tracking,
// cropped on the person screened, does not jump to them. (One shared clip
// has an assistant standing at the back of the lab throughout, half the
// size of the person screened.)
const (
	probeMargin       = 0.25
	probeMinScore     = 0.3
	probeMinKeypoints = 8
	probeMinSize      = 0.7
)

// prober is the probing state of a plain lane (or a FrameEstimator):
// the tracked person's size so far, the probe's pose (reused) and the side
// of the person the next probe looks at (probeView).
type prober struct {
	// tallest is the longest side of the tracked person's keypoint box
	// so far, in the lane's image pixels: their size for the probes.
	tallest float64
	probed  pose.Pose
	side    int
}

// track records the tracked person's keypoint box b in img (keypointBox,
// in img's pixels) and, when look is set and est is a Prober, probes img
// beside it for a second person; otherwise it reports nothing done.
func (pb *prober) track(ctx context.Context, est Estimator, img image.Image, b box, look bool) (probe, error) {
	pb.tallest = max(pb.tallest, b.x1-b.x0, b.y1-b.y0)
	pr, ok := est.(Prober)
	if !look || !ok {
		return probe{}, nil
	}
	hide, hidden := hideRect(b, img.Bounds())
	view := probeView(img.Bounds(), hide, pb.side)
	if err := pr.EstimateHiding(ctx, img, view, hide, &pb.probed); err != nil {
		return probe{}, err
	}
	r := judgeProbe(&pb.probed, hidden, pb.tallest)
	if !r.other {
		// Look on the other side next time; where someone was found,
		// look again.
		pb.side++
	}
	return r, nil
}

// probe is what a probe of one frame found.
type probe struct {
	// done: the frame was probed (the tracked pose could be placed and
	// the Estimator is a Prober).
	done bool
	// other: a second person was found.
	other bool
	// score is the probe's confidence in a body beside the hidden box:
	// the lowest of the best shoulder's, hip's and knee's or ankle's
	// scores outside it.
	score float64
	// upright: those three lie from the top down; n keypoints outside
	// the box score probeMinScore or more, spanning size times the
	// tracked person's size.
	upright bool
	n       int
	size    float64
}

// hideRect is the rectangle of a frame with bounds frame that a probe
// hides for the tracked person whose keypoint box is b (keypointBox; both
// in the frame's pixels), and the unclipped box it was made from.
func hideRect(b box, frame image.Rectangle) (image.Rectangle, box) {
	m := probeMargin * max(b.x1-b.x0, b.y1-b.y0)
	b = box{b.x0 - m, b.y0 - m, b.x1 + m, b.y1 + m}
	r := image.Rect(int(math.Floor(b.x0)), int(math.Floor(b.y0)), int(math.Ceil(b.x1)), int(math.Ceil(b.y1)))
	return r.Intersect(frame), b
}

// judgeProbe decides whether p, a probe's pose with the box hidden
// hidden, shows a second person beside the tracked one, whose size (in
// pixels) is tall (see probeMinSize).
func judgeProbe(p *pose.Pose, hidden box, tall float64) probe {
	outside := func(k pose.Keypoint) bool {
		return k.X < hidden.x0 || k.X > hidden.x1 || k.Y < hidden.y0 || k.Y > hidden.y1
	}
	// best is the highest-scored keypoint of joints outside hidden.
	best := func(joints ...pose.Joint) pose.Keypoint {
		var b pose.Keypoint
		for _, j := range joints {
			if k, ok := p.Get(j); ok && outside(k) && k.Score > b.Score {
				b = k
			}
		}
		return b
	}
	sh := best(pose.LeftShoulder, pose.RightShoulder)
	hip := best(pose.LeftHip, pose.RightHip)
	leg := best(pose.LeftKnee, pose.RightKnee, pose.LeftAnkle, pose.RightAnkle)
	r := probe{done: true, score: min(sh.Score, hip.Score, leg.Score)}
	r.upright = sh.Y < hip.Y && hip.Y < leg.Y
	ob, n := boxOf(p, func(k pose.Keypoint) bool { return k.Score >= probeMinScore && outside(k) })
	r.n = n
	r.size = max(ob.x1-ob.x0, ob.y1-ob.y0) / tall
	r.other = r.score >= probeMinScore && r.upright && n >= probeMinKeypoints && r.size >= probeMinSize
	return r
}

// Probes are spread over the clip: one every probeInterval of video, and
// at least probeMinProbes over a clip of known length, so a short clip has
// enough probes for peopleMinFrames. A probe costs about what a tracked
// frame costs (one Lightning inference, a larger resample); one every 1.5
// s adds about 1% to a symmetric pass at 30 fps (two inferences a frame)
// and 2% to a plain one. A second person who stays for a good part of the
// clip is in several probes.
const (
	probeInterval  = 1.5 // seconds
	probeMinProbes = 16
	// probeDefaultEvery is the interval, in estimated frames, for a source
	// of unknown frame rate.
	probeDefaultEvery = 30
)

// probeEvery is how many estimated frames apart probes are, for a source
// of fps frames a second (0: unknown) of which every stride-th is
// estimated, frames long (0 or less: unknown).
func probeEvery(fps float64, stride, frames int) int {
	every := probeDefaultEvery
	if fps > 0 && !math.IsInf(fps, 0) {
		every = int(math.Round(fps / float64(stride) * probeInterval))
	}
	if frames > 0 {
		every = min(every, frames/stride/probeMinProbes)
	}
	return max(1, every)
}

// probeView is the part of a frame (bounds frame) that the k-th probe of a
// lane shows the model, with hide hidden. A landscape frame is letterboxed
// to its width, so a person beside the one screened is small in the
// 192-pixel input (a body 250 pixels tall in a 720p frame is 37 input
// pixels, where Lightning's scores fall away); the probe shows the model a
// square as tall as the frame (or as wide as the side, if wider) beside
// hide instead, so the other person fills about twice the input: on the left or the right, where there is
// room for a body (probeMinStrip of the hidden box's height), side k of
// those with room. The lane moves on to the other side after a probe that
// found nobody and stays on a side where someone was found, so a second
// person is seen in about every probe, not every other. A portrait or
// square frame, or one with no room beside the person, is shown whole.
func probeView(frame, hide image.Rectangle, k int) image.Rectangle {
	w, h := frame.Dx(), frame.Dy()
	if w <= h || hide.Empty() {
		return frame
	}
	room := int(probeMinStrip * float64(hide.Dy()))
	left, right := hide.Min.X-frame.Min.X, frame.Max.X-hide.Max.X
	var side []image.Rectangle
	if left >= room {
		side = append(side, image.Rect(frame.Min.X, frame.Min.Y, hide.Min.X, frame.Max.Y))
	}
	if right >= room {
		side = append(side, image.Rect(hide.Max.X, frame.Min.Y, frame.Max.X, frame.Max.Y))
	}
	if len(side) == 0 {
		return frame
	}
	s := side[k%len(side)]
	n := min(w, max(h, s.Dx()))
	x0 := min(max((s.Min.X+s.Max.X-n)/2, frame.Min.X), frame.Max.X-n)
	return image.Rect(x0, frame.Min.Y, x0+n, frame.Max.Y)
}

// probeMinStrip: see probeView.
const probeMinStrip = 0.2
