package overlay

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"strconv"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
)

// standingOverlay is a front-view skeleton centred in a w x h frame.
func standingOverlay(w, h int) *Overlay {
	o := &Overlay{Skeleton: pose.COCO17, Points: make([]Point, pose.COCO17.Len()), KneeAngle: [2]float64{math.NaN(), math.NaN()}}
	cx, fh := float64(w)/2, float64(h)
	set := func(j pose.Joint, x, y float64) { *o.at(j) = Point{X: cx + x*fh, Y: y * fh, OK: true} }
	set(pose.Nose, 0, 0.12)
	set(pose.LeftEye, 0.015, 0.11)
	set(pose.RightEye, -0.015, 0.11)
	set(pose.LeftEar, 0.03, 0.115)
	set(pose.RightEar, -0.03, 0.115)
	// The person faces the camera: their left is image right.
	set(pose.LeftShoulder, 0.09, 0.22)
	set(pose.RightShoulder, -0.09, 0.22)
	set(pose.LeftElbow, 0.11, 0.36)
	set(pose.RightElbow, -0.11, 0.36)
	set(pose.LeftWrist, 0.12, 0.48)
	set(pose.RightWrist, -0.12, 0.48)
	set(pose.LeftHip, 0.06, 0.5)
	set(pose.RightHip, -0.06, 0.5)
	set(pose.LeftKnee, 0.07, 0.7)
	set(pose.RightKnee, -0.07, 0.7)
	set(pose.LeftAnkle, 0.07, 0.9)
	set(pose.RightAnkle, -0.07, 0.9)
	return o
}

// at returns the point of joint j for setting.
func (o *Overlay) at(j pose.Joint) *Point {
	i, _ := o.Skeleton.Index(j)
	return &o.Points[i]
}

func fillRGBA(w, h int, c color.RGBA) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return m
}

func nearRGBA(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) bool { v := int(x) - int(y); return v <= tol && v >= -tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

// The traffic-light colours a clinician reads without a legend.
var (
	green = color.RGBA{40, 200, 90, 255}
	amber = color.RGBA{255, 180, 0, 255}
	red   = color.RGBA{235, 50, 40, 255}
)

func TestOverlayColoursLegsByLevel(t *testing.T) {
	bg := color.RGBA{50, 60, 70, 255}
	cases := []struct {
		name        string
		left, right screening.Level
		want        [2]color.RGBA
	}{
		{"flag left, ok right", screening.LevelFlag, screening.LevelOK, [2]color.RGBA{red, green}},
		{"watch left, none right", screening.LevelWatch, "", [2]color.RGBA{amber, colNone}},
		{"none both", "", "", [2]color.RGBA{colNone, colNone}},
		{"not assessable is drawn as none", screening.LevelNotAssessable, screening.LevelFlag, [2]color.RGBA{colNone, red}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const w, h = 640, 480
			img := fillRGBA(w, h, bg)
			o := standingOverlay(w, h)
			o.Level = [2]screening.Level{tc.left, tc.right}
			Draw(img, o)
			// Midpoint of each shin: the side's level colour.
			for s, j := range [2][2]pose.Joint{{pose.LeftKnee, pose.LeftAnkle}, {pose.RightKnee, pose.RightAnkle}} {
				a, b := o.At(j[0]), o.At(j[1])
				got := img.RGBAAt(int((a.X+b.X)/2), int((a.Y+b.Y)/2))
				want := tc.want[s]
				if !nearRGBA(got, want, 2) {
					t.Errorf("side %d shin colour %v, want %v", s, got, want)
				}
			}
			// Far from the body the frame is untouched.
			if got := img.RGBAAt(w-5, h-5); got != bg {
				t.Errorf("corner changed to %v", got)
			}
		})
	}
}

func TestOverlaySkipsMissingJointsAndBadValues(t *testing.T) {
	const w, h = 320, 240
	bg := color.RGBA{10, 10, 10, 255}
	img := fillRGBA(w, h, bg)
	o := standingOverlay(w, h)
	o.at(pose.LeftKnee).OK = false
	*o.at(pose.RightAnkle) = Point{X: math.NaN(), Y: 5, OK: true}
	*o.at(pose.RightWrist) = Point{X: -1e9, Y: 1e9, OK: true} // far outside: clipped, no panic
	o.KneeAngle = [2]float64{170, math.NaN()}
	o.Level = [2]screening.Level{screening.LevelFlag, "bogus"}
	Draw(img, o)
	// The left thigh and shin end at the missing knee: nothing is drawn
	// halfway along the left shin.
	a, b := o.At(pose.LeftKnee), o.At(pose.LeftAnkle)
	if got := img.RGBAAt(int((a.X+b.X)/2), int((a.Y+b.Y)/2)); got != bg {
		t.Errorf("left shin drawn without a knee: %v", got)
	}
}

