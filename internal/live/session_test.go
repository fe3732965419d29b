package live

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/screening/synth"
)

// A session runs here on a synthetic body: the source plays the frames
// of a synth track (blank images, the track's times), the estimator hands
// back the track's pose of each frame, and a display, when there is one,
// records what it was shown and plays keys from a script.

type fakeSource struct {
	tr      *pose.Track
	i       int
	img     *image.RGBA
	stopAt  int   // frames before err (0: all)
	err     error // returned after stopAt frames
	dropped int
}

func newFakeSource(tr *pose.Track) *fakeSource {
	// The image is the track's size: the stream reads the person's place
	// in it (knee_medial_offset's perspective correction, the person's
	// height in the frame).
	return &fakeSource{tr: tr, img: image.NewRGBA(image.Rect(0, 0, tr.Width, tr.Height))}
}

func (s *fakeSource) Next(ctx context.Context) (Frame, error) {
	if s.stopAt > 0 && s.i >= s.stopAt {
		return Frame{}, s.err
	}
	if s.i >= len(s.tr.Poses) {
		return Frame{}, io.EOF
	}
	p := s.tr.Poses[s.i]
	s.i++
	return Frame{Index: p.Frame, Time: p.Time, Captured: time.Now(), Image: s.img}, nil
}

func (s *fakeSource) Stats() (int, int) { return s.i, s.dropped }

// fakeEstimator returns the track's pose of the frame last served.
type fakeEstimator struct{ src *fakeSource }

func (e fakeEstimator) Track(context.Context, *image.RGBA) (pose.Pose, error) {
	return e.src.tr.Poses[e.src.i-1].Clone(), nil
}

// fakeDisplay presses keys[n] at the n-th frame shown.
type fakeDisplay struct {
	keys  map[int]int
	shown int
	// paused counts frames shown again while paused.
	closeAt int
}

func (d *fakeDisplay) Show(*image.RGBA) (int, error) {
	d.shown++
	if d.closeAt > 0 && d.shown >= d.closeAt {
		return KeyNone, ErrClosed
	}
	if k, ok := d.keys[d.shown]; ok {
		return k, nil
	}
	return KeyNone, nil
}

// runSession runs a session over tr and returns its summary and events.
func runSession(t *testing.T, tr *pose.Track, mod func(*Session)) (*Summary, []map[string]any, error) {
	t.Helper()
	src := newFakeSource(tr)
	var buf bytes.Buffer
	s := &Session{Source: src, Estimator: fakeEstimator{src}, Events: NewEvents(&buf),
		Config: Config{Screening: screening.DefaultOptions(), FPS: tr.FPS, Cues: DefaultCueConfig(), StatsEvery: 50 * time.Millisecond}}
	if mod != nil {
		mod(s)
	}
	sum, err := s.Run(context.Background())
	var events []map[string]any
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var m map[string]any
		if jerr := json.Unmarshal(sc.Bytes(), &m); jerr != nil {
			t.Fatalf("event %q: %v", sc.Text(), jerr)
		}
		events = append(events, m)
	}
	return sum, events, err
}

func ofType(events []map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, e := range events {
		if e["type"] == typ {
			out = append(out, e)
		}
	}
	return out
}

