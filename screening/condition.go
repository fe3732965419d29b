package screening

import (
	"math"
	"sort"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening/filter"
)

// conditioned is a track after conditioning: per joint coordinate arrays
// with NaN where missing, on the track's time base.
type conditioned struct {
	t      []float64
	frame  []int
	fps    float64
	person []bool
	// sk is the track's skeleton; x, y and score hold a series for each
	// of its joints and for every other joint in bodyJoints (NaN, score
	// 0), so code reads any joint it needs by name and a joint the model
	// lacks is simply missing.
	sk    *pose.Skeleton
	x, y  map[pose.Joint][]float64
	score map[pose.Joint][]float64

	// focal is the assumed focal length in pixels (perspective,
	// frontal.go); NaN when the track has no image size.
	focal float64

	// shots are [start, end) frame ranges between camera cuts (zoomed
	// cut-ins, edits); filters and gap filling never cross them.
	shots [][2]int

	dropped, personFrames, outliers, filled, swaps int
	meanScore, cutoffUsed                          float64
	notes                                          []string
}

func (c *conditioned) n() int { return len(c.t) }

func (c *conditioned) at(j pose.Joint, i int) Point { return Point{c.x[j][i], c.y[j][i]} }

// bodyJoints are the joints screening reads by name: the COCO-17 body and
// the feet. A track whose skeleton lacks some of them gets missing series
// for those, so what needs them is not assessable rather than wrong.
var bodyJoints = []pose.Joint{
	pose.Nose, pose.LeftEye, pose.RightEye, pose.LeftEar, pose.RightEar,
	pose.LeftShoulder, pose.RightShoulder, pose.LeftElbow, pose.RightElbow,
	pose.LeftWrist, pose.RightWrist, pose.LeftHip, pose.RightHip,
	pose.LeftKnee, pose.RightKnee, pose.LeftAnkle, pose.RightAnkle,
	pose.LeftHeel, pose.RightHeel, pose.LeftFootIndex, pose.RightFootIndex,
}

// trackSkeleton is the skeleton a track's poses are read with (COCO17 for
// a track that names none).
func trackSkeleton(tr *pose.Track) *pose.Skeleton {
	if sk := tr.PoseSkeleton(); sk != nil {
		return sk
	}
	return pose.COCO17
}

// keypoints returns the conditioned keypoints per frame in the track's
// skeleton order, with the model's own NX, NY from track.
func (c *conditioned) keypoints(track *pose.Track) [][]pose.Keypoint {
	out := make([][]pose.Keypoint, c.n())
	for i := range out {
		out[i] = make([]pose.Keypoint, c.sk.Len())
		p := &track.Poses[i]
		for k := range out[i] {
			j := c.sk.Joint(k)
			raw, _ := p.Get(j)
			out[i][k] = pose.Keypoint{X: c.x[j][i], Y: c.y[j][i], Score: c.score[j][i], NX: raw.NX, NY: raw.NY}
		}
	}
	return out
}

// timeBase returns per-frame times and the frame rate. Pose times are used
// when they increase; otherwise frames are spaced by the track's FPS (30
// when unknown, with a note).
func timeBase(tr *pose.Track) ([]float64, float64, string) {
	n := len(tr.Poses)
	t := make([]float64, n)
	increasing := n > 1
	for i, p := range tr.Poses {
		t[i] = p.Time
		if i > 0 && !(p.Time > tr.Poses[i-1].Time) {
			increasing = false
		}
	}
	if increasing {
		dts := make([]float64, n-1)
		for i := 1; i < n; i++ {
			dts[i-1] = t[i] - t[i-1]
		}
		sort.Float64s(dts)
		fps := 1 / dts[len(dts)/2]
		if tr.FPS > 0 && math.Abs(tr.FPS-fps)/tr.FPS < 0.05 {
			fps = tr.FPS
		}
		return t, fps, ""
	}
	fps, note := tr.FPS, ""
	if !(fps > 0) || math.IsInf(fps, 0) {
		fps, note = 30, "frame times and rate unknown; assumed 30 frames/s"
	}
	for i, p := range tr.Poses {
		t[i] = float64(p.Frame) / fps
	}
	return t, fps, note
}

