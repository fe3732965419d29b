package live

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"slices"
	"time"

	"github.com/kneescreen/kneescreen/overlay"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
)

// Frame is one captured frame.
type Frame struct {
	// Index counts the source's frames from 0 (dropped ones included).
	Index int
	// Time is the frame's time on the source's clock in seconds (a
	// file's timestamps; a camera's seconds since its first frame).
	Time float64
	// Captured is when it was captured (or, for a paced file, due).
	Captured time.Time
	// Image is the session's until it asks for the next frame.
	Image *image.RGBA
}

// Source yields the newest frame each time it is asked, dropping older
// ones; io.EOF at the end.
type Source interface {
	Next(ctx context.Context) (Frame, error)
	// Stats counts the frames captured and dropped so far.
	Stats() (captured, dropped int)
}

// Estimator estimates the pose in successive frames.
type Estimator interface {
	Track(ctx context.Context, img *image.RGBA) (pose.Pose, error)
}

// PeopleProber is an Estimator that can look for a second person beside
// the one it tracks (pipeline.FrameEstimator): ProbeNext has the next
// Track look too, and LastProbe says whether that Track looked (done) and
// found someone (other).
type PeopleProber interface {
	ProbeNext()
	LastProbe() (done, other bool)
}

// A session whose Estimator is a PeopleProber probes a frame every
// probeEveryS seconds, as analyze does, and warns, on screen and with a
// people event, while at least peopleWarnOf of the last peopleWindow
// probes found a second person: about six seconds, long enough that
// someone crossing the room behind does not flash the warning, short
// enough to warn within a rep or two. The screening cannot tell the two
// apart, and a single-person model may follow either from frame to frame.
const (
	probeEveryS  = 1.5
	peopleWindow = 4
	peopleWarnOf = 2
)

// Display shows frames and reports the key pressed while it did (KeyNone
// for none). An error wrapping ErrClosed means the user closed it.
type Display interface {
	Show(img *image.RGBA) (key int, err error)
}

// Keys a Display reports.
const (
	KeyNone   = -1
	KeyEscape = 27
	KeySpace  = ' '
)

// ErrClosed is wrapped by a Display's error when the user closed it.
var ErrClosed = errors.New("live: display closed")

// Config configures a session.
type Config struct {
	// Screening configures the streaming screen and the reps' analysis.
	Screening screening.Options
	// FPS is the source's nominal frame rate (0: unknown).
	FPS float64
	// Cues sets when cues are given.
	Cues CueConfig
	// Duration ends the session after this long (0: when the source ends
	// or the user stops it).
	Duration time.Duration
	// StatsEvery is the interval of the stats events (0: 1 s).
	StatsEvery time.Duration
}

// Session is one live screening session. Source and Estimator are
// required; the rest is optional.
type Session struct {
	Config    Config
	Source    Source
	Estimator Estimator
	// Display shows the overlay (nil: headless; latency then ends when
	// the overlay is drawn).
	Display Display
	// Events receives the events (nil: none).
	Events *Events
	// Voice says the cues (nil: silent).
	Voice Speaker
}

// Why a session stopped.
const (
	StopEnd         = "end of input"
	StopKey         = "stopped from the keyboard"
	StopClosed      = "window closed"
	StopDuration    = "duration reached"
	StopInterrupted = "interrupted"
)

// Summary is how a session went.
type Summary struct {
	// Stop says why it stopped (one of the Stop constants, or the error).
	Stop string
	// Reps is the number of reps counted.
	Reps int
	// Stats is the final stats event.
	Stats Stats
	// Probes counts the frames probed for a second person, Others those
	// that showed one (see PeopleProber).
	Probes, Others int
}

// run is one Run's state.
type run struct {
	s      *Session
	stream *screening.Stream
	grader *grader
	cues   *cuer
	view   *view
	stats  *statsClock
	st     viewState
	guides []screening.FramingCode
	watch  float64
	last   float64 // stream time of the last frame screened
	sum    Summary
	// nextProbe is the stream time of the next probe; probes holds the
	// last peopleWindow probes' findings.
	nextProbe float64
	probes    []bool
}

// Run runs the session until the source ends, the user stops it, the
// duration is reached or ctx is cancelled (all normal ends, said in
// Summary.Stop), or until an error: the source failing (a camera that
// stops delivering), the estimator or the display failing. The summary is
// returned in every case, with the reps counted until then.
func (s *Session) Run(ctx context.Context) (*Summary, error) {
	if s.Source == nil || s.Estimator == nil {
		return nil, errors.New("live: a session needs a source and an estimator")
	}
	if err := s.Config.Cues.Validate(); err != nil {
		return nil, err
	}
	opts := s.Config.Screening
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	r := &run{s: s, cues: newCuer(s.Config.Cues), view: newView(), stats: newStatsClock(time.Now()),
		watch: fppaWatch(&opts)}
	r.grader = startGrader(context.WithoutCancel(ctx), screening.NewLiveGrader(opts))
	err := r.loop(ctx)
	r.finish()
	return &r.sum, err
}

