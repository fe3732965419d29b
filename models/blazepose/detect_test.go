package blazepose

import (
	"math"
	"testing"
)

// TestAnchors checks the anchor layout MediaPipe's options give: 28x28x2,
// then 14x14x2, then 7x7x6, centres at cell centres.
func TestAnchors(t *testing.T) {
	a := ssdAnchors()
	if len(a) != numAnchors {
		t.Fatalf("%d anchors, want %d", len(a), numAnchors)
	}
	cases := []struct {
		i    int
		x, y float64
	}{
		{0, 0.5 / 28, 0.5 / 28}, {1, 0.5 / 28, 0.5 / 28}, {2, 1.5 / 28, 0.5 / 28}, {56, 0.5 / 28, 1.5 / 28},
		{1567, 27.5 / 28, 27.5 / 28},
		{1568, 0.5 / 14, 0.5 / 14}, {1959, 13.5 / 14, 13.5 / 14},
		{1960, 0.5 / 7, 0.5 / 7}, {1965, 0.5 / 7, 0.5 / 7}, {1966, 1.5 / 7, 0.5 / 7},
		{2253, 6.5 / 7, 6.5 / 7},
	}
	for _, c := range cases {
		if got := a[c.i]; !near(got.x, c.x, 1e-12) || !near(got.y, c.y, 1e-12) {
			t.Errorf("anchor %d = %+v, want (%v, %v)", c.i, got, c.x, c.y)
		}
	}
}

// TestDecodeDetections decodes hand-made raw outputs: values are input
// pixels relative to the anchor centre; scores go through a clipped sigmoid;
// low scores and negative sizes are dropped.
func TestDecodeDetections(t *testing.T) {
	anchors := []anchor{{0.25, 0.5}, {0.5, 0.5}, {0.75, 0.25}, {0.1, 0.1}}
	raw := make([]float32, len(anchors)*anchorValues)
	set := func(i int, v ...float32) { copy(raw[i*anchorValues:], v) }
	// Anchor 0: logit 2, box centre +22.4 px right, -11.2 px up, 44.8 x 89.6,
	// keypoints at offsets 0, 22.4, ... px.
	set(0, 2, 22.4, -11.2, 44.8, 89.6, 0, 0, 22.4, 0, 0, 22.4, -22.4, -22.4)
	set(1, -1, 0, 0, 10, 10)       // score 0.27: dropped
	set(2, 1000, 0, 0, -5, 10)     // negative width: dropped
	set(3, 1000, 0, 0, 22.4, 22.4) // logit clipped to 100: score 1
	got := decodeDetections(nil, raw, anchors)
	if len(got) != 2 {
		t.Fatalf("%d detections, want 2: %+v", len(got), got)
	}
	d := got[0]
	want := detection{score: 1 / (1 + math.Exp(-2)), xmin: 0.35 - 0.1, ymin: 0.45 - 0.2, xmax: 0.35 + 0.1, ymax: 0.45 + 0.2,
		kp: [4][2]float64{{0.25, 0.5}, {0.35, 0.5}, {0.25, 0.6}, {0.15, 0.4}}}
	if !near(d.score, want.score, 1e-12) || !near(d.xmin, want.xmin, 1e-7) || !near(d.ymin, want.ymin, 1e-7) ||
		!near(d.xmax, want.xmax, 1e-7) || !near(d.ymax, want.ymax, 1e-7) {
		t.Errorf("detection %+v, want %+v", d, want)
	}
	for k := range d.kp {
		if !near(d.kp[k][0], want.kp[k][0], 1e-7) || !near(d.kp[k][1], want.kp[k][1], 1e-7) {
			t.Errorf("keypoint %d = %v, want %v", k, d.kp[k], want.kp[k])
		}
	}
	if got[1].score != 1/(1+math.Exp(-100)) {
		t.Errorf("clipped score %v", got[1].score)
	}
}

