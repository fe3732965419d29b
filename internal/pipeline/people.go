package pipeline

import (
	"errors"
	"fmt"

	"github.com/kneescreen/kneescreen/pose"
)

// ErrSeveralPeople is returned by pass one when the frame and its mirror
// image, estimated with Symmetric, showed the model two different people in
// a good part of the frames: the single-person model then follows one person
// in the frame and another in its mirror, and their average is a body where
// nobody stands, whose "findings" are nobody's.
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
// estimates were of different people.
type people struct {
	placed, apart int
	// first is the first frame found apart (when apart > 0).
	first int
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
func (c *people) err() error {
	if c.apart < peopleMinFrames || float64(c.apart) < peopleMinFraction*float64(c.placed) {
		return nil
	}
	return fmt.Errorf("pipeline: %w: the model saw two different people in %d of %d frames (from frame %d); film one person alone, or crop the video to the person screened",
		ErrSeveralPeople, c.apart, c.placed, c.first)
}

// box is an axis-aligned rectangle in source pixels.
type box struct{ x0, y0, x1, y1 float64 }

// keypointBox is the box around p's keypoints scored at least
// peopleMinScore; false when p shows nobody or too few of them.
func keypointBox(p *pose.Pose) (box, bool) {
	if !p.Person {
		return box{}, false
	}
	n := 0
	var b box
	for _, k := range p.Keypoints {
		if !k.Valid(peopleMinScore) {
			continue
		}
		if n == 0 {
			b = box{k.X, k.Y, k.X, k.Y}
		}
		b.x0, b.y0 = min(b.x0, k.X), min(b.y0, k.Y)
		b.x1, b.y1 = max(b.x1, k.X), max(b.y1, k.Y)
		n++
	}
	return b, n >= peopleMinKeypoints && b.x1 > b.x0 && b.y1 > b.y0
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
