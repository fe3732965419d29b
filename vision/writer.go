package vision

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kneescreen/kneescreen/internal/atomicfile"
	"gocv.io/x/gocv"
)

// ErrWriterClosed is returned by Write after Close or Abort.
var ErrWriterClosed = errors.New("vision: video writer is closed")

// codecsFor lists, best first, the FourCCs tried for a file extension.
// H.264 ("avc1") plays everywhere, including browsers, but needs an FFmpeg
// build with an H.264 encoder; MPEG-4 part 2 ("mp4v") is built into every
// FFmpeg and is the fallback.
func codecsFor(ext string) []string {
	switch strings.ToLower(ext) {
	case ".avi":
		return []string{"MJPG"}
	case ".webm":
		return []string{"VP80"}
	case ".mkv":
		return []string{"avc1", "mp4v", "MJPG"}
	default: // .mp4, .mov, .m4v
		return []string{"avc1", "mp4v"}
	}
}

// VideoWriter writes RGBA frames to a video file. Frames go to a hidden
// temporary file beside the destination, which Close renames into place,
// so no half-written video ever sits under the final name.
type VideoWriter struct {
	path, tmp     string
	codec         string
	encoder       Encoder
	width, height int
	ff            *ffmpegPipe       // EncoderFFmpeg
	vw            *gocv.VideoWriter // EncoderOpenCV
	rgba, bgr     gocv.Mat
	frames        int
	closed        bool
	err           error // why a Write closed the writer; Close repeats it
}

// CreateVideo starts a video at path (the extension picks the container:
// .mp4, .mov, .avi, .webm, .mkv) with frames of width x height at fps,
// with the encoder EncoderEnv names or else EncoderAuto. It is
// CreateVideoEncoder without a context.
func CreateVideo(path string, fps float64, width, height int) (*VideoWriter, error) {
	return CreateVideoEncoder(context.Background(), path, fps, width, height, EncoderAuto)
}

// CreateVideoEncoder is CreateVideo with a chosen encoder (EncoderAuto
// defers to EncoderEnv, then picks ffmpeg when it can). The ffmpeg encoder
// writes H.264; when ctx is cancelled its process is stopped, Write and
// Close fail, and no file is left. The OpenCV encoder uses the first codec
// of the extension's list that this OpenCV build can encode. Encoder and
// Codec say what was chosen.
func CreateVideoEncoder(ctx context.Context, path string, fps float64, width, height int, enc Encoder) (*VideoWriter, error) {
	return createVideo(ctx, path, fps, width, height, enc, false)
}

// StartFFmpegVideo is CreateVideoEncoder with EncoderFFmpeg for a caller
// that starts its encoder well before the first frame: when it is not yet
// known whether the ffmpeg on PATH has libx264, ffmpeg is not asked first
// (a second ffmpeg start, 0.2-0.3 s of CPU) but started to encode, and
// its start answers; Ready waits for the answer, which ffmpegH264 then
// knows too, so a writer created after an ErrNoFFmpeg asks no ffmpeg
// again. It returns ErrNoFFmpeg at once when the answer is already known
// to be no.
func StartFFmpegVideo(ctx context.Context, path string, fps float64, width, height int) (*VideoWriter, error) {
	return createVideo(ctx, path, fps, width, height, EncoderFFmpeg, true)
}

// Ready waits until the encoder is known to work: for a StartFFmpegVideo
// writer whose ffmpeg was not asked, until it has said it has libx264. It
// returns ErrNoFFmpeg (wrapped) when it has not, or why ffmpeg stopped;
// the writer is then closed and its file removed. Write waits for it too.
func (w *VideoWriter) Ready() error {
	if w.closed {
		return w.err
	}
	if w.ff == nil {
		return nil
	}
	if err := w.ff.confirm(); err != nil {
		w.closed = true
		os.Remove(w.tmp)
		w.err = fmt.Errorf("vision: create %s: %w", w.path, err)
		return w.err
	}
	return nil
}