var legPairs = [][2]pose.Joint{
	{pose.LeftHip, pose.RightHip}, {pose.LeftKnee, pose.RightKnee}, {pose.LeftAnkle, pose.RightAnkle},
}

// swapPairs are exchanged with a swapped leg: its joints and its foot's
// (missing series when the model has no feet).
var swapPairs = append(legPairs[:len(legPairs):len(legPairs)],
	[2]pose.Joint{pose.LeftHeel, pose.RightHeel}, [2]pose.Joint{pose.LeftFootIndex, pose.RightFootIndex})

// condition applies the documented conditioning: low scores dropped, leg
// swaps corrected, Hampel outliers removed, short gaps filled, and the
// chosen smoother.
func condition(tr *pose.Track, f FilterOptions) *conditioned {
	n := len(tr.Poses)
	sk := trackSkeleton(tr)
	c := &conditioned{frame: make([]int, n), person: make([]bool, n), sk: sk,
		x: map[pose.Joint][]float64{}, y: map[pose.Joint][]float64{}, score: map[pose.Joint][]float64{}}
	c.focal = nan
	if tr.Width > 0 && tr.Height > 0 {
		c.focal = focalShare * float64(max(tr.Width, tr.Height))
	}
	var note string
	c.t, c.fps, note = timeBase(tr)
	if note != "" {
		c.notes = append(c.notes, note)
	}
	var scoreSum float64
	joints := sk.Joints()
	for _, j := range append(joints, bodyJoints...) {
		if _, ok := c.x[j]; ok {
			continue
		}
		c.x[j], c.y[j], c.score[j] = make([]float64, n), make([]float64, n), make([]float64, n)
		if !sk.Has(j) {
			for i := range n {
				c.x[j][i], c.y[j][i] = nan, nan
			}
		}
	}
	for i := range tr.Poses {
		p := &tr.Poses[i]
		c.frame[i] = p.Frame
		c.person[i] = p.Person
		if p.Person {
			c.personFrames++
			scoreSum += p.MeanScore()
		}
		same := len(p.Keypoints) == sk.Len() && (p.Skeleton == nil || p.Skeleton.Same(sk))
		for k, j := range joints {
			var kp pose.Keypoint
			ok := same
			if same {
				kp = p.Keypoints[k]
			} else {
				// A pose of another skeleton (or a short one) is read
				// by name; what it lacks is missing.
				kp, ok = p.Get(j)
			}
			c.score[j][i] = kp.Score
			if ok && p.Person && kp.Valid(f.MinScore) {
				c.x[j][i], c.y[j][i] = kp.X, kp.Y
			} else {
				c.x[j][i], c.y[j][i] = nan, nan
				if p.Person {
					c.dropped++
				}
			}
		}
	}
	if c.personFrames > 0 {
		c.meanScore = scoreSum / float64(c.personFrames)
	}
	if f.FixSwaps {
		c.swaps = fixLegSwaps(c)
	}
	c.shots = findShots(c)
	scale := float64(tr.Height)
	if scale <= 0 {
		scale = 1000
	}
	half := int(math.Round(f.HampelWindowS * c.fps))
	out := make([]bool, n)
	for _, j := range joints {
		for _, sh := range c.shots {
			a, b := sh[0], sh[1]
			xs, ys, ts := c.x[j][a:b], c.y[j][a:b], c.t[a:b]
			if f.HampelSigmas > 0 && half >= 1 {
				o := out[a:b]
				for k := range o {
					o[k] = false
				}
				// Reject a joint in a frame when either coordinate is an outlier.
				c.outliers += filter.Hampel(xs, half, f.HampelSigmas, 0.002*scale, o)
				c.outliers += filter.Hampel(ys, half, f.HampelSigmas, 0.002*scale, o)
				for k, bad := range o {
					if bad {
						xs[k], ys[k] = nan, nan
					}
				}
			}
			c.filled += filter.FillGaps(xs, ts, f.MaxGapS)
			filter.FillGaps(ys, ts, f.MaxGapS)
		}
	}
	switch f.Mode {
	case FilterButterworth:
		cut := f.CutoffHz
		if cut >= 0.4*c.fps {
			cut = 0.4 * c.fps
			c.notes = append(c.notes, "low frame rate: smoothing cutoff lowered below the configured value")
		}
		sos, err := filter.ButterworthLowpass(f.Order, cut, c.fps)
		if err == nil {
			c.cutoffUsed = cut
			for _, j := range joints {
				for _, sh := range c.shots {
					sos.FiltFiltNaN(c.x[j][sh[0]:sh[1]], c.x[j][sh[0]:sh[1]])
					sos.FiltFiltNaN(c.y[j][sh[0]:sh[1]], c.y[j][sh[0]:sh[1]])
				}
			}
		}
	case FilterOneEuro:
		for _, j := range joints {
			for _, s := range [][]float64{c.x[j], c.y[j]} {
				// Normalise by image height so beta is resolution-free.
				oe := filter.NewOneEuro(f.OneEuroMinCutoffHz, f.OneEuroBeta, f.OneEuroDCutoffHz)
				for i, v := range s {
					if c.isShotStart(i) {
						oe.Reset()
					}
					if math.IsNaN(v) {
						oe.Reset()
						continue
					}
					s[i] = oe.Filter(c.t[i], v/scale) * scale
				}
			}
		}
	}
	return c
}

