package pipeline

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/schema"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/vision"
)

// Config is everything one analysis needs besides its input and output
// folder.
type Config struct {
	// Screening options (movement, view, stance, sex, thresholds,
	// filter); SourcePath, the name the report gives the input, is the
	// input's path unless set (a server names an upload, not its staging
	// copy).
	Screening screening.Options
	// Track configures pass one.
	Track TrackOptions
	// Formats selects the files written.
	Formats report.Formats
	// Analysis is recorded in report.json and the HTML footer.
	Analysis report.Analysis
	// ImageFPS times the frames of an image folder (0: 30).
	ImageFPS float64
	// Progress, when set, receives both passes' progress.
	Progress func(Progress)
	// VideoMaxSide caps the annotated video's longer side (see
	// RenderOptions.VideoMaxSide; 0: the input's size). The analyze
	// command's default is DefaultVideoMaxSide.
	VideoMaxSide int
	// InputDigest is the input's InputDigest, recorded in the folder's
	// manifest; "" makes Run compute it (a batch that checked the input
	// against an earlier result already has it).
	InputDigest string
	// ModelDigest identifies the pose model's weights (the SHA-256 of its
	// ONNX file) in Fingerprint, so a changed model file is a change of
	// settings; "" leaves the model known by Analysis.Model alone.
	ModelDigest string
	// FrameStore configures the temporary file in which pass one keeps
	// its frames, at the annotated video's size, for the annotated pass
	// to draw on instead of decoding the input a second time; only when
	// the video or the HTML report is selected. The outputs are the same
	// with or without it.
	FrameStore FrameStoreOptions
	// BuildDigest identifies the program doing the analysis (the SHA-256
	// of its executable) in Fingerprint, so a rebuilt program does not take
	// an earlier build's output for its own even when both call themselves
	// by one version; "" leaves it to Analysis.Tool.
	BuildDigest string
	// Ahead, when it is for Run's input, is that input already being
	// opened (OpenAhead); Run takes its source instead of opening the
	// input again. It is not a setting: it changes no output.
	Ahead *Ahead
}

// Result is what Run produced.
type Result struct {
	Report *screening.Report
	Track  *pose.Track
	// Files written, as paths.
	Files []string
	// VideoCodec is the annotated video's FourCC ("" without video).
	VideoCodec string
	// Manifest is the output folder's manifest; nil when the run failed
	// part-way and the folder is incomplete.
	Manifest *report.Manifest
}

// Open opens a video file, or a folder of images timed at imageFPS frames
// per second (0: 30).
func Open(path string, imageFPS float64) (vision.FrameSource, error) {
	if imageFPS <= 0 {
		imageFPS = 30
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return vision.OpenImages(path, imageFPS)
	}
	return vision.OpenVideo(path)
}

// MinFrameSide is the shortest frame side Run analyses, in pixels. The
// model finds no person whose whole body spans fewer pixels than this (it
// sees the person at 192 or 256 pixels, and screening grades nobody under
// 15% of the frame's height), and the encoders of the annotated video fail
// on frames of a few pixels.
const MinFrameSide = 32

// ErrFrameTooSmall is returned by Run for an input whose frames are
// smaller than MinFrameSide on a side.
var ErrFrameTooSmall = errors.New("frames too small to show a person")

// checkFrameSize rejects a source whose frames no person fits in, before
// any work; a source that does not know its size yet passes.
func checkFrameSize(info vision.Info) error {
	w, h := info.Width, info.Height
	if (w == 0 && h == 0) || (w >= MinFrameSide && h >= MinFrameSide) {
		return nil
	}
	return fmt.Errorf("pipeline: %w: %dx%d pixels, need at least %d on each side; give the camera's own recording, not a thumbnail",
		ErrFrameTooSmall, w, h, MinFrameSide)
}

// ErrNoPerson is returned by Run when the pose pass found no person, or
// one in too few frames to show a movement (screening's no_person
// problem). Nothing is written: a report of an empty room would tell the
// clinician nothing, and it would replace the folder's earlier report.
var ErrNoPerson = errors.New("no person to screen")

// noPersonError is ErrNoPerson with what was found and what to film: the
// report's no_person message, or, when nobody was in any frame, how many
// frames were looked at.
func noPersonError(rep *screening.Report) error {
	var msg string
	for _, p := range rep.Quality.Problems {
		if p.Code == screening.ProblemNoPerson {
			msg = p.Message
		}
	}
	if rep.Quality.PersonFrames == 0 {
		msg = fmt.Sprintf("none found in the video's %d frames; film the whole body, well lit, one person in view", rep.Source.Frames)
	}
	return fmt.Errorf("pipeline: %w: %s", ErrNoPerson, msg)
}