// TestWeightedNMS merges overlapping boxes into their score-weighted mean
// with the best score, and keeps a separate box apart.
func TestWeightedNMS(t *testing.T) {
	box := func(score, x0, y0, x1, y1, kx float64) detection {
		d := detection{score: score, xmin: x0, ymin: y0, xmax: x1, ymax: y1}
		d.kp[0] = [2]float64{kx, kx}
		return d
	}
	dets := []detection{
		box(0.6, 0.12, 0.1, 0.32, 0.3, 0.3), // overlaps the best (IoU 0.67)
		box(0.9, 0.1, 0.1, 0.3, 0.3, 0.2),   // the best
		box(0.8, 0.6, 0.6, 0.8, 0.8, 0.7),   // far away
		box(0.7, 0.25, 0.25, 0.45, 0.45, 0), // touches the best (IoU 0.03): not merged
	}
	out := weightedNMS(append([]detection(nil), dets...), 3)
	if len(out) != 3 {
		t.Fatalf("%d detections, want 3: %+v", len(out), out)
	}
	m := out[0]
	const tw = 0.9 + 0.6
	if m.score != 0.9 || !near(m.xmin, (0.9*0.1+0.6*0.12)/tw, 1e-12) || !near(m.xmax, (0.9*0.3+0.6*0.32)/tw, 1e-12) ||
		!near(m.kp[0][0], (0.9*0.2+0.6*0.3)/tw, 1e-12) {
		t.Errorf("merged %+v", m)
	}
	if out[1].score != 0.8 || out[2].score != 0.7 || out[2].xmin != 0.25 {
		t.Errorf("then %+v and %+v, want the far box and the touching one unchanged", out[1], out[2])
	}
	if one := weightedNMS(append([]detection(nil), dets...), 1); len(one) != 1 || one[0].score != 0.9 {
		t.Errorf("max 1: %+v", one)
	}
	if none := weightedNMS(nil, 1); len(none) != 0 {
		t.Errorf("no detections gave %+v", none)
	}
}

// TestRefineFromHeatmap: a landmark moves to the weighted centre of the
// heatmap window around it when the window is confident enough.
func TestRefineFromHeatmap(t *testing.T) {
	const side, ch = 64, 3
	hm := make([]float32, side*side*ch)
	put := func(k, row, col int, v float32) { hm[(row*side+col)*ch+k] = v }
	// Landmark 0: a peak at (col 20, row 30) with a heavier neighbour to the
	// right: the mean is at col 20 + 0.5·1/(0.9+0.5) ...
	put(0, 30, 20, 0.9)
	put(0, 30, 21, 0.5)
	// Landmark 1: confident nowhere (max 0.4): unchanged.
	put(1, 10, 10, 0.4)
	// Landmark 2 lies outside the crop: unchanged.
	xy := []float64{20.5 / side, 30.5 / side, 10.5 / side, 10.5 / side, 1.2, 0.5}
	refineFromHeatmap(xy, hm, side, side, ch)
	wantX := (20*0.9 + 21*0.5) / 1.4 / side
	// The heatmap holds float32 values.
	if !near(xy[0], wantX, 1e-7) || !near(xy[1], 30.0/side, 1e-12) {
		t.Errorf("landmark 0 at (%v, %v), want (%v, %v)", xy[0], xy[1], wantX, 30.0/side)
	}
	if xy[2] != 10.5/side || xy[3] != 10.5/side || xy[4] != 1.2 || xy[5] != 0.5 {
		t.Errorf("landmarks 1 and 2 moved: %v", xy[2:])
	}
	// A peak beyond the 7x7 window is not seen.
	hm2 := make([]float32, side*side)
	hm2[(30*side + 30)] = 1
	xy2 := []float64{20.5 / side, 30.5 / side}
	refineFromHeatmap(xy2, hm2, side, side, 1)
	if xy2[0] != 20.5/side {
		t.Errorf("a peak 10 cells away moved the landmark to %v", xy2[0]*side)
	}
}
