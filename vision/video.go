package vision

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"math"
	"os"

	"gocv.io/x/gocv"
)

// Video is a FrameSource reading a video file (mp4, mov, webm, avi and
// anything else FFmpeg decodes) through OpenCV's FFmpeg backend.
type Video struct {
	info    Info
	movie   float64 // header's presentation length (MP4/MOV), 0 unknown
	c       *capture
	index   int
	t0      float64 // container time of frame 0, seconds
	prev    float64 // Time of the previous frame
	pending bool    // a frame was read ahead by openVideo and not yet returned
}

// maxShortfall is how much of what the header promises may fail to decode
// before a video counts as corrupt: OpenCV ends a file quietly at the
// first undecodable stretch, so a shortfall is the only sign. MP4/MOV are
// judged by time against the movie header's duration, which honours edit
// lists (clips trimmed without re-encoding store many samples they never
// show, two thirds in the trimmed test clip); AVI by its exact frame count. The
// slack covers audio tracks that outlast the video a little.
const maxShortfall = 0.10

// OpenVideo opens a video file. Errors are *SourceError wrapping
// ErrNotFound, ErrIsDirectory, ErrNotRegularFile, ErrEmptyFile, ErrTruncated, ErrNotVideo or
// ErrNoFrames; a photo (IsImageFile), read as a one-frame video, is checked
// as an image folder's images are, so also ErrBadImage.
func OpenVideo(path string) (*Video, error) {
	ci, err := checkFile(path)
	if err != nil {
		return nil, sourceErr(path, err)
	}
	vc, err := gocv.VideoCaptureFileWithAPI(ffmpegPath(path), gocv.VideoCaptureFFmpeg)
	if err != nil || !vc.IsOpened() {
		vc.Close()
		return nil, sourceErr(path, ErrNotVideo)
	}
	// OpenCV 4.6 turns ±90° videos the wrong way (opencv/opencv#22088), so
	// rotation is read from the metadata and applied here instead.
	vc.Set(propOrientationAuto, 0)
	rotation := metaRotation(vc.Get(propOrientationMeta), gocv.OpenCVVersion())
	w, h := int(vc.Get(gocv.VideoCaptureFrameWidth)), int(vc.Get(gocv.VideoCaptureFrameHeight))
	if rotation == 90 || rotation == 270 {
		w, h = h, w
	}
	fps := vc.Get(gocv.VideoCaptureFPS)
	if fps <= 0 || math.IsNaN(fps) || math.IsInf(fps, 0) {
		fps = 0
	}
	count := -1
	if n := vc.Get(gocv.VideoCaptureFrameCount); n > 0 && n < 1e9 {
		count = int(math.Round(n))
	}
	v := &Video{
		info: Info{
			Path: path, Kind: KindVideo, Container: ci.format, Codec: fourcc(vc.Get(gocv.VideoCaptureFOURCC)),
			Width: w, Height: h, FPS: fps, FrameCount: count, Rotation: rotation,
		},
		movie: ci.duration,
		c:     newCapture(vc, rotation),
	}
	switch {
	case ci.duration > 0:
		v.info.Duration = ci.duration
	case count > 0 && fps > 0:
		v.info.Duration = float64(count) / fps
	}
	// Read the first frame now so "opens but decodes nothing" fails here,
	// where callers expect open errors.
	ok, err := v.c.read(context.Background())
	if err != nil || !ok {
		v.Close()
		if ci.format == "" {
			return nil, sourceErr(path, ErrNotVideo)
		}
		return nil, sourceErr(path, ErrNoFrames)
	}
	v.pending = true
	return v, nil
}

// checkFile rejects what is plainly not a readable video before OpenCV
// sees it, so each case gets its own error, and sniffs the container.
func checkFile(path string) (containerInfo, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return containerInfo{}, ErrNotFound
	case err != nil:
		return containerInfo{}, err
	case st.IsDir():
		return containerInfo{}, ErrIsDirectory
	case !st.Mode().IsRegular():
		return containerInfo{}, CheckRegular(st.Mode())
	case st.Size() == 0:
		return containerInfo{}, ErrEmptyFile
	}
	f, err := os.Open(path)
	if err != nil {
		return containerInfo{}, openErr(err)
	}
	defer f.Close()
	if IsImageFile(path) { // a photo, which FFmpeg reads as one frame
		return containerInfo{}, checkStill(f, st.Size())
	}
	ci, err := sniff(f, st.Size())
	var se *structureError
	if errors.As(err, &se) {
		return ci, fmt.Errorf("%w: %s", ErrTruncated, se.msg)
	}
	return ci, err
}

// CheckRegular returns nil when m is a regular file's mode, and otherwise
// an error wrapping ErrNotRegularFile that names what the path is. Inputs
// are read to their end (decoded, hashed): a device or a pipe has no end
// (/dev/zero never ends, a FIFO blocks until something writes to it), so
// it is refused before anything reads it. Callers that take folders check
// for them first.
func CheckRegular(m fs.FileMode) error {
	if m.IsRegular() {
		return nil
	}
	return fmt.Errorf("%w but %s; give a video file", ErrNotRegularFile, fileKind(m))
}

