package pipeline

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/report"
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
}

// Result is what Run produced.
type Result struct {
	Report *screening.Report
	Track  *pose.Track
	// Files written, as paths.
	Files []string
	// VideoCodec is the annotated video's FourCC ("" without video).
	VideoCodec string
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

// Run analyses one input into dir (created if needed): pose estimation,
// screening, then the annotated video and the report files. Each file
// appears complete or not at all; when ctx is cancelled, Run stops and
// returns ctx's error. A video without a usable person is not an error: its
// report says so.
func Run(ctx context.Context, input, dir string, cfg Config) (*Result, error) {
	if len(cfg.Formats) == 0 {
		return nil, fmt.Errorf("pipeline: no output format selected")
	}
	src, err := Open(input, cfg.ImageFPS)
	if err != nil {
		return nil, err
	}
	tcfg := cfg.Track
	tcfg.Progress = cfg.Progress
	tr, err := Track(ctx, src, tcfg)
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
	if err := report.EnsureDir(dir); err != nil {
		return nil, err
	}
	res := &Result{Report: rep, Track: tr}
	data := &report.Data{Report: rep, Track: tr, Analysis: cfg.Analysis}
	if cfg.Formats[report.FormatVideo] || cfg.Formats[report.FormatHTML] {
		frames, codec, err := annotate(ctx, input, dir, cfg, rep, tr)
		if err != nil {
			return nil, err
		}
		data.Frames = frames
		if codec != "" {
			res.VideoCodec = codec
			data.VideoName = report.VideoFile
			res.Files = append(res.Files, filepath.Join(dir, report.VideoFile))
		}
	}
	if err := report.Write(ctx, dir, cfg.Formats, data); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		f    report.Format
		name string
	}{{report.FormatJSON, report.JSONFile}, {report.FormatCSV, report.KeypointsFile}, {report.FormatCSV, report.AnglesFile}, {report.FormatHTML, report.HTMLFile}} {
		if cfg.Formats[f.f] {
			res.Files = append(res.Files, filepath.Join(dir, f.name))
		}
	}
	return res, nil
}

// annotate runs the render pass: the annotated video when selected, and
// the bottom frame of every rep for the HTML report.
func annotate(ctx context.Context, input, dir string, cfg Config, rep *screening.Report, tr *pose.Track) (map[int]image.Image, string, error) {
	ro := RenderOptions{Progress: cfg.Progress, VideoMaxSide: cfg.VideoMaxSide}
	if cfg.Formats[report.FormatHTML] {
		for _, r := range rep.Reps {
			ro.Keep = append(ro.Keep, r.BottomFrame)
		}
	}
	var vw *vision.VideoWriter
	if cfg.Formats[report.FormatVideo] && len(tr.Poses) > 0 {
		fps := tr.FPS
		if fps <= 0 {
			fps = cfg.ImageFPS
		}
		if fps <= 0 {
			fps = 30
		}
		var err error
		w, h := VideoSize(tr.Width, tr.Height, cfg.VideoMaxSide)
		ro.VideoMaxSide = cfg.VideoMaxSide
		if vw, err = vision.CreateVideoEncoder(ctx, filepath.Join(dir, report.VideoFile), fps, w, h, vision.EncoderAuto); err != nil {
			return nil, "", err
		}
		ro.Video = vw
	}
	if ro.Video == nil && len(ro.Keep) == 0 {
		return nil, "", nil
	}
	src, err := Open(input, cfg.ImageFPS)
	if err != nil {
		if vw != nil {
			vw.Abort()
		}
		return nil, "", err
	}
	frames, err := Render(ctx, src, rep, tr, ro)
	src.Close()
	if vw == nil {
		return frames, "", err
	}
	if err != nil {
		vw.Abort()
		return nil, "", err
	}
	if err := vw.Close(); err != nil {
		return nil, "", err
	}
	// The writer's temporary file is private (0600); the video is as
	// readable as the other outputs.
	_ = os.Chmod(filepath.Join(dir, report.VideoFile), 0o644)
	return frames, vw.Codec(), nil
}
