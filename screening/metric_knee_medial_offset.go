package screening

import (
	"math"
)

// MetricKneeMedialOffset is the knee's distance medial of its foot's line
// in shank lengths.
const MetricKneeMedialOffset = "knee_medial_offset"

// IndKneeInsideFoot grades the knee tracking inside the foot.
const IndKneeInsideFoot = "knee_inside_foot"

// Knee over foot. A coach who says "the knees cave in" judges the knee
// against the foot, not against the hip-ankle line: in a wide, toed-out
// squat FPPA stays negative whether the knees track over the toes or
// inside them. Seen from above, a knee that tracks over its foot travels
// from its standing position in the direction the foot points; the
// metric is the knee's horizontal distance medial of that line, over the
// shank's standing length.
//
// In a front view the image shows the knee's sideways travel u relative
// to the ankle; its forward travel v (towards the camera) is the shank's
// depth extent sqrt(L² − l²) from its image length l and standing length
// L (the knee's sideways travel is read from the yaw-corrected frontal
// keypoints, with the perspective's spread about the body's centre line
// removed: frontal.go). The foot's line lies v·tan(toe-out) to the side at that
// forward distance, so the knee sits (v·tan(toe-out) − u)/L inside it.
// The toe-out comes from the foot's keypoints where the model has them
// (heel to toe), else it is thresholds.knee_over_foot.default_toe_out_deg.
// A rep's value is the most medial reading over its loaded frames: knees
// cave in mid-descent or on the way up, where FPPA is also read, more than
// at the bottom.

// kneeLoadedShank is the least forward inclination of the shank (sine)
// for a frame to read the knee against the foot: near upright the foot's
// direction hardly matters and the depth extent is noise. The forward
// travel v = sqrt(L² − l²) magnifies an error δ in the shank's image
// length l by l/v: with δ = 3% of L (2D keypoints are off by 1-2 cm on a
// 40 cm shank, and a bending knee moves its keypoint), v is off by 0.11 L
// at 15° of inclination and 0.065 L at 25°, and the foot's line with it
// by v's error × tan(toe-out): 0.064 L at 15° and 0.037 L at 25° for a
// foot turned out 30°, against a watch limit of 0.08 L. From 25° on the
// line's error stays under half the watch limit.
const kneeLoadedShank = 0.42 // sin 25°

func init() {
	register(metric{
		MetricSpec: MetricSpec{
			Name: MetricKneeMedialOffset, Unit: "ratio", PerSide: true, Views: frontOnly, Movements: allMoves,
			Label:       "knee inside foot line",
			Description: "horizontal distance of the knee medial of its foot's line (from the knee's standing position in the direction the foot points) ÷ standing shank length; positive = knee inside the foot",
			RepValue:    "most medial value over the rep's loaded frames (local quadratic fits over ±0.3 s); the free leg of a single-leg task is not read. Details per side in the rep's knee_over_foot block: the toe-out used and the change from the person's best rep",
			Validity:    "knee and ankle visible, both hips visible (they give the medial direction), the standing shank length at the person's place known, and the shank inclined at least 25° forward (loaded; nearer upright the forward travel read from the shank's shortening is too uncertain)",
			Plausible:   Range{Min: -1, Max: 1, Source: "geometric bound: a knee cannot sit more than a shank length to either side of its foot"},
		},
		order:    25,
		frame:    kneeMedialOffsetFrame,
		valid:    kneeLoaded,
		finish:   baselineKneeOffset,
		rep:      kneeOverFootRep,
		evidence: kneeOverFootFrame,
		grades: []grading{{
			id: IndKneeInsideFoot, title: "Knee inside the foot", order: 25,
			category: CategoryInnerVsOuterThigh, sides: gradeEachLeg, movements: allMoves, higherWorse: true,
			cut:       cutoffs{"thresholds.knee_over_foot.watch_ratio", "thresholds.knee_over_foot.flag_ratio"},
			citeWatch: true,
			repRead:   kneeInsideFootValue,
			focus:     "Knee tracks inside the foot: consider hip abductor and external rotator strength (gluteus medius/maximus), adductor control, and cueing the knee over the second toe.",
		}},
	})
}