// Camera cuts: between two consecutive frames with a visible trunk, the
// trunk length changes by more than cutScaleJump (relative) or the mid-hip
// moves more than cutMoveJump trunk lengths. Real motion at video rates
// changes either by a few percent per frame, even in a deep squat.
const (
	cutScaleJump = 0.25
	cutMoveJump  = 0.6
	minShotS     = 1.0
)

// findShots splits the raw (unsmoothed) track at camera cuts: a jump
// between consecutive visible frames that persists (see below).
func findShots(c *conditioned) [][2]int {
	n := c.n()
	tl := make([]float64, n)
	hx, hy := make([]float64, n), make([]float64, n)
	for i := 0; i < n; i++ {
		tl[i], hx[i], hy[i] = nan, nan, nan
		ls, rs := c.at(pose.LeftShoulder, i), c.at(pose.RightShoulder, i)
		lh, rh := c.at(pose.LeftHip, i), c.at(pose.RightHip, i)
		if ls.ok() && rs.ok() && lh.ok() && rh.ok() {
			hip := mid(lh, rh)
			tl[i], hx[i], hy[i] = dist(mid(ls, rs), hip), hip.X, hip.Y
		}
	}
	var cuts []int
	start, prev := 0, -1
	for k := 0; k < n; k++ {
		if math.IsNaN(tl[k]) || !(tl[k] > 0) {
			continue
		}
		if prev >= 0 && k-prev <= 2 {
			// A jump from the previous visible frame...
			big := math.Max(tl[k], tl[prev])
			jump := big/math.Min(tl[k], tl[prev]) > 1+cutScaleJump ||
				math.Hypot(hx[k]-hx[prev], hy[k]-hy[prev]) > cutMoveJump*big
			// ...that persists: every visible frame of the three after it
			// differs from every visible frame of the three before it (a
			// misdetected frame, or fast but continuous motion, does not).
			if jump && k > start {
				var before, after []int
				for i := max(prev-2, 0); i <= prev; i++ {
					if !math.IsNaN(tl[i]) {
						before = append(before, i)
					}
				}
				for i := k; i < min(k+3, n); i++ {
					if !math.IsNaN(tl[i]) {
						after = append(after, i)
					}
				}
				scaleCut, moveCut := len(before) >= 2 && len(after) >= 2, len(before) >= 2 && len(after) >= 2
				for _, i := range before {
					for _, j := range after {
						big := math.Max(tl[i], tl[j])
						if big/math.Min(tl[i], tl[j]) <= 1+cutScaleJump {
							scaleCut = false
						}
						if math.Hypot(hx[j]-hx[i], hy[j]-hy[i]) <= cutMoveJump*big {
							moveCut = false
						}
					}
				}
				if scaleCut || moveCut {
					cuts = append(cuts, k)
					start = k
				}
			}
		}
		prev = k
	}
	// Two cuts less than minShotS apart are a glitch that jumps away and
	// back (occlusion, a limb misread for a while), not two edits.
	var kept []int
	for i := 0; i < len(cuts); i++ {
		if i+1 < len(cuts) && c.t[cuts[i+1]]-c.t[cuts[i]] < minShotS {
			i++
			continue
		}
		kept = append(kept, cuts[i])
	}
	var shots [][2]int
	start = 0
	for _, k := range kept {
		shots = append(shots, [2]int{start, k})
		start = k
	}
	return append(shots, [2]int{start, n})
}

