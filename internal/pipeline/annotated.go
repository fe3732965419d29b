package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/vision"
)

// earlyVideo is the annotated video's writer, started before pass one for
// the size and rate the input announces. A nil *earlyVideo is none.
type earlyVideo struct {
	vw            *vision.VideoWriter
	fps           float64
	width, height int
}

// startEarly is false only in tests comparing the early start's output
// with the encoder started at the annotated pass.
var startEarly = true

// startVideo begins the report folder dir and starts the annotated
// video's ffmpeg for an input announcing info, before pass one: the
// process then loads its libraries (ffmpeg links most of FFmpeg's, about
// 0.2 s of CPU and more of wall time) and opens its input while pass one
// runs, and blocks reading its first frame, writing nothing, until the
// annotated pass sends it. Started when that pass begins, as before, the
// start-up was on the critical path: the encoder is that pass's slowest
// stage, and the pass waited for it.
//
// The encoder is started without asking ffmpeg whether it has libx264
// (vision.StartFFmpegVideo): its own start answers, by the time the
// annotated pass takes it, so one ffmpeg process is started per video
// instead of two. An ffmpeg without libx264 exits at once; take then
// gives no writer, and the annotated pass creates one as before, with
// EncoderAuto picking OpenCV's writer without asking ffmpeg again.
//
// A folder that does not exist yet is made now, with any missing parents
// (MakeDir), and Run removes what was made when the analysis fails before
// publishing anything (an analysis that fails must not leave a folder
// behind).
//
// It returns the begun folder (nil: Run begins it after pass one, as
// when no video is written) and the writer, nil when it is not started: no
// video selected, an input of unknown size, a folder that cannot be made,
// or an encoder that is not ffmpeg (EncoderEnv says opencv, or ffmpeg is
// known not to be able to write this video: then EncoderAuto picks
// OpenCV's writer later, in-process, with no start-up to hide). The
// folder's files are untouched: Begin removes only what a killed run left,
// and the reserved file goes with Abort.
func startVideo(ctx context.Context, dir string, info vision.Info, cfg Config) (*report.Output, *earlyVideo) {
	if !startEarly || !cfg.Formats[report.FormatVideo] || info.Width <= 0 || info.Height <= 0 {
		return nil, nil
	}
	if enc, err := vision.EncoderFromEnv(); err != nil || enc == vision.EncoderOpenCV {
		return nil, nil
	}
	if err := MakeDir(dir); err != nil {
		return nil, nil // Run begins it after pass one and says why
	}
	out, err := report.Begin(dir)
	if err != nil {
		return nil, nil
	}
	path, err := out.Reserve(report.VideoFile)
	if err != nil {
		return out, nil
	}
	e := &earlyVideo{fps: videoFPS(info.FPS, cfg.ImageFPS)}
	e.width, e.height = VideoSize(info.Width, info.Height, cfg.VideoMaxSide)
	if e.vw, err = vision.StartFFmpegVideo(ctx, path, e.fps, e.width, e.height); err != nil {
		out.Drop(report.VideoFile)
		return out, nil
	}
	return out, e
}

// take returns the early writer when its ffmpeg works (Ready: it has
// libx264) and it was started for this rate and size, else stops it and
// returns nil (the caller drops its file). Either way ffmpeg's answer is
// known afterwards, so a writer created instead asks no ffmpeg again.
func (e *earlyVideo) take(fps float64, width, height int) *vision.VideoWriter {
	if e == nil || e.vw == nil {
		return nil
	}
	if e.vw.Ready() != nil || e.fps != fps || e.width != width || e.height != height {
		e.abort()
		return nil
	}
	vw := e.vw
	e.vw = nil // the caller's now
	return vw
}

// abort stops the early writer's ffmpeg, unless taken. Safe on nil.
func (e *earlyVideo) abort() {
	if e != nil && e.vw != nil {
		e.vw.Abort()
		e.vw = nil
	}
}

// videoFPS is the annotated video's frame rate for an input of fps frames
// a second (0 or less when unknown): fps, else imageFPS, else 30.
func videoFPS(fps, imageFPS float64) float64 {
	if fps <= 0 {
		fps = imageFPS
	}
	if fps <= 0 {
		fps = 30
	}
	return fps
}

// plotsAhead starts drawing report.html's plots of rep, which need only
// the screening, to be made beside the data files and the annotated pass
// (mostly ffmpeg's) rather than after them; the function returned waits
// for them. It gives nil when they failed: WriteHTML then draws them
// itself and says why.
func plotsAhead(rep *screening.Report) func() *report.Plots {
	ch := make(chan *report.Plots, 1)
	go func() {
		p, err := report.MakePlots(rep)
		if err != nil {
			p = nil
		}
		ch <- p
	}()
	return sync.OnceValue(func() *report.Plots { return <-ch })
}

// finishAnnotated closes the annotated video, whose frames are all
// written (nil: none), and stages report.html when html is set (with the
// plots plotsAhead made, when plots is set), at the same time: closing
// waits for ffmpeg to encode the frames still in its lookahead and write
// the index, then checks the file by opening it, mostly on one core, while
// the page's plots and JPEGs take both. The page is made linking the
// video; if the video then fails it is made again without the link (as it
// was made after the video before). It returns the video's codec (""
// without one) and the video's and the page's errors; a failed video is
// dropped from out.
func finishAnnotated(ctx context.Context, out *report.Output, data *report.Data, video *vision.VideoWriter, html bool, plots func() *report.Plots) (codec string, videoErr, htmlErr error) {
	var page chan error
	if html {
		d := *data
		if video != nil {
			d.VideoName = report.VideoFile
		}
		page = make(chan error, 1)
		go func() {
			if plots != nil {
				d.Plots = plots()
			}
			page <- out.StageReport(ctx, &d, report.HTMLFile)
		}()
	}
	if video != nil {
		if err := video.Close(); err != nil {
			videoErr = fmt.Errorf("pipeline: %s not written: %w", filepath.Join(out.Dir(), report.VideoFile), err)
		} else {
			codec = video.Codec()
			data.VideoName = report.VideoFile
		}
	}
	if page != nil {
		htmlErr = <-page
	}
	// out is the page's until here.
	if videoErr != nil {
		// Made again without the link, also when it failed: a full disk
		// the video was filling has room once the video is dropped.
		out.Drop(report.VideoFile)
		if html {
			if plots != nil {
				data.Plots = plots()
			}
			out.Drop(report.HTMLFile)
			htmlErr = out.StageReport(ctx, data, report.HTMLFile)
		}
	}
	return codec, videoErr, htmlErr
}