// Unscreenable reports whether err says the input itself cannot be
// screened, whatever is retried: too small (ErrFrameTooSmall), frames of
// several sizes (ErrFrameSize), a jump in its timestamps (ErrTimeGap), more
// than one person (ErrSeveralPeople), nobody (ErrNoPerson). A server gives
// up on such a job at once; the message says what to record instead.
func Unscreenable(err error) bool {
	for _, e := range []error{ErrFrameTooSmall, ErrFrameSize, ErrTimeGap, ErrSeveralPeople, ErrNoPerson} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Run analyses one input into dir (created if needed): pose estimation,
// screening, then the annotated video and the report files.
//
// The folder is written as one report.Output: nothing in it changes until
// every file is complete (the annotated video verified), and then they
// are published together, the files of an earlier run that this one does
// not write are removed, and the manifest (input digest, Fingerprint,
// every file's size and SHA-256) is written last; the input is hashed for
// it beside pass one. The data files
// (report.json, the CSVs) are made first and do not depend on the
// annotated pass: if the video fails (a full disk, a broken encoder) they
// are still published, without a manifest (the folder is incomplete), and
// Run returns the partial Result with the video's error. When ctx is
// cancelled, Run stops, leaves the folder as it was and returns ctx's
// error. A video without a usable person is refused (ErrNoPerson) the same
// way, once the pose pass has looked at every frame: a person may walk in
// at any time.
func Run(ctx context.Context, input, dir string, cfg Config) (*Result, error) {
	if len(cfg.Formats) == 0 {
		return nil, fmt.Errorf("pipeline: no output format selected")
	}
	if cfg.Formats[report.FormatJSON] {
		// Compiled while the poses are estimated, not after them in
		// WriteJSON (17 ms of one core); its error, if any, comes back
		// from there.
		go schema.Compile()
	}
	src, err, ok := cfg.Ahead.take(input, cfg.ImageFPS)
	if !ok {
		src, err = Open(input, cfg.ImageFPS)
	}
	if err != nil {
		return nil, err
	}
	if err := checkFrameSize(src.Info()); err != nil {
		src.Close()
		return nil, err
	}
	// The input is hashed for the manifest beside pass one rather than
	// before it: a phone's minute of 1080p is 100 MB or more, a tenth of
	// a second of one core that is not the first pose's to wait for.
	digest := inputDigest(ctx, input, cfg.InputDigest)
	defer digest.stop()
	var keep *frameStore
	if cfg.Formats[report.FormatVideo] || cfg.Formats[report.FormatHTML] {
		keep = newFrameStore(cfg.FrameStore, src, cfg.Track.MaxSide, cfg.VideoMaxSide)
		defer keep.Close()
	}
	// The annotated video's encoder starts now and waits for its frames,
	// its start-up overlapping pass one (startVideo), in dir made now if
	// it is new (else after pass one): until something is published
	// there, a failure removes what was made (run after Abort has removed
	// the staged files).
	published := false
	defer func() {
		if !published {
			RemoveMadeDirs(dir)
		}
	}()
	out, early := startVideo(ctx, dir, src.Info(), cfg)
	if out != nil {
		defer out.Abort()
	}
	defer early.abort()
	tcfg := cfg.Track
	tcfg.Progress = cfg.Progress
	tr, err := track(ctx, src, tcfg, keep)
	src.Close()
	if err != nil {
		return nil, err
	}
	sopts := cfg.Screening
	if sopts.SourcePath == "" {
		sopts.SourcePath = input
	}
	rep, err := screening.Analyze(ctx, tr, sopts)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	if rep.HasProblem(screening.ProblemNoPerson) {
		return nil, noPersonError(rep)
	}
	if out == nil {
		// Made through MakeDir too, so that a failure from here on
		// removes what was made; when it cannot be, Begin says why.
		_ = MakeDir(dir)
		if out, err = report.Begin(dir); err != nil {
			return nil, err
		}
		defer out.Abort()
	}
	res := &Result{Report: rep, Track: tr}
	data := &report.Data{Report: rep, Track: tr, Analysis: cfg.Analysis}
	var plots func() *report.Plots
	if cfg.Formats[report.FormatHTML] {
		plots = plotsAhead(rep)
	}
	// The data files first: nothing the annotated pass does can lose them.
	var dataFiles []string
	for _, name := range cfg.Formats.Files() {
		if name != report.HTMLFile && name != report.VideoFile {
			dataFiles = append(dataFiles, name)
		}
	}
	if err := out.StageReport(ctx, data, dataFiles...); err != nil {
		return nil, err
	}
	var partErr error // a file that could not be made; the others are kept
	if cfg.Formats[report.FormatVideo] || cfg.Formats[report.FormatHTML] {
		frames, video, err := annotate(ctx, input, keep, out, cfg, rep, tr, early)
		keep.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		data.Frames = frames
		codec, verr, herr := finishAnnotated(ctx, out, data, video, cfg.Formats[report.FormatHTML], plots)
		if codec != "" {
			res.VideoCodec = codec
		}
		// One line: the render pass's failure, the video's, the page's.
		for _, e := range []error{verr, herr} {
			if e != nil && err != nil {
				e = fmt.Errorf("%w; %w", err, e)
			}
			if e != nil {
				err = e
			}
		}
		partErr = err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var m *report.Manifest
	if partErr == nil {
		sum, err := digest.wait()
		if err != nil {
			return nil, err
		}
		m = &report.Manifest{Tool: cfg.Analysis.Tool, Input: report.ManifestInput{Path: input, SHA256: sum}, Settings: cfg.Fingerprint()}
	}
	for _, name := range report.OutputFiles {
		if out.Staged(name) {
			res.Files = append(res.Files, filepath.Join(dir, name))
		}
	}
	if err := out.Commit(m); err != nil {
		return nil, err // what it published keeps dir from being removed
	}
	published = true
	keepMadeDirs(dir)
	res.Manifest = m
	if partErr != nil {
		return res, partErr
	}
	return res, nil
}

// annotate runs the render pass: the annotated video when selected
// (reserved in out; early's when it was started for this size and rate),
// and the bottom frame of every rep for the HTML report, drawn on the
// frames keep holds when it holds them all, else on the input decoded
// again. It returns the kept frames and the video's writer with every
// frame written, for finishAnnotated to close (nil without a video). On a
// failure the video is dropped from out and the frames drawn so far are
// returned with the error.
func annotate(ctx context.Context, input string, keep *frameStore, out *report.Output, cfg Config, rep *screening.Report, tr *pose.Track, early *earlyVideo) (map[int]image.Image, *vision.VideoWriter, error) {
	ro := RenderOptions{Progress: cfg.Progress, VideoMaxSide: cfg.VideoMaxSide}
	if cfg.Formats[report.FormatHTML] {
		for _, r := range rep.Reps {
			ro.Keep = append(ro.Keep, r.BottomFrame)
		}
	}
	var vw *vision.VideoWriter
	fail := func(err error) error {
		if vw != nil {
			vw.Abort()
		}
		out.Drop(report.VideoFile)
		return fmt.Errorf("pipeline: %s not written: %w", filepath.Join(out.Dir(), report.VideoFile), err)
	}
	if cfg.Formats[report.FormatVideo] && len(tr.Poses) > 0 {
		fps := videoFPS(tr.FPS, cfg.ImageFPS)
		w, h := VideoSize(tr.Width, tr.Height, cfg.VideoMaxSide)
		if vw = early.take(fps, w, h); vw == nil {
			if early != nil {
				out.Drop(report.VideoFile) // early's file, given up
			}
			path, err := out.Reserve(report.VideoFile)
			if err != nil {
				return nil, nil, err
			}
			if vw, err = vision.CreateVideoEncoder(ctx, path, fps, w, h, vision.EncoderAuto); err != nil {
				return nil, nil, fail(err)
			}
		}
		ro.Video = vw
	} else if early != nil {
		early.abort()
		out.Drop(report.VideoFile)
	}
	if ro.Video == nil && len(ro.Keep) == 0 {
		return nil, nil, nil
	}
	src := keep.source(len(tr.Poses))
	if src == nil {
		var err error
		if src, err = Open(input, cfg.ImageFPS); err != nil {
			return nil, nil, fail(err)
		}
	}
	frames, err := Render(ctx, src, rep, tr, ro)
	src.Close()
	if err != nil && vw != nil {
		return frames, nil, fail(err)
	}
	return frames, vw, err
}