func (c *conditioned) isShotStart(i int) bool {
	for _, sh := range c.shots {
		if sh[0] == i {
			return true
		}
	}
	return false
}

// fixLegSwaps exchanges the left and right hip, knee, ankle and foot of frames
// where they match the previous frame's opposite side much better than the
// same side: the model's sudden left/right confusion. It returns the number
// of frames corrected.
func fixLegSwaps(c *conditioned) int {
	sw := newLegSwapper()
	swaps := 0
	for i := 0; i < c.n(); i++ {
		var l, r [3]Point
		for k, pr := range legPairs {
			l[k], r[k] = c.at(pr[0], i), c.at(pr[1], i)
		}
		if sw.step(&l, &r) {
			for _, pr := range swapPairs {
				c.x[pr[0]][i], c.x[pr[1]][i] = c.x[pr[1]][i], c.x[pr[0]][i]
				c.y[pr[0]][i], c.y[pr[1]][i] = c.y[pr[1]][i], c.y[pr[0]][i]
				c.score[pr[0]][i], c.score[pr[1]][i] = c.score[pr[1]][i], c.score[pr[0]][i]
			}
			swaps++
		}
	}
	return swaps
}

// legSwapper decides, frame by frame, whether the legs (hip, knee, ankle
// of each side, in legPairs order) are swapped against the last frames
// where each joint was seen. It is causal, so the batch conditioning and
// a live stream share it.
type legSwapper struct {
	refL, refR [3]Point
}

func newLegSwapper() legSwapper {
	var s legSwapper
	for k := range s.refL {
		s.refL[k], s.refR[k] = Point{nan, nan}, Point{nan, nan}
	}
	return s
}

// step reports whether this frame's left (l) and right (r) leg joints
// are swapped, exchanges them in place when they are, and remembers the
// result for the next frame.
func (s *legSwapper) step(l, r *[3]Point) bool {
	var keep, swap, sep float64
	m := 0
	for k := range l {
		if !l[k].ok() || !r[k].ok() || !s.refL[k].ok() || !s.refR[k].ok() {
			continue
		}
		keep += dist(l[k], s.refL[k]) + dist(r[k], s.refR[k])
		swap += dist(l[k], s.refR[k]) + dist(r[k], s.refL[k])
		sep += dist(s.refL[k], s.refR[k])
		m++
	}
	// Decide only when the legs are clearly apart (otherwise, as in a
	// side view, either assignment is plausible) and the swapped
	// assignment is much closer.
	swapped := m >= 2 && swap < 0.5*keep && keep-swap > 0.5*sep
	if swapped {
		*l, *r = *r, *l
	}
	for k := range l {
		if l[k].ok() {
			s.refL[k] = l[k]
		}
		if r[k].ok() {
			s.refR[k] = r[k]
		}
	}
	return swapped
}

// percentile returns the p-th percentile (0..100) of the finite values in
// v (NaN when none); v is not modified.
func percentile(v []float64, p float64) float64 {
	s := make([]float64, 0, len(v))
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			s = append(s, x)
		}
	}
	if len(s) == 0 {
		return nan
	}
	sort.Float64s(s)
	pos := p / 100 * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(s)-1)
	return s[lo] + (pos-float64(lo))*(s[hi]-s[lo])
}
