package blazepose

import (
	"math"
	"sort"
)

// The detector's configuration in MediaPipe's pose_detection graph
// (SsdAnchorsCalculator, TensorsToDetectionsCalculator and
// NonMaxSuppressionCalculator options).
const (
	detectorInput = 224
	numAnchors    = 2254
	// Per anchor the detector emits the score logit, then the box (centre
	// x, y, width, height) and four keypoints (x, y), in input pixels
	// relative to the anchor: the TF.js graph concatenates MediaPipe's
	// classificator and regressor outputs in that order.
	anchorValues  = 13
	numKeypoints  = 4
	minScore      = 0.5 // after the sigmoid
	scoreClip     = 100 // logits are clipped to ±100 first
	nmsMinOverlap = 0.3 // intersection over union
)

// anchor is an SSD anchor centre, normalised to the detector input. All the
// pose detector's anchors have width and height 1 (fixed_anchor_size).
type anchor struct{ x, y float64 }

// ssdAnchors generates the pose detector's anchors as MediaPipe's
// SsdAnchorsCalculator does with its options (5 layers of strides 8, 16,
// 32, 32, 32 on a 224 input, one aspect ratio plus an interpolated scale):
// layers with the same stride share a grid, each adding two anchors per
// cell, so the grids are 28x28x2, 14x14x2 and 7x7x6 = 2254 anchors.
func ssdAnchors() []anchor {
	strides := []int{8, 16, 32, 32, 32}
	const anchorsPerLayer = 2 // aspect ratio 1, interpolated scale
	var out []anchor
	for l := 0; l < len(strides); {
		last := l
		for last < len(strides) && strides[last] == strides[l] {
			last++
		}
		per := anchorsPerLayer * (last - l)
		side := (detectorInput + strides[l] - 1) / strides[l]
		for y := 0; y < side; y++ {
			for x := 0; x < side; x++ {
				for k := 0; k < per; k++ {
					out = append(out, anchor{x: (float64(x) + 0.5) / float64(side), y: (float64(y) + 0.5) / float64(side)})
				}
			}
		}
		l = last
	}
	return out
}

// detection is a decoded detector box with its keypoints, normalised to the
// detector input.
type detection struct {
	score                  float64
	xmin, ymin, xmax, ymax float64
	kp                     [numKeypoints][2]float64
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// decodeDetections appends to dst the anchors whose score reaches minScore,
// decoded as MediaPipe's TensorsToDetectionsCalculator does (box sizes are
// linear, not exponential; boxes of negative size are dropped).
func decodeDetections(dst []detection, raw []float32, anchors []anchor) []detection {
	const s = detectorInput
	for i, a := range anchors {
		v := raw[i*anchorValues : (i+1)*anchorValues]
		logit := min(max(float64(v[0]), -scoreClip), scoreClip)
		score := sigmoid(logit)
		if !(score >= minScore) {
			continue
		}
		xc := float64(v[1])/s + a.x
		yc := float64(v[2])/s + a.y
		w := float64(v[3]) / s
		h := float64(v[4]) / s
		if w < 0 || h < 0 {
			continue
		}
		d := detection{score: score, xmin: xc - w/2, ymin: yc - h/2, xmax: xc + w/2, ymax: yc + h/2}
		for k := range d.kp {
			d.kp[k] = [2]float64{float64(v[5+2*k])/s + a.x, float64(v[6+2*k])/s + a.y}
		}
		dst = append(dst, d)
	}
	return dst
}

// iou is the intersection over union of two boxes (0 when either is empty).
func iou(a, b *detection) float64 {
	ix := min(a.xmax, b.xmax) - max(a.xmin, b.xmin)
	iy := min(a.ymax, b.ymax) - max(a.ymin, b.ymin)
	if ix <= 0 || iy <= 0 {
		return 0
	}
	inter := ix * iy
	union := (a.xmax-a.xmin)*(a.ymax-a.ymin) + (b.xmax-b.xmin)*(b.ymax-b.ymin) - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}

// weightedNMS is MediaPipe's WEIGHTED non-maximum suppression: repeatedly
// take the best remaining detection; every remaining one that overlaps it
// by more than nmsMinOverlap (itself included) is removed, and the kept
// detection's box and keypoints become those candidates' score-weighted
// mean (its score stays the best one's). At most max detections are kept,
// best first. dets is reordered.
func weightedNMS(dets []detection, maxKeep int) []detection {
	sort.SliceStable(dets, func(i, j int) bool { return dets[i].score > dets[j].score })
	var out []detection
	remain := dets
	for len(remain) > 0 && len(out) < maxKeep {
		best := remain[0]
		var merged detection
		var total float64
		rest := remain[:0:0]
		for i := range remain {
			c := &remain[i]
			if iou(c, &best) <= nmsMinOverlap {
				rest = append(rest, *c)
				continue
			}
			total += c.score
			merged.xmin += c.score * c.xmin
			merged.ymin += c.score * c.ymin
			merged.xmax += c.score * c.xmax
			merged.ymax += c.score * c.ymax
			for k := range merged.kp {
				merged.kp[k][0] += c.score * c.kp[k][0]
				merged.kp[k][1] += c.score * c.kp[k][1]
			}
		}
		if total > 0 {
			merged.xmin /= total
			merged.ymin /= total
			merged.xmax /= total
			merged.ymax /= total
			for k := range merged.kp {
				merged.kp[k][0] /= total
				merged.kp[k][1] /= total
			}
			merged.score = best.score
			best = merged
		}
		out = append(out, best)
		remain = rest
	}
	return out
}