// openErr is the cause of a failure to open a file, without the path
// (e.g. "permission denied"): the SourceError names the file.
func openErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// fileKind names what a path that is not a regular file is.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (for a live stream use kneescreen live --camera)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return fmt.Sprintf("of type %s", m.Type())
}

// metaRotation turns OpenCV's CAP_PROP_ORIENTATION_META into the clockwise
// rotation that makes frames upright. OpenCV 4.6.0 reports the angle with
// the wrong sign (fixed in 4.7), which only matters for 90 and 270.
func metaRotation(meta float64, openCVVersion string) int {
	r := ((int(math.Round(meta)) % 360) + 360) % 360
	if openCVVersion == "4.6.0" {
		r = (360 - r) % 360
	}
	switch r {
	case 0, 90, 180, 270:
		return r
	}
	return 0 // odd angles are not something cameras write; leave as stored
}

// Info implements FrameSource.
func (v *Video) Info() Info { return v.info }

// Next implements FrameSource.
func (v *Video) Next(ctx context.Context) (Frame, error) { return nextReusing(ctx, v, &v.c.img) }

// NextInto implements IntoSource.
func (v *Video) NextInto(ctx context.Context, dst image.Image) (Frame, error) {
	t, err := v.advance(ctx, dst)
	if err != nil {
		return Frame{}, err
	}
	f, err := v.c.frame(dst)
	if err != nil {
		return Frame{}, sourceErr(v.info.Path, fmt.Errorf("frame %d: %w", v.index, err))
	}
	f.Index, f.Time = v.index, t
	v.index++
	return f, nil
}

// advance reads the next frame (or takes the one read ahead) and returns
// its time; io.EOF at the end, ErrTruncated when the end comes far too
// early for the header's frame count.
func (v *Video) advance(ctx context.Context, dst image.Image) (float64, error) {
	if v.c.closed {
		return 0, sourceErr(v.info.Path, errClosed)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if v.pending {
		v.pending = false
	} else {
		ok, err := v.c.readInto(ctx, dst)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, v.endError()
		}
	}
	return v.frameTime(v.c.vc.Get(gocv.VideoCapturePosMsec) / 1000), nil
}

// frameTime maps the container time of the frame just read to Frame.Time.
// OpenCV 4.6 reports 0 for the last frames drained from the decoder at the
// end of a file; any time that fails to advance is replaced by the previous
// time plus one frame interval.
func (v *Video) frameTime(pts float64) float64 {
	if v.index == 0 {
		v.t0, v.prev = pts, 0
		return 0
	}
	t := pts - v.t0
	if !(t > v.prev) || math.IsNaN(t) || math.IsInf(t, 0) {
		step := 0.0
		if v.info.FPS > 0 {
			step = 1 / v.info.FPS
		}
		t = v.prev + step
	}
	v.prev = t
	return t
}

// endError decides whether the end of decoding is the end of the file
// (io.EOF) or a sign of damage (ErrTruncated); see maxShortfall.
func (v *Video) endError() error {
	if v.movie > 0 {
		span := v.prev
		if v.info.FPS > 0 {
			span += 1 / v.info.FPS
		}
		if span < (1-maxShortfall)*v.movie {
			return sourceErr(v.info.Path, fmt.Errorf("%w: frames decode for only %.2f s of the %.2f s its header states", ErrTruncated, span, v.movie))
		}
		return io.EOF
	}
	n, want := v.index, v.info.FrameCount
	if v.info.Container == "avi" && want > 0 && float64(want-n) > maxShortfall*float64(want) {
		return sourceErr(v.info.Path, fmt.Errorf("%w: only %d of the %d frames its header lists decode", ErrTruncated, n, want))
	}
	return io.EOF
}

// SetReduction makes the frames Next returns from now on k times smaller
// in each direction (k > 1; 1 or less: full size again), each pixel the
// rounded mean of a k x k block of the upright frame, alpha opaque, edge
// pixels that fill no block dropped: exactly what reducing Next's
// full-size frame would give, byte for byte, without converting and
// copying the full-size frame first (for a phone's 1080x1920 frame
// reduced to 540x960, half of what handing it to Go costs). Info still
// describes the full-size frames.
func (v *Video) SetReduction(k int) { v.c.reduce = k }

// SetBGR makes the frames Next returns from now on BGR frames (Frame.BGR)
// when on: the decoded bytes turned upright and reduced as for Image, but
// not converted to RGBA, for a consumer that reads BGR (the pose
// estimator's crop resampler) and would otherwise pay for converting
// every full-size frame. Frames whose reduction OpenCV cannot make
// exactly as SetReduction's (factors above 2) and frames not decoded as
// 8-bit BGR still come as Image.
func (v *Video) SetBGR(on bool) { v.c.bgrOut = on }

// Close implements FrameSource.
func (v *Video) Close() error {
	v.c.close()
	return nil
}