// fppaWatch is the FPPA watch cut-off for the options' sex.
func fppaWatch(o *screening.Options) float64 {
	key := "thresholds.fppa.unspecified_watch_deg"
	switch o.Sex {
	case screening.SexFemale:
		key = "thresholds.fppa.female_watch_deg"
	case screening.SexMale:
		key = "thresholds.fppa.male_watch_deg"
	}
	v, _ := o.Thresholds.Get(key)
	return v
}

// loop processes frames until the session stops.
func (r *run) loop(ctx context.Context) error {
	s := r.s
	every := s.Config.StatsEvery
	if every <= 0 {
		every = time.Second
	}
	start := time.Now()
	var shown *image.RGBA // the last frame shown, shown again while paused
	// pp is nil when the estimator cannot probe for a second person.
	pp, _ := s.Estimator.(PeopleProber)
	for {
		if ctx.Err() != nil {
			r.sum.Stop = StopInterrupted
			return nil
		}
		if d := s.Config.Duration; d > 0 && time.Since(start) >= d {
			r.sum.Stop = StopDuration
			return nil
		}
		r.tick(every)
		if r.st.paused {
			if stop, err := r.show(shown); stop || err != nil {
				return err
			}
			time.Sleep(30 * time.Millisecond)
			continue
		}
		f, err := s.Source.Next(ctx)
		switch {
		case errors.Is(err, io.EOF):
			r.sum.Stop = StopEnd
			return nil
		case err != nil && ctx.Err() != nil:
			r.sum.Stop = StopInterrupted
			return nil
		case err != nil:
			r.sum.Stop = err.Error()
			return err
		}
		if pp != nil && f.Time >= r.nextProbe {
			pp.ProbeNext()
		}
		p, err := s.Estimator.Track(ctx, f.Image)
		if pp != nil && err == nil {
			if done, other := pp.LastProbe(); done {
				r.nextProbe = f.Time + probeEveryS
				r.people(f.Time, other)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				r.sum.Stop = StopInterrupted
				return nil
			}
			r.sum.Stop = err.Error()
			return fmt.Errorf("live: frame %d: %w", f.Index, err)
		}
		p.Frame, p.Time = f.Index, f.Time
		sf, err := r.screen(f, p)
		if err != nil {
			return err
		}
		if sf == nil {
			continue // a frame out of time order: not screened, not shown
		}
		r.view.draw(f.Image, sf, r.st)
		shown = f.Image
		stop, err := r.show(f.Image)
		r.stats.frame(time.Since(f.Captured))
		if stop || err != nil {
			return err
		}
	}
}

// screen runs the stream on pose p of frame f, collects the reps graded
// meanwhile and decides the cue. It returns nil for a frame whose time
// does not follow the last one's (a camera's clock stepping back).
func (r *run) screen(f Frame, p pose.Pose) (*screening.StreamFrame, error) {
	if r.stream == nil {
		st, err := screening.NewStream(f.Image.Rect.Dx(), f.Image.Rect.Dy(), r.s.Config.FPS, r.s.Config.Screening)
		if err != nil {
			return nil, err
		}
		r.stream = st
	}
	sf, err := r.stream.Push(p)
	if err != nil {
		return nil, nil
	}
	r.last = sf.Time
	if sf.Ended != nil {
		r.grader.submit(gradeJob{w: sf.Ended, handedS: sf.Time, handed: f.Captured})
	}
	r.collect(sf.Time, false)
	r.cues.live(sf, r.watch)
	if e, ok := r.cues.next(sf.Time); ok {
		r.s.Events.Emit(e)
		if r.s.Voice != nil {
			r.s.Voice.Say(string(e.Cue))
		}
	}
	r.st.cue = r.cues.showing(sf.Time)
	r.guide(sf)
	return sf, nil
}

// show shows img and acts on the key pressed; stop is true when the
// session is to end.
func (r *run) show(img *image.RGBA) (stop bool, err error) {
	d := r.s.Display
	if d == nil || img == nil {
		return false, nil
	}
	if r.st.paused {
		r.view.d.Banner(img, "paused: space resumes", colPause, overlay.Centre, 1.3)
	}
	key, err := d.Show(img)
	switch {
	case errors.Is(err, ErrClosed):
		r.sum.Stop = StopClosed
		return true, nil
	case err != nil:
		r.sum.Stop = err.Error()
		return true, fmt.Errorf("live: display: %w", err)
	}
	switch key {
	case 'q', 'Q', KeyEscape:
		r.sum.Stop = StopKey
		return true, nil
	case KeySpace:
		r.st.paused = !r.st.paused
	}
	return false, nil
}