// kneeTravel returns the knee's sideways travel relative to the ankle
// (lateral positive) and its forward travel, in pixels, for side s in
// frame i; ok is false when a joint or the shank length is missing.
func kneeTravel(fc *frameContext, s, i int) (u, v, L float64, ok bool) {
	sj := sides[s]
	k, a := fc.frontal(sj.knee, i), fc.frontal(sj.ankle, i)
	m := medialX(fc.c, s, i)
	L = fc.b.shotShank[fc.b.shot[i]][s]
	if !k.ok() || !a.ok() || math.IsNaN(m) || !(L > 0) {
		return nan, nan, nan, false
	}
	v = depthExtent(L, dist(k, a))
	u = -(fc.c.spreadless(k.X, ankleCentre(fc.c, i), v) - a.X) * m
	return u, v, L, true
}

// kneeMedialOffsetFrame is the knee's distance inside the line through
// the ankle in the foot's direction; baselineKneeOffset moves the line
// to the knee's standing position.
func kneeMedialOffsetFrame(fc *frameContext, s, i int) float64 {
	u, v, L, ok := kneeTravel(fc, s, i)
	if !ok {
		return nan
	}
	return (v*math.Tan(fc.toeOut[s][i]/rad2deg) - u) / L
}

// kneeLoaded: the shank leans forward enough for the foot's direction to
// matter.
func kneeLoaded(fc *frameContext, s, i int) bool {
	_, v, L, ok := kneeTravel(fc, s, i)
	return ok && v >= kneeLoadedShank*L
}

// baselineKneeOffset subtracts the knee's standing offset (the median
// over standing frames of each station), so the foot's line runs through
// the knee's standing position: a wide stance puts the knee inside the
// ankle's vertical from the start, and that is not the knee caving in.
func baselineKneeOffset(fc *frameContext, m *MetricSeries) {
	for _, sh := range fc.b.stations {
		var st []float64
		for i := sh[0]; i < sh[1]; i++ {
			if fc.b.standing[i] {
				st = append(st, m.Values[i])
			}
		}
		base := percentile(st, 50)
		if math.IsNaN(base) {
			base = 0
		}
		for i := sh[0]; i < sh[1]; i++ {
			m.Values[i] -= base
		}
	}
}

// kneeOverFootRep reads each side's most medial value over the rep's
// loaded frames, and the direction the knee travelled in, into the rep's
// details; the free leg is not read.
func kneeOverFootRep(rc *repContext) MetricValue {
	var sd [2]KneeOverFootSide
	for s := range 2 {
		sd[s] = KneeOverFootSide{PeakRatio: Number(nan), PeakS: Number(nan), PeakFrame: -1, ChangeFromBest: Number(nan),
			TrackingDeg: Number(nan), ForwardRatio: Number(nan), ToeOutDeg: round(rc.toeOut[s], 1), ToeOutSource: rc.toeOutFrom[s]}
		if rc.stance >= 0 && s != rc.stance {
			sd[s].Reason = "free (unloaded) leg: not read"
			continue
		}
		m := rc.s.Metric(MetricKneeMedialOffset, sideNames[s])
		fw := rc.s.Metric(MetricShankForward, sideNames[s])
		tan := math.Tan(rc.toeOut[s] / rad2deg)
		peak, at := math.Inf(-1), -1
		var vs, us []float64
		for i := rc.sp.start; i <= rc.sp.end; i++ {
			if !m.Valid[i] {
				continue
			}
			v := localQuadratic(rc.s.Time, m.Values, m.Valid, i, 0.3, 5)
			if math.IsNaN(v) {
				v = m.Values[i]
			}
			if v > peak {
				peak, at = v, i
			}
			if f := fw.Values[i]; !math.IsNaN(f) {
				vs, us = append(vs, f), append(us, f*tan-m.Values[i])
			}
		}
		if at < 0 {
			sd[s].Reason = "no loaded frame with the knee and ankle visible"
			continue
		}
		sd[s].PeakRatio, sd[s].PeakS, sd[s].PeakFrame = Number(round(peak, 4)), Number(rc.s.Time[at]), rc.s.Frame[at]
		if tr, ok := fitTrack(vs, us); ok {
			sd[s].track = tr
			sd[s].TrackingDeg = Number(round(math.Atan(tr.at(tr.vMax)/tr.vMax)*rad2deg, 1))
			sd[s].ForwardRatio = Number(round(tr.vMax, 4))
		}
	}
	rc.rep.KneeOverFoot = &KneeOverFootRep{Left: sd[0], Right: sd[1]}
	return Sided(float64(sd[0].PeakRatio), float64(sd[1].PeakRatio))
}

