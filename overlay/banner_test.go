package overlay

import (
	"image"
	"image/color"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
)

// A banner is an opaque box of its colour where its anchor puts it, with
// its text in the colour that reads on it.
func TestBanner(t *testing.T) {
	const w, h = 640, 360
	bg := color.RGBA{10, 10, 10, 255}
	tests := []struct {
		name   string
		at     Anchor
		colour color.RGBA
		// inside is a point the box must cover; fg the text's colour.
		inside image.Point
		fg     color.RGBA
	}{
		{"badge", TopRight, LevelColour(screening.LevelFlag), image.Pt(w-12, 12), color.RGBA{255, 255, 255, 255}},
		{"guide", Centre, LevelColour(screening.LevelWatch), image.Pt(w/2, h/2-8), color.RGBA{0, 0, 0, 255}},
		{"bottom", BottomCentre, color.RGBA{20, 60, 160, 255}, image.Pt(w/2, h-40), color.RGBA{255, 255, 255, 255}},
		{"cue", Right, color.RGBA{20, 60, 160, 255}, image.Pt(w-12, h/2), color.RGBA{255, 255, 255, 255}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := fillRGBA(w, h, bg)
			NewDrawer().Banner(img, "knees out", tt.colour, tt.at, 1.5)
			var box, text, other int
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					switch c := img.RGBAAt(x, y); {
					case c == tt.colour:
						box++
					case c == tt.fg:
						text++
					case c != bg:
						other++ // anti-aliased glyph edges
					}
				}
			}
			if c := img.RGBAAt(tt.inside.X, tt.inside.Y); c == bg {
				t.Errorf("background at %v, want the box", tt.inside)
			}
			if box < 2000 || text < 50 {
				t.Errorf("%d box pixels, %d text pixels", box, text)
			}
		})
	}
	// No text, no banner.
	img := fillRGBA(w, h, bg)
	NewDrawer().Banner(img, "", LevelColour(screening.LevelOK), Centre, 1)
	if img.RGBAAt(w/2, h/2) != bg {
		t.Error("an empty banner was drawn")
	}
}