// createVideo is CreateVideoEncoder; with probe (EncoderFFmpeg only) it
// is StartFFmpegVideo.
func createVideo(ctx context.Context, path string, fps float64, width, height int, enc Encoder, probe bool) (*VideoWriter, error) {
	if !(fps > 0) || width <= 0 || height <= 0 {
		return nil, fmt.Errorf("vision: create %s: need positive fps and size, got %v fps, %dx%d", path, fps, width, height)
	}
	var ffmpeg string
	confirmed := true
	var err error
	if probe {
		enc, err = EncoderFFmpeg, ffmpegWrites(filepath.Ext(path), width, height)
		if err == nil {
			var ok bool
			ffmpeg, ok, confirmed, err = knownH264()
			if err != nil || (confirmed && !ok) {
				err = ErrNoFFmpeg
			}
		}
	} else {
		enc, err = chooseEncoder(enc, filepath.Ext(path), width, height)
		if err == nil && enc == EncoderFFmpeg {
			ffmpeg, err = exec.LookPath("ffmpeg")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("vision: create %s: %w", path, err)
	}
	if enc == EncoderFFmpeg {
		tmp, err := atomicfile.TempPath(path)
		if err != nil {
			return nil, fmt.Errorf("vision: create %s: %w", path, err)
		}
		ff, err := startFFmpeg(ctx, ffmpeg, tmp, fps, width, height, confirmed)
		if err != nil {
			os.Remove(tmp)
			return nil, fmt.Errorf("vision: create %s: start ffmpeg: %w", path, err)
		}
		return &VideoWriter{path: path, tmp: tmp, codec: "avc1", encoder: EncoderFFmpeg, width: width, height: height, ff: ff}, nil
	}
	var tried []string
	for _, codec := range codecsFor(filepath.Ext(path)) {
		tmp, err := atomicfile.TempPath(path)
		if err != nil {
			return nil, fmt.Errorf("vision: create %s: %w", path, err)
		}
		vw, err := gocv.VideoWriterFile(ffmpegPath(tmp), codec, fps, width, height, true)
		if err == nil && vw.IsOpened() {
			return &VideoWriter{
				path: path, tmp: tmp, codec: codec, encoder: EncoderOpenCV, width: width, height: height, vw: vw,
				rgba: gocv.NewMat(), bgr: gocv.NewMat(),
			}, nil
		}
		if vw != nil {
			vw.Close()
		}
		os.Remove(tmp)
		tried = append(tried, codec)
	}
	return nil, fmt.Errorf("vision: create %s: this OpenCV/FFmpeg build cannot encode %s for %q files", path, strings.Join(tried, " or "), filepath.Ext(path))
}

// Codec returns the FourCC being written, e.g. "avc1" or "mp4v".
func (w *VideoWriter) Codec() string { return w.codec }

// Encoder returns the encoder writing the video: EncoderFFmpeg or
// EncoderOpenCV.
func (w *VideoWriter) Encoder() Encoder { return w.encoder }

// Write appends one frame; img must have the size given to CreateVideo.
func (w *VideoWriter) Write(img *image.RGBA) error {
	if w.closed {
		return ErrWriterClosed
	}
	if img.Rect.Dx() != w.width || img.Rect.Dy() != w.height {
		return fmt.Errorf("vision: write %s: frame is %dx%d, video is %dx%d", w.path, img.Rect.Dx(), img.Rect.Dy(), w.width, w.height)
	}
	if w.ff != nil {
		if err := w.ff.write(img); err != nil {
			// ffmpeg has stopped: the file can never be finished.
			w.closed = true
			os.Remove(w.tmp)
			w.err = fmt.Errorf("vision: write %s: %w", w.path, err)
			return w.err
		}
		w.frames++
		return nil
	}
	if err := rgbaToBGR(img, &w.rgba, &w.bgr); err != nil {
		return fmt.Errorf("vision: write %s: %w", w.path, err)
	}
	if err := w.vw.Write(w.bgr); err != nil {
		return fmt.Errorf("vision: write %s: %w", w.path, err)
	}
	w.frames++
	return nil
}

// Close finishes the file, checks it (verifyWritten) and moves it to its
// destination. A video without frames is discarded with an error rather
// than left empty, and so is one whose file is incomplete: the destination
// is replaced only by a video that holds every frame written. With the
// ffmpeg encoder Close waits for ffmpeg; if it failed (or the context was
// cancelled) nothing is saved and the error says why in one line.
func (w *VideoWriter) Close() error {
	if w.closed {
		return w.err
	}
	if w.ff != nil && w.frames > 0 {
		w.closed = true
		if err := w.ff.finish(); err != nil {
			os.Remove(w.tmp)
			w.err = fmt.Errorf("vision: encode %s: %w", w.path, err)
			return w.err
		}
	} else {
		w.release()
	}
	if w.frames == 0 {
		os.Remove(w.tmp)
		return fmt.Errorf("vision: %s: no frames written; nothing saved", w.path)
	}
	// The encoder's word is not enough: ffmpeg exits 0 after a full disk
	// cut its file short, and OpenCV's writer reports no write errors at
	// all. What it wrote is checked before it may replace anything.
	if err := verifyWritten(w.tmp, w.frames); err != nil {
		os.Remove(w.tmp)
		w.err = fmt.Errorf("vision: encode %s: %w; nothing saved", w.path, err)
		return w.err
	}
	// The temporary file was created private (0600) and FFmpeg keeps the
	// mode of a file it truncates; the video is an ordinary output file.
	if err := os.Chmod(w.tmp, 0o644); err != nil {
		os.Remove(w.tmp)
		return fmt.Errorf("vision: save %s: %w", w.path, err)
	}
	if err := atomicfile.Publish(w.tmp, w.path); err != nil {
		return fmt.Errorf("vision: save %s: %w", w.path, err)
	}
	return nil
}

// Abort stops writing and removes the temporary file; the destination is
// untouched. It does nothing after Close.
func (w *VideoWriter) Abort() error {
	if w.closed {
		return nil
	}
	w.release()
	return os.Remove(w.tmp)
}

func (w *VideoWriter) release() {
	w.closed = true
	if w.ff != nil {
		w.ff.kill()
		return
	}
	w.vw.Close()
	w.rgba.Close()
	w.bgr.Close()
}

// ErrIncomplete reports that an encoder's output file is not a complete
// video of the frames written (a full disk, a killed encoder).
var ErrIncomplete = errors.New("the encoder's file is incomplete")

// verifyWritten checks the file an encoder wrote for frames frames: its
// container must be one this package recognises with every top-level
// element inside the file and an index (the sniffer's checks: a file cut
// short by a full disk has neither a complete 'mdat' nor a 'moov'), its
// first frame must decode, and its header must list every frame (exactly
// for MP4, QuickTime and AVI, whose indexes count samples; within one for
// Matroska and WebM, whose count OpenCV estimates from the duration).
// Checking the index rather than decoding every frame keeps this cheap.
func verifyWritten(path string, frames int) error {
	v, err := OpenVideo(path)
	if err != nil {
		var se *SourceError
		if errors.As(err, &se) {
			err = se.Err
		}
		return fmt.Errorf("%w: %w", ErrIncomplete, err)
	}
	defer v.Close()
	info := v.Info()
	n := info.FrameCount
	switch info.Container {
	case "mp4", "mov", "avi":
		if n != frames {
			return fmt.Errorf("%w: its index lists %d of the %d frames written", ErrIncomplete, n, frames)
		}
	case "webm", "matroska":
		if n > 0 && (n < frames-1 || n > frames+1) {
			return fmt.Errorf("%w: it holds about %d of the %d frames written", ErrIncomplete, n, frames)
		}
	default:
		return fmt.Errorf("%w: not a container this writer makes", ErrIncomplete)
	}
	return nil
}
