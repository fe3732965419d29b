package live

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
)

// TestViewWarnsOfOthers checks the live window's pixels: while a second
// person is in view the centre of the frame carries the warning banner in
// the guide colour, over any framing advice (with two people in view the
// framing is nobody's), and without one the centre is left as it was.
func TestViewWarnsOfOthers(t *testing.T) {
	nan := math.NaN()
	f := &screening.StreamFrame{Skeleton: pose.COCO17, Keypoints: make([]pose.Keypoint, pose.COCO17.Len()),
		FPPA: [2]float64{nan, nan}, KneeOverFoot: [2]float64{nan, nan}}
	for i := range f.Keypoints {
		f.Keypoints[i] = pose.Keypoint{X: nan, Y: nan}
	}
	feet := []screening.Framing{{Code: screening.FramingFeetHidden, Message: "step back, feet not visible"}}
	render := func(others bool, framing []screening.Framing) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, 640, 480))
		for p := 0; p < len(img.Pix); p += 4 {
			img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = 90, 100, 110, 255
		}
		g := *f
		g.Framing = framing
		newView().draw(img, &g, viewState{others: others})
		return img
	}
	// guideRow is the extent of the frame's middle row in the guide
	// colour, the banner's background (its padding at either end).
	guideRow := func(img *image.RGBA) int {
		lo, hi := -1, -1
		for x := 0; x < 640; x++ {
			if img.RGBAAt(x, 240) == colGuide {
				if lo < 0 {
					lo = x
				}
				hi = x
			}
		}
		if lo < 0 {
			return 0
		}
		return hi - lo + 1
	}
	plain, warned := render(false, nil), render(true, nil)
	if n := guideRow(plain); n != 0 {
		t.Errorf("no second person: the centre's guide colour spans %d px, want none", n)
	}
	// The banner spans the whole message, inside the frame: about half
	// of its width or more on a 640 px frame, whatever the font.
	if n := guideRow(warned); n < 300 || n >= 640 {
		t.Errorf("a second person: the centre's guide colour spans %d px, want the warning banner (300 to 639)", n)
	}
	over, framed := render(true, feet), render(false, feet)
	if !equalPix(over, warned) {
		t.Error("with a second person in view the framing advice is drawn too")
	}
	if equalPix(framed, warned) || guideRow(framed) == 0 {
		t.Error("the framing advice alone draws the same as the warning, or nothing")
	}
	if colGuide == (color.RGBA{}) {
		t.Fatal("no guide colour")
	}
}

func equalPix(a, b *image.RGBA) bool {
	if len(a.Pix) != len(b.Pix) {
		return false
	}
	for i := range a.Pix {
		if a.Pix[i] != b.Pix[i] {
			return false
		}
	}
	return true
}