// Every rep becomes a rep event, within 0.5 s of its end, with its
// metrics and findings; a knee caving in is cued; stats come every
// interval and at the end.
func TestSessionEvents(t *testing.T) {
	tr, _, err := synth.Generate(synth.Config{Reps: 4, NoisePx: 1.5, ValgusDeg: [2]float64{16, 0}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sum, events, err := runSession(t, tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Stop != StopEnd || sum.Reps != 4 {
		t.Errorf("stopped %q after %d reps, want the end after 4", sum.Stop, sum.Reps)
	}
	reps := ofType(events, "rep")
	if len(reps) != 4 {
		t.Fatalf("%d rep events, want 4", len(reps))
	}
	for i, r := range reps {
		if r["index"].(float64) != float64(i+1) || r["latency_s"].(float64) > 0.5 || r["latency_s"].(float64) < 0 {
			t.Errorf("rep event %d: index %v, %.2f s after the rep's end", i, r["index"], r["latency_s"])
		}
		fppa := r["metrics"].(map[string]any)[screening.MetricFPPA].(map[string]any)
		if !(fppa["left"].(float64) > fppa["right"].(float64)+8) {
			t.Errorf("rep %d: FPPA %v; the left knee caves 16°, the right not at all", i+1, fppa)
		}
		var leftValgus string
		for _, f := range r["findings"].([]any) {
			f := f.(map[string]any)
			if f["indicator"] == "dynamic_knee_valgus" && f["side"] == "left" {
				leftValgus = f["level"].(string)
			}
		}
		if leftValgus != "watch" && leftValgus != "flag" {
			t.Errorf("rep %d: left knee valgus %q, want watch or flag", i+1, leftValgus)
		}
	}
	cues := ofType(events, "cue")
	if len(cues) == 0 || cues[0]["cue"] != string(CueKneesOut) {
		t.Fatalf("cues %v, want knees out first", cues)
	}
	// One at a time: never two within the cooldown (stream time).
	for i := 1; i < len(cues); i++ {
		if d := cues[i]["time_s"].(float64) - cues[i-1]["time_s"].(float64); d < DefaultCueConfig().Cooldown.Seconds() {
			t.Errorf("cues %v and %v %.1f s apart", cues[i-1]["cue"], cues[i]["cue"], d)
		}
	}
	stats := ofType(events, "stats")
	if len(stats) < 2 {
		t.Fatalf("%d stats events", len(stats))
	}
	final := stats[len(stats)-1]
	if final["final"] != true || final["processed"].(float64) != float64(len(tr.Poses)) || final["dropped"].(float64) != 0 {
		t.Errorf("final stats %v, want all %d frames processed", final, len(tr.Poses))
	}
	for _, k := range []string{"fps", "latency_ms_p50", "latency_ms_p95", "dropped", "processed"} {
		if _, ok := final[k]; !ok {
			t.Errorf("stats without %s: %v", k, final)
		}
	}
	if p50, p95 := final["latency_ms_p50"].(float64), final["latency_ms_p95"].(float64); !(p50 > 0 && p50 <= p95 && p95 < 1000) {
		t.Errorf("latency p50 %.1f ms, p95 %.1f ms", p50, p95)
	}
}

// Cues follow the reps: too quick a descent asks for "slower", too
// shallow a squat for "go deeper"; of two at once, the higher priority
// wins, and the cooldown holds the next back.
func TestSessionCues(t *testing.T) {
	tests := []struct {
		name string
		cfg  synth.Config
		want []Cue
	}{
		{"quick", synth.Config{Reps: 3, DescentS: 0.5, AscentS: 0.6, BottomS: 0.05, TopS: 2.5, NoisePx: 1}, []Cue{CueSlower}},
		{"shallow", synth.Config{Reps: 3, KneeFlexionDeg: 80, TopS: 2.5, NoisePx: 1}, []Cue{CueDeeper}},
		{"good", synth.Config{Reps: 3, TopS: 2.5, NoisePx: 1}, nil},
		{"quick and caving", synth.Config{Reps: 1, DescentS: 0.5, AscentS: 0.6, BottomS: 0.05, ValgusDeg: [2]float64{16, 16}, NoisePx: 1}, []Cue{CueKneesOut}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Seed = 3
			tr, _, err := synth.Generate(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			sum, events, err := runSession(t, tr, nil)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Reps != tt.cfg.Reps {
				t.Fatalf("%d reps of %d", sum.Reps, tt.cfg.Reps)
			}
			var got []Cue
			for _, c := range ofType(events, "cue") {
				got = append(got, Cue(c["cue"].(string)))
			}
			for _, w := range tt.want {
				if len(got) == 0 || got[0] != w {
					t.Errorf("cues %v, want %q first", got, w)
				}
			}
			if tt.want == nil && len(got) > 0 {
				t.Errorf("cues %v for good reps: %v", got, ofType(events, "cue"))
			}
		})
	}
}

func TestCuerPriorityAndCooldown(t *testing.T) {
	c := newCuer(CueConfig{Cooldown: 3 * time.Second, ShowFor: time.Second})
	c.offer(CueEvent{TimeS: 10, Cue: CueDeeper})
	c.offer(CueEvent{TimeS: 10, Cue: CueKneesOut})
	c.offer(CueEvent{TimeS: 10, Cue: CueSlower})
	if e, ok := c.next(10); !ok || e.Cue != CueKneesOut {
		t.Fatalf("first cue %v %v, want knees out", e.Cue, ok)
	}
	if c.showing(10.5) != CueKneesOut || c.showing(11.1) != "" {
		t.Errorf("shown %q at 10.5 s, %q at 11.1 s", c.showing(10.5), c.showing(11.1))
	}
	c.offer(CueEvent{TimeS: 11, Cue: CueSlower})
	if _, ok := c.next(11); ok {
		t.Error("a cue within the cooldown")
	}
	c.offer(CueEvent{TimeS: 12.5, Cue: CueDeeper})
	if e, ok := c.next(13.2); !ok || e.Cue != CueDeeper {
		// The "slower" offered at 11 s is stale by 13.2 s.
		t.Errorf("after the cooldown %v %v, want go deeper", e.Cue, ok)
	}
}

// Keys: space pauses (no frame is processed until it resumes), q stops;
// closing the window stops too.
func TestSessionKeys(t *testing.T) {
	tr, _, err := synth.Generate(synth.Config{Reps: 2, NoisePx: 1, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	d := &fakeDisplay{keys: map[int]int{10: KeySpace, 15: KeySpace, 40: 'q'}}
	sum, _, err := runSession(t, tr, func(s *Session) { s.Display = d })
	if err != nil {
		t.Fatal(err)
	}
	// Shown 40 times: frames 1-10, the paused frame again at shows 11-14
	// (space at 15 resumes), frames 11-35 at shows 16-40.
	if sum.Stop != StopKey || sum.Stats.Processed != 35 {
		t.Errorf("stopped %q after %d frames, want q after 35", sum.Stop, sum.Stats.Processed)
	}
	d = &fakeDisplay{closeAt: 20}
	sum, _, err = runSession(t, tr, func(s *Session) { s.Display = d })
	if err != nil || sum.Stop != StopClosed {
		t.Errorf("closed window: %q, %v", sum.Stop, err)
	}
	sum, _, err = runSession(t, tr, func(s *Session) { s.Display = &fakeDisplay{keys: map[int]int{5: KeyEscape}} })
	if err != nil || sum.Stop != StopKey || sum.Stats.Processed != 5 {
		t.Errorf("escape: %q after %d frames, %v", sum.Stop, sum.Stats.Processed, err)
	}
}

// A source that fails (a camera that stops delivering) ends the session
// with its error, after the reps so far have their events.
func TestSessionSourceFails(t *testing.T) {
	tr, _, err := synth.Generate(synth.Config{Reps: 3, NoisePx: 1, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	stall := errors.New("camera:0: stopped delivering frames")
	// Two reps and the standing after the second.
	cut := int(math.Round((1.0 + 2*(1+0.2+1+0.8)) * tr.FPS))
	sum, events, err := runSession(t, tr, func(s *Session) {
		src := s.Source.(*fakeSource)
		src.stopAt, src.err = cut, stall
	})
	if !errors.Is(err, stall) {
		t.Fatalf("error %v", err)
	}
	if sum.Reps != 2 || len(ofType(events, "rep")) != 2 || !strings.Contains(sum.Stop, "stopped delivering") {
		t.Errorf("%d reps, %d rep events, stop %q", sum.Reps, len(ofType(events, "rep")), sum.Stop)
	}
	if st := ofType(events, "stats"); len(st) == 0 || st[len(st)-1]["final"] != true {
		t.Error("no final stats after the failure")
	}
}

// A session stops when its duration is reached, or its context is
// cancelled.
func TestSessionStops(t *testing.T) {
	tr, _, err := synth.Generate(synth.Config{Reps: 3, NoisePx: 1, Seed: 6})
	if err != nil {
		t.Fatal(err)
	}
	slow := func(s *Session) {
		s.Display = displayFunc(func(*image.RGBA) (int, error) { time.Sleep(10 * time.Millisecond); return KeyNone, nil })
	}
	sum, _, err := runSession(t, tr, func(s *Session) { slow(s); s.Config.Duration = 200 * time.Millisecond })
	if err != nil || sum.Stop != StopDuration || sum.Stats.Processed >= len(tr.Poses) {
		t.Errorf("duration: %q after %d frames, %v", sum.Stop, sum.Stats.Processed, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	src := newFakeSource(tr)
	s := &Session{Source: src, Estimator: fakeEstimator{src}, Config: Config{Screening: screening.DefaultOptions(), Cues: DefaultCueConfig()}}
	slow(s)
	sum, err = s.Run(ctx)
	if err != nil || sum.Stop != StopInterrupted {
		t.Errorf("cancelled: %q, %v", sum.Stop, err)
	}
}

type displayFunc func(*image.RGBA) (int, error)

func (f displayFunc) Show(img *image.RGBA) (int, error) { return f(img) }

// The framing guide is an event when it changes.
func TestSessionGuides(t *testing.T) {
	tr, _, err := synth.Generate(synth.Config{Reps: 1, NoisePx: 1, YawDeg: 90, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	_, events, err := runSession(t, tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, g := range ofType(events, "guide") {
		for _, x := range g["guides"].([]any) {
			codes = append(codes, x.(map[string]any)["code"].(string))
		}
	}
	if len(codes) == 0 || codes[0] != string(screening.FramingNotFacing) {
		t.Errorf("guides %v, want not_facing_camera for a side view", codes)
	}
}

func TestLatencyHist(t *testing.T) {
	var h latencyHist
	if !math.IsNaN(h.percentile(50)) {
		t.Error("percentile of nothing")
	}
	for i := 1; i <= 100; i++ {
		h.add(float64(i))
	}
	h.add(5000) // beyond the bins
	if p := h.percentile(50); math.Abs(p-51) > histBinMs {
		t.Errorf("p50 %.2f, want 51", p)
	}
	if p := h.percentile(95); math.Abs(p-96) > histBinMs {
		t.Errorf("p95 %.2f, want 96", p)
	}
	if p := h.percentile(100); p != 5000 {
		t.Errorf("p100 %.2f, want the maximum", p)
	}
}

// probingEstimator is fakeEstimator with probes that find a second person
// in the frames whose time is in [from, to).
type probingEstimator struct {
	fakeEstimator
	from, to float64
	next     bool
	asked    []float64 // the times of the frames probed
	done     bool
	other    bool
}

func (e *probingEstimator) ProbeNext() { e.next = true }

func (e *probingEstimator) Track(ctx context.Context, img *image.RGBA) (pose.Pose, error) {
	p, err := e.fakeEstimator.Track(ctx, img)
	e.done, e.other = e.next, false
	if e.next {
		e.asked = append(e.asked, p.Time)
		e.other = p.Time >= e.from && p.Time < e.to
	}
	e.next = false
	return p, err
}

func (e *probingEstimator) LastProbe() (bool, bool) { return e.done, e.other }

// TestSessionWarnsOfOthers: a session probes a frame every 1.5 s; a
// second person in two of the last four probes starts the warning (a
// people event with others true), and it ends (false) once fewer than two
// of the last four found one: the third probe without, at most.
// An estimator that cannot probe is never asked.
func TestSessionWarnsOfOthers(t *testing.T) {
	tr, _, err := synth.Generate(synth.Config{Reps: 4, NoisePx: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	end := tr.Poses[len(tr.Poses)-1].Time
	if end < 12 {
		t.Fatalf("the track lasts %.1f s, want 12 or more", end)
	}
	var est *probingEstimator
	sum, events, err := runSession(t, tr, func(s *Session) {
		est = &probingEstimator{fakeEstimator: s.Estimator.(fakeEstimator), from: 3, to: 7}
		s.Estimator = est
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(est.asked); i++ {
		if d := est.asked[i] - est.asked[i-1]; d < probeEveryS-1e-9 || d > probeEveryS+0.1 {
			t.Errorf("probes at %.2f and %.2f s: %.2f s apart, want %.1f", est.asked[i-1], est.asked[i], d, probeEveryS)
		}
	}
	if sum.Probes != len(est.asked) || sum.Probes < int(end/probeEveryS) {
		t.Errorf("summary counts %d probes, the estimator was asked %d times over %.1f s", sum.Probes, len(est.asked), end)
	}
	others := 0
	for _, at := range est.asked {
		if at >= 3 && at < 7 {
			others++
		}
	}
	if sum.Others != others {
		t.Errorf("summary counts %d probes with someone else, want %d", sum.Others, others)
	}
	people := ofType(events, "people")
	if len(people) != 2 || people[0]["others"] != true || people[1]["others"] != false {
		t.Fatalf("people events %v, want the warning on, then off", people)
	}
	on, off := people[0]["time_s"].(float64), people[1]["time_s"].(float64)
	if on < 3 || on > 3+2*probeEveryS || off < 7 || off > 7+3*probeEveryS {
		t.Errorf("warning from %.2f to %.2f s, want from the second probe after 3 s to the third after 7 s at most", on, off)
	}

	_, events, err = runSession(t, tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ofType(events, "people")); n != 0 {
		t.Errorf("%d people events from an estimator that cannot probe", n)
	}
}
