package sample

import (
	"context"
	"math"
	"sort"
	"testing"

	"github.com/kneescreen/kneescreen/models"
	"github.com/kneescreen/kneescreen/pose"
)

// TestModelFindsFigure is why the sample can stand in for footage: the
// default model finds the rendered figure in every frame, scores its
// keypoints well and puts the leg joints near where they were drawn.
func TestModelFindsFigure(t *testing.T) {
	c, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	src, err := models.LoadModel(models.Lightning, "")
	if err != nil {
		t.Fatal(err)
	}
	e, err := models.New(src, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	legs := []pose.Joint{pose.LeftHip, pose.RightHip, pose.LeftKnee, pose.RightKnee, pose.LeftAnkle, pose.RightAnkle}
	var scores, errs []float64
	for i := 0; i < c.Len(); i += 3 {
		p, err := e.Track(context.Background(), c.Frame(i, nil))
		if err != nil {
			t.Fatal(err)
		}
		if !p.Person {
			t.Fatalf("frame %d: no person found", i)
		}
		scores = append(scores, p.MeanScore())
		truth := &c.Truth.Clean.Poses[i]
		for _, j := range legs {
			k, w := p.At(j), truth.At(j)
			errs = append(errs, math.Hypot(k.X-w.X, k.Y-w.Y)/float64(c.Height))
		}
	}
	sort.Float64s(scores)
	sort.Float64s(errs)
	med := func(v []float64) float64 { return v[len(v)/2] }
	p90 := func(v []float64) float64 { return v[len(v)*9/10] }
	t.Logf("mean keypoint score: median %.2f, worst %.2f; leg joint error (share of image height): median %.3f, p90 %.3f",
		med(scores), scores[0], med(errs), p90(errs))
	if med(scores) < 0.55 || scores[0] < 0.4 {
		t.Errorf("keypoint scores too low: median %.2f, worst %.2f", med(scores), scores[0])
	}
	if med(errs) > 0.03 || p90(errs) > 0.06 {
		t.Errorf("leg joints too far from the drawn ones: median %.3f, p90 %.3f of image height", med(errs), p90(errs))
	}
}

func TestMirrorFlipsFigure(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Width, cfg.Height = 320, 180
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := c.Frame(40, nil)
	c.Mirror = true
	b := c.Frame(40, nil)
	// The figure is drawn from mirrored joints, so its silhouette (not
	// the shading) mirrors: compare where the background is.
	same, total := 0, 0
	for y := 0; y < cfg.Height*3/4; y++ {
		// The wall's colour changes with height only.
		bgA, bgB := a.RGBAAt(0, y), b.RGBAAt(0, y)
		for x := 0; x < cfg.Width; x++ {
			fa := a.RGBAAt(x, y) != bgA
			fb := b.RGBAAt(cfg.Width-1-x, y) != bgB
			if fa || fb {
				total++
				if fa == fb {
					same++
				}
			}
		}
	}
	if total < 500 || float64(same)/float64(total) < 0.9 {
		t.Fatalf("mirrored figure overlaps the original's mirror image on %d of %d pixels", same, total)
	}
}
