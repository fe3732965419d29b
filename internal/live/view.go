package live

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"

	"github.com/kneescreen/kneescreen/overlay"
	"github.com/kneescreen/kneescreen/screening"
)

// view draws a live frame's overlay: the package overlay's skeleton and
// lines (rep counter, live FPPA and knee over foot per side), the legs
// coloured by the last rep's verdict, a badge with that verdict, the
// framing guide across the middle and the cue on the right.
type view struct {
	d   *overlay.Drawer
	o   overlay.Overlay
	ins []screening.Indicator
}

func newView() *view { return &view{d: overlay.NewDrawer()} }

// viewState is what the overlay shows besides the frame's own readings.
type viewState struct {
	reps   int
	last   *lastRep
	cue    Cue
	paused bool // the loop draws the pause banner over the last frame
	// others: a second person has been in view in recent probes.
	others bool
}

// lastRep is the last rep's verdict as shown.
type lastRep struct {
	index  int
	level  screening.Level
	levels [2]screening.Level // per leg, for the legs' colours
	text   string
}

// newLastRep summarises a verdict for the screen.
func (v *view) newLastRep(index int, rv *screening.RepVerdict) *lastRep {
	v.ins = v.ins[:0]
	for _, f := range rv.Findings {
		v.ins = append(v.ins, screening.Indicator{Side: f.Side, Level: f.Level})
	}
	lr := &lastRep{index: index, level: worstLevel(rv.Findings), levels: overlay.SideLevels(v.ins)}
	lr.text = fmt.Sprintf("rep %d: %s", index, strings.ReplaceAll(string(lr.level), "_", " "))
	if w := worstFinding(rv.Findings); w != nil && (w.Level == screening.LevelWatch || w.Level == screening.LevelFlag) {
		lr.text += " · " + label(w.Indicator)
		if w.Side == screening.SideLeft || w.Side == screening.SideRight {
			lr.text += " (" + string(w.Side) + ")"
		}
	}
	return lr
}

// worstFinding is the first finding at the worst level.
func worstFinding(fs []screening.Finding) *screening.Finding {
	worst := worstLevel(fs)
	for i := range fs {
		if fs[i].Level == worst {
			return &fs[i]
		}
	}
	return nil
}

// label turns an indicator id into words ("dynamic_knee_valgus" →
// "dynamic knee valgus", "fppa_asymmetry" → "FPPA asymmetry").
func label(id string) string {
	return strings.ReplaceAll(strings.ReplaceAll(id, "fppa", "FPPA"), "_", " ")
}

// OthersMessage is shown while a second person is in view.
const OthersMessage = "someone else is in view: screen one person alone"

var (
	colGuide = overlay.LevelColour(screening.LevelWatch)
	colCue   = color.RGBA{25, 70, 170, 255}
	colPause = color.RGBA{60, 60, 60, 255}
)

// draw draws the overlay of f on img (in place).
func (v *view) draw(img *image.RGBA, f *screening.StreamFrame, st viewState) {
	o := &v.o
	o.SetKeypoints(f.Skeleton, f.Keypoints, 1, 1, 0)
	o.Level = [2]screening.Level{}
	if st.last != nil {
		o.Level = st.last.levels
	}
	o.Lines = append(o.Lines[:0], fmt.Sprintf("reps %d", st.reps),
		fmt.Sprintf("FPPA  L %s  R %s", degrees(f.FPPA[0]), degrees(f.FPPA[1])),
		fmt.Sprintf("knee in  L %s  R %s", percent(f.KneeOverFoot[0]), percent(f.KneeOverFoot[1])))
	v.d.Draw(img, o)
	if st.last != nil {
		v.d.Banner(img, st.last.text, overlay.LevelColour(st.last.level), overlay.TopRight, 1)
	}
	switch {
	case st.others:
		// Before any framing problem: with two people in view the
		// framing is nobody's either.
		v.d.Banner(img, OthersMessage, colGuide, overlay.Centre, 1.3)
	case len(f.Framing) > 0:
		v.d.Banner(img, f.Framing[0].Message, colGuide, overlay.Centre, 1.3)
	}
	if st.cue != "" {
		v.d.Banner(img, strings.ToUpper(string(st.cue)), colCue, overlay.Right, 1.6)
	}
}

func degrees(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case math.Abs(v) < 0.5:
		return "0°" // not "-0°"
	}
	return fmt.Sprintf("%+.0f°", v)
}

func percent(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case math.Abs(v) < 0.005:
		return "0%"
	}
	return fmt.Sprintf("%+.0f%%", 100*v)
}
