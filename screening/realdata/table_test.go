package realdata_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/screening"
)

// TestSharedClipTable prints, for every shared clip, the movement, the
// view and yaw, the rep count, the verdict per leg and the clip's label:
// the closing note's table. Run it with
//
//	go test ./screening/realdata -run TestSharedClipTable -v
//
// KNEESCREEN_TABLE_REPS=1 adds each rep's view, yaw and findings beyond
// ok. It asserts nothing the other tests do not; it is the readable view
// of the same analyses (tracks are cached, see realTrack).
func TestSharedClipTable(t *testing.T) {
	dir := testenv.Shared(t, "realdata/videos")
	labels := loadLabels(t)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintln(&b, "| clip | movement | view (yaw) | reps | left | right | label |")
	fmt.Fprintln(&b, "|---|---|---|---|---|---|---|")
	for _, e := range ents {
		r := analyze(t, realTrack(t, filepath.Join(dir, e.Name())), nil)
		verdict := sideVerdicts(r)
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s | %s |\n", e.Name(), r.Movement, viewText(r), len(r.Reps),
			verdict[0], verdict[1], strings.ReplaceAll(labels[e.Name()].text, "|", "/"))
		if os.Getenv("KNEESCREEN_TABLE_REPS") != "" {
			for _, rep := range r.Reps {
				fmt.Fprintf(&b, "|   rep %d %.1fs | %s | %s %.0f° | | %s | %s | %s |\n", rep.Index, rep.BottomS, rep.Movement, rep.View, float64(rep.YawDeg),
					repFindings(rep, screening.SideLeft), repFindings(rep, screening.SideRight), repLabel(labels[e.Name()], rep))
			}
		}
	}
	t.Log("\n" + b.String())
}

// viewText is the clip's view and median yaw, with each other view its
// reps were filmed in.
func viewText(r *screening.Report) string {
	s := fmt.Sprintf("%s %.0f°", r.View, float64(r.YawDeg))
	n := map[screening.View]int{}
	for _, rep := range r.Reps {
		n[rep.View]++
	}
	if len(n) > 1 {
		var parts []string
		for _, v := range []screening.View{screening.ViewFront, screening.ViewOblique, screening.ViewSide} {
			if n[v] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n[v], v))
			}
		}
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

// sideVerdicts is each leg's worst clip-level indicator level with the
// indicators at that level; whole-body indicators count for both legs.
func sideVerdicts(r *screening.Report) [2]string {
	rank := map[screening.Level]int{screening.LevelOK: 1, screening.LevelWatch: 2, screening.LevelFlag: 3}
	var worst [2]screening.Level
	var ids [2][]string
	for _, in := range r.Indicators {
		k, ok := rank[in.Level]
		if !ok {
			continue
		}
		for s, side := range []screening.Side{screening.SideLeft, screening.SideRight} {
			if in.Side != side && in.Side != screening.SideBoth {
				continue
			}
			switch {
			case k > rank[worst[s]]:
				worst[s], ids[s] = in.Level, []string{in.ID}
			case k == rank[worst[s]] && k > 1:
				ids[s] = append(ids[s], in.ID)
			}
		}
	}
	var out [2]string
	for s := range out {
		switch {
		case worst[s] == "":
			out[s] = "not assessable"
		case worst[s] == screening.LevelOK:
			out[s] = "ok"
		default:
			sort.Strings(ids[s])
			out[s] = string(worst[s]) + ": " + strings.Join(ids[s], ", ")
		}
	}
	return out
}

// repFindings lists a rep's findings beyond ok on side (and whole-body
// ones), "ok" when none, "–" when nothing was assessable.
func repFindings(rep screening.Rep, side screening.Side) string {
	var parts []string
	assessed := false
	for _, f := range rep.Findings {
		if f.Side != side && f.Side != screening.SideBoth {
			continue
		}
		if f.Level != screening.LevelNotAssessable {
			assessed = true
		}
		if f.Level == screening.LevelWatch || f.Level == screening.LevelFlag {
			parts = append(parts, fmt.Sprintf("%s %s %.3g", f.Level, f.Indicator, float64(f.Value)))
		}
	}
	switch {
	case len(parts) > 0:
		return strings.Join(parts, "; ")
	case assessed:
		return "ok"
	}
	return "–"
}

// repLabel is the label of the rep, where the labels are per rep.
func repLabel(l clipLabel, rep screening.Rep) string {
	if len(l.segments) > 0 {
		return "code at bottom: " + codeAt(l.segments, rep.BottomS)
	}
	return ""
}