func TestOverlayTextAndAngles(t *testing.T) {
	const w, h = 1280, 720
	bg := color.RGBA{200, 200, 200, 255}
	img := fillRGBA(w, h, bg)
	o := standingOverlay(w, h)
	o.KneeAngle = [2]float64{165, 172}
	o.Lines = []string{"rep 2/5", "squat, front view"}
	Draw(img, o)
	// The text box darkens the top-left corner.
	if got := img.RGBAAt(h/60+2, h/60+2); got.R > 120 {
		t.Errorf("top-left not darkened by the text box: %v", got)
	}
	// The angle labels sit beside the knees, outside the legs: some pixels
	// right of the person's left knee (image right) changed.
	k := o.At(pose.LeftKnee)
	changed := 0
	for x := int(k.X) + 15; x < int(k.X)+120 && x < w; x++ {
		for y := int(k.Y) - 20; y < int(k.Y)+10; y++ {
			if img.RGBAAt(x, y) != bg {
				changed++
			}
		}
	}
	if changed < 50 {
		t.Errorf("left knee label: %d pixels drawn, want a label", changed)
	}
}

func BenchmarkOverlay720p(b *testing.B) {
	img := fillRGBA(1280, 720, color.RGBA{0, 0, 0, 255})
	o := standingOverlay(1280, 720)
	o.KneeAngle = [2]float64{165, 172}
	o.Lines = []string{"rep 2/5", "squat, front view"}
	d := NewDrawer()
	b.ReportAllocs()
	for b.Loop() {
		d.Draw(img, o)
	}
}

// TestGlyphCacheDrawsTheSame: text drawn through the glyph cache is pixel
// for pixel the text the face draws itself, at whole-pixel and sub-pixel
// dots, negative ones (text running off the frame's left or top) and
// repeated strings (cache hits), at the sizes the overlay uses; and the
// cache keeps each rune and sub-pixel offset once.
func TestGlyphCacheDrawsTheSame(t *testing.T) {
	fontOnce.Do(func() { fontBold, fontErr = opentype.Parse(gobold.TTF) })
	if fontErr != nil {
		t.Fatal(fontErr)
	}
	texts := []string{"L 163°", "R 171°", "rep 2 of 5", "squat, front view", "FPPA L 12.5  R -3.0", "L 163°"}
	dots := []fixed.Point26_6{
		fixed.P(10, 30), fixed.P(11, 31), {X: 10<<6 + 17, Y: 30<<6 + 40}, {X: -(3<<6 + 5), Y: 12<<6 + 63}, fixed.P(-20, -2), {X: 250<<6 + 32, Y: 95 << 6},
	}
	for _, size := range []int{10, 13, 26, 39} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			plain, err := opentype.NewFace(fontBold, &opentype.FaceOptions{Size: float64(size), DPI: 72, Hinting: font.HintingFull})
			if err != nil {
				t.Fatal(err)
			}
			cached := newGlyphCache(plain)
			for range 2 { // the second round draws from the cache only
				for _, dot := range dots {
					for _, s := range texts {
						want := fillRGBA(320, 120, color.RGBA{20, 40, 60, 255})
						got := fillRGBA(320, 120, color.RGBA{20, 40, 60, 255})
						for _, c := range []struct {
							dst  *image.RGBA
							face font.Face
						}{{want, plain}, {got, cached}} {
							dr := font.Drawer{Dst: c.dst, Face: c.face, Src: image.NewUniform(color.RGBA{250, 200, 0, 255}), Dot: dot}
							dr.DrawString(s)
						}
						if !bytes.Equal(got.Pix, want.Pix) {
							t.Fatalf("%q at %v: cached glyphs draw other pixels", s, dot)
						}
					}
				}
			}
			runes := map[rune]bool{}
			for _, s := range texts {
				for _, r := range s {
					runes[r] = true
				}
			}
			if n := len(cached.glyphs); n < len(runes) || n > len(runes)*64*64 {
				t.Errorf("%d glyphs cached for %d runes", n, len(runes))
			}
		})
	}
}