// people counts a probe at stream time t that found a second person or
// not, and emits a people event when the warning starts or ends.
func (r *run) people(t float64, other bool) {
	r.sum.Probes++
	if other {
		r.sum.Others++
	}
	r.probes = append(r.probes, other)
	if len(r.probes) > peopleWindow {
		r.probes = r.probes[1:]
	}
	n := 0
	for _, o := range r.probes {
		if o {
			n++
		}
	}
	if warn := n >= peopleWarnOf; warn != r.st.others {
		r.st.others = warn
		r.s.Events.Emit(PeopleEvent{Type: "people", TimeS: round3(t), Others: warn})
	}
}

// guide emits a guide event when the framing problems change.
func (r *run) guide(sf *screening.StreamFrame) {
	same := len(sf.Framing) == len(r.guides)
	for i := 0; same && i < len(sf.Framing); i++ {
		same = sf.Framing[i].Code == r.guides[i]
	}
	if same {
		return
	}
	r.guides = r.guides[:0]
	for _, g := range sf.Framing {
		r.guides = append(r.guides, g.Code)
	}
	r.s.Events.Emit(GuideEvent{Type: "guide", TimeS: sf.Time, Guides: slices.Clone(sf.Framing)})
}

// collect takes the verdicts graded so far (all of them, waiting, when
// wait is set) and emits their rep events; t is the stream time now.
func (r *run) collect(t float64, wait bool) {
	for {
		res, ok := r.grader.result(wait)
		if !ok {
			return
		}
		if res.err != nil || res.v == nil {
			continue // not a rep by the batch criteria (or cancelled)
		}
		r.sum.Reps++
		r.st.reps = r.sum.Reps
		v := res.v
		r.st.last = r.view.newLastRep(r.sum.Reps, v)
		// The verdict's delay: from the rep's end to the frame that
		// handed its window back (stream time), then the grading (wall
		// time), so it reads the same whether frames come in real time
		// or as fast as they are processed.
		latency := res.handedS - v.Rep.EndS + time.Since(res.handed).Seconds()
		r.s.Events.Emit(RepEvent{Type: "rep", Index: r.sum.Reps, TimeS: round3(t), LatencyS: round3(latency),
			StartS: v.Rep.StartS, BottomS: v.Rep.BottomS, EndS: v.Rep.EndS, Movement: v.Movement, View: v.View, Side: v.Rep.Side,
			Metrics: v.Rep.Metrics, Findings: v.Findings, Level: worstLevel(v.Findings), Problems: v.Problems})
		r.cues.rep(r.sum.Reps, v, t)
	}
}

// tick emits a stats event once an interval has passed.
func (r *run) tick(every time.Duration) {
	now := time.Now()
	if !r.stats.due(now, every) {
		return
	}
	r.stats.source(r.s.Source.Stats())
	r.s.Events.Emit(r.stats.snapshot(now))
}

// finish grades a rep the end cut short, waits for the verdicts still
// being graded and emits the final stats.
func (r *run) finish() {
	if r.stream != nil {
		if w := r.stream.Flush(); w != nil {
			r.grader.submit(gradeJob{w: w, handedS: r.last, handed: time.Now()})
		}
	}
	r.grader.close()
	r.collect(r.last, true)
	r.stats.source(r.s.Source.Stats())
	r.sum.Stats = r.stats.final(time.Now())
	r.s.Events.Emit(r.sum.Stats)
}

// grader grades rep windows on its own goroutine, in order.
type grader struct {
	in  chan gradeJob
	out chan gradeResult
}

// gradeJob is a window and when it was handed back: the stream time and
// the capture time of the frame it came with.
type gradeJob struct {
	w       *screening.RepWindow
	handedS float64
	handed  time.Time
}

type gradeResult struct {
	gradeJob
	v   *screening.RepVerdict
	err error
}

func startGrader(ctx context.Context, lg *screening.LiveGrader) *grader {
	// Far more room than reps need (a rep takes a second or more, its
	// grading milliseconds), so neither side waits on the other.
	g := &grader{in: make(chan gradeJob, 64), out: make(chan gradeResult, 64)}
	go func() {
		defer close(g.out)
		for j := range g.in {
			v, err := lg.Grade(ctx, j.w)
			g.out <- gradeResult{j, v, err}
		}
	}()
	return g
}

// submit queues a window.
func (g *grader) submit(j gradeJob) { g.in <- j }

// close says no more windows come.
func (g *grader) close() { close(g.in) }

// result returns a graded window, waiting for one when wait is set; false
// when none is ready (or, waiting, none will come).
func (g *grader) result(wait bool) (gradeResult, bool) {
	if wait {
		res, ok := <-g.out
		return res, ok
	}
	select {
	case res, ok := <-g.out:
		return res, ok
	default:
		return gradeResult{}, false
	}
}