// kneeOverFootFrame shows a rep's value by the frame of its peak (-1
// when the rep has no details).
func kneeOverFootFrame(rep Rep, side Side) int {
	if rep.KneeOverFoot == nil {
		return -1
	}
	if side == SideRight {
		return rep.KneeOverFoot.Right.PeakFrame
	}
	return rep.KneeOverFoot.Left.PeakFrame
}

// kneeTrack is the knee's sideways travel u (shank lengths, outward
// positive) as a function of its forward travel v over a rep's loaded
// frames: u = a·v + b·v², fitted by least squares (u is 0 standing), over
// v in [vMin, vMax]. A knee that lags inside mid-range and catches up at
// the bottom bends the curve, which a single direction would average
// away.
type kneeTrack struct {
	a, b, vMin, vMax float64
}

func (k *kneeTrack) at(v float64) float64 { return k.a*v + k.b*v*v }

// fitTrack fits the knee's track; ok is false with fewer than 5 frames
// or less than 0.1 shank lengths of forward travel.
func fitTrack(vs, us []float64) (*kneeTrack, bool) {
	if len(vs) < 5 {
		return nil, false
	}
	var s2, s3, s4, su1, su2 float64
	for i, v := range vs {
		s2, s3, s4 = s2+v*v, s3+v*v*v, s4+v*v*v*v
		su1, su2 = su1+us[i]*v, su2+us[i]*v*v
	}
	det := s2*s4 - s3*s3
	lo, hi := percentile(vs, 5), percentile(vs, 95)
	if !(det > 1e-12) || !(hi-lo >= 0.1) {
		return nil, false
	}
	return &kneeTrack{a: (su1*s4 - su2*s3) / det, b: (s2*su2 - s3*su1) / det, vMin: lo, vMax: hi}, true
}

// meanTangent is the track's mean sideways-per-forward travel over its
// range: how far out it tracks.
func (k *kneeTrack) meanTangent() float64 {
	var sum float64
	n := 0
	for v := k.vMin; v <= k.vMax+1e-9; v += 0.02 {
		sum += k.at(v) / v
		n++
	}
	return sum / float64(n)
}

// compareWithBestRep sets each rep's change from the person's best rep
// on each side: the rep whose knee tracked furthest out over its range.
// The change is the largest amount this rep's knee sat further inside
// than the best rep's at the same forward travel, over the range both
// reached: a shallower rep is compared only where it went, so depth does
// not decide. A live screen calls it with the reps so far; the offline
// report with all of them.
func compareWithBestRep(reps []Rep) {
	for s := range 2 {
		var best *kneeTrack
		for _, r := range reps {
			if r.KneeOverFoot == nil {
				continue
			}
			if tr := r.KneeOverFoot.side(s).track; tr != nil && (best == nil || tr.meanTangent() > best.meanTangent()) {
				best = tr
			}
		}
		if best == nil {
			continue
		}
		for k := range reps {
			ko := reps[k].KneeOverFoot
			if ko == nil {
				continue
			}
			d := ko.sideRef(s)
			tr := d.track
			if tr == nil {
				continue
			}
			lo, hi := math.Max(tr.vMin, best.vMin), math.Min(tr.vMax, best.vMax)
			if hi < lo {
				continue
			}
			change := 0.0
			for v := lo; v <= hi+1e-9; v += 0.02 {
				change = math.Max(change, best.at(v)-tr.at(v))
			}
			d.ChangeFromBest = Number(round(change, 4))
		}
	}
}

// kneeInsideFootValue is what knee_inside_foot grades in a rep: how far
// inside its foot's line the knee went, or how much further in than in
// the person's best rep, whichever is larger. Without foot keypoints the
// foot's line is a guess (thresholds.knee_over_foot.default_toe_out_deg):
// a foot turned out further puts a knee that tracks straight ahead
// inside it unseen. The best rep is the person's own reference for the
// same stance, feet and camera, so a rep whose knee caves relative to it
// shows, whatever the feet do.
func kneeInsideFootValue(rep Rep, side Side, v float64) float64 {
	if rep.KneeOverFoot == nil {
		return v
	}
	d := rep.KneeOverFoot.Left
	if side == SideRight {
		d = rep.KneeOverFoot.Right
	}
	if c := float64(d.ChangeFromBest); c > v {
		return c
	}
	return v
}
