package models

import (
	"context"
	"image"
	"math"
	"path/filepath"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/pose"
)

// TestEstimateHiding puts two dot figures in a frame and hides the left
// one: the dot model (which finds each joint as the centroid of its
// colour, so it sees two figures as one between them) then finds the
// right figure alone, in source pixels, whether the view is the whole
// frame or a square beside the hidden box, and on a sub-image whose
// origin is not (0, 0). The hidden input pixels are exactly neutral grey,
// and the tracking region is the one Track left.
func TestEstimateHiding(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bounds image.Rectangle
		view   image.Rectangle // zero: the whole frame
	}{
		{"landscape, whole frame", image.Rect(0, 0, 1280, 720), image.Rectangle{}},
		{"landscape, square beside", image.Rect(0, 0, 1280, 720), image.Rect(560, 0, 1280, 720)},
		{"portrait, whole frame", image.Rect(0, 0, 720, 1280), image.Rectangle{}},
		{"sub-image with non-zero origin", image.Rect(100, 50, 1380, 770), image.Rect(660, 50, 1380, 770)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.bounds
			w, h := float64(b.Dx()), float64(b.Dy())
			left := standing(float64(b.Min.X)+0.25*w, float64(b.Min.Y)+0.5*h, 0.5*min(w, h))
			right := standing(float64(b.Min.X)+0.75*w, float64(b.Min.Y)+0.5*h, 0.5*min(w, h))
			img := drawDots(b, left, 6)
			two := drawDots(b, right, 6)
			for i, v := range two.Pix {
				img.Pix[i] = max(img.Pix[i], v)
			}
			e := newEstimator("dots", 192, &dotModel{size: 192}, Options{})
			if _, err := e.Track(context.Background(), img); err != nil {
				t.Fatal(err)
			}
			region, _ := e.Region()
			hide := image.Rect(b.Min.X, b.Min.Y, b.Min.X+b.Dx()/2, b.Max.Y)
			view := tc.view
			if view.Empty() {
				view = b
			}
			var p pose.Pose
			if err := e.EstimateHiding(context.Background(), img, view, hide, &p); err != nil {
				t.Fatal(err)
			}
			side := float64(max(view.Dx(), view.Dy()))
			for j, k := range p.Keypoints {
				if c := dotPalette[j]; c[0] == c[1] && c[1] == c[2] {
					continue // the grey joint: the dot model sees it in the grey box
				}
				if d := math.Hypot(k.X-right[j][0], k.Y-right[j][1]); k.Score == 0 || d > 0.5*side/192 {
					t.Errorf("%s at (%.1f, %.1f) score %.1f, the right figure's is at (%.1f, %.1f)",
						p.Skeleton.Joint(j), k.X, k.Y, k.Score, right[j][0], right[j][1])
				}
			}
			// Every input pixel whose source pixels all lie in the hidden
			// box is neutral grey.
			toInput := func(v, origin, length int) float64 {
				return (float64(v-origin) + (side-float64(length))/2) * 192 / side
			}
			x0, x1 := int(math.Ceil(toInput(hide.Min.X, view.Min.X, view.Dx()))), int(toInput(hide.Max.X, view.Min.X, view.Dx()))
			y0, y1 := int(math.Ceil(toInput(hide.Min.Y, view.Min.Y, view.Dy()))), int(toInput(hide.Max.Y, view.Min.Y, view.Dy()))
			if x1-x0 < 10 || y1-y0 < 10 {
				t.Fatalf("hidden input box (%d, %d)-(%d, %d) too small to check", x0, y0, x1, y1)
			}
			for y := max(y0, 0); y < min(y1, 192); y++ {
				for x := max(x0, 0); x < min(x1, 192); x++ {
					for c := range 3 {
						if v := e.in[3*(y*192+x)+c]; v != neutralInput {
							t.Fatalf("input (%d, %d) is %d inside the hidden box, want %d", x, y, v, neutralInput)
						}
					}
				}
			}
			if r, ok := e.Region(); !ok || r != region {
				t.Errorf("tracking region %+v after EstimateHiding, Track left %+v", r, region)
			}
		})
	}
}

// TestEstimateHidingKeepsTracking tracks real frames with Lightning twice,
// the second time with a probe between every two frames: the poses are
// bit for bit the same, so probing for a second person cannot change an
// analysis.
func TestEstimateHidingKeepsTracking(t *testing.T) {
	root := testenv.Shared(t, "realdata/references")
	m, err := Load(testModel(t, Lightning), Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, seq := range []string{"rjsong_front_squat", "sports2d_side_walking"} {
		files, err := filepath.Glob(filepath.Join(root, seq, "frame_*_256.png"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no frames", seq)
		}
		var imgs []image.Image
		for _, f := range files {
			imgs = append(imgs, decodeFile(t, f))
		}
		track := func(probe bool) []pose.Pose {
			e := m.NewEstimator()
			defer e.Close()
			var out []pose.Pose
			var probed pose.Pose
			for _, img := range imgs {
				p, err := e.Track(ctx, img)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, p)
				if probe {
					hide := image.Rect(int(p.Keypoints[0].X)-40, 0, int(p.Keypoints[0].X)+40, 256)
					if err := e.EstimateHiding(ctx, img, img.Bounds(), hide, &probed); err != nil {
						t.Fatal(err)
					}
				}
			}
			return out
		}
		plain, probed := track(false), track(true)
		for i := range plain {
			for j, k := range plain[i].Keypoints {
				if probed[i].Keypoints[j] != k || probed[i].Person != plain[i].Person {
					t.Fatalf("%s frame %d %s: %+v with probes, %+v without", seq, i, plain[i].Skeleton.Joint(j), probed[i].Keypoints[j], k)
				}
			}
		}
	}
}
