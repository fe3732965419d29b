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
	c       *capture
	index   int
	t0      float64 // container time of frame 0, seconds
	prev    float64 // Time of the previous frame
	pending bool    // a frame was read ahead by openVideo and not yet returned
}

// maxHiddenFraction is the share of the header's frame count that may fail
// to appear before a video counts as truncated. MP4/MOV headers count every
// stored sample, but edit lists legitimately hide some (encoder priming,
// clips trimmed without re-encoding: one real trimmed clip hides 7%), while
// a file cut or corrupted mid-way loses far more.
const maxHiddenFraction = 0.10

// OpenVideo opens a video file. Errors are *SourceError wrapping
// ErrNotFound, ErrIsDirectory, ErrEmptyFile, ErrTruncated, ErrNotVideo or
// ErrNoFrames.
func OpenVideo(path string) (*Video, error) {
	ci, err := checkFile(path)
	if err != nil {
		return nil, sourceErr(path, err)
	}
	vc, err := gocv.VideoCaptureFileWithAPI(path, gocv.VideoCaptureFFmpeg)
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
		c: newCapture(vc, rotation),
	}
	if count > 0 && fps > 0 {
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
		return containerInfo{}, fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	case st.Size() == 0:
		return containerInfo{}, ErrEmptyFile
	}
	f, err := os.Open(path)
	if err != nil {
		return containerInfo{}, err // e.g. permission denied; names the cause
	}
	defer f.Close()
	ci, err := sniff(f, st.Size())
	var se *structureError
	if errors.As(err, &se) {
		return ci, fmt.Errorf("%w: %s", ErrTruncated, se.msg)
	}
	return ci, err
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
func (v *Video) Next(ctx context.Context) (Frame, error) {
	f, err := v.nextInto(ctx, v.c.img)
	if err == nil {
		v.c.img = f.Image
	}
	return f, err
}

// nextInto is Next writing into dst (see intoSource).
func (v *Video) nextInto(ctx context.Context, dst *image.RGBA) (Frame, error) {
	t, err := v.advance(ctx)
	if err != nil {
		return Frame{}, err
	}
	img, err := v.c.image(dst)
	if err != nil {
		return Frame{}, sourceErr(v.info.Path, fmt.Errorf("frame %d: %w", v.index, err))
	}
	f := Frame{Index: v.index, Time: t, Image: img}
	v.index++
	return f, nil
}

// advance reads the next frame (or takes the one read ahead) and returns
// its time; io.EOF at the end, ErrTruncated when the end comes far too
// early for the header's frame count.
func (v *Video) advance(ctx context.Context) (float64, error) {
	if v.c.closed {
		return 0, sourceErr(v.info.Path, errors.New("source is closed"))
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if v.pending {
		v.pending = false
	} else {
		ok, err := v.c.read(ctx)
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

func (v *Video) endError() error {
	n, want := v.index, v.info.FrameCount
	exact := v.info.Container == "mp4" || v.info.Container == "mov" || v.info.Container == "avi"
	if exact && want > 0 && float64(want-n) > maxHiddenFraction*float64(want) {
		return sourceErr(v.info.Path, fmt.Errorf("%w: only %d of the %d frames its header lists decode", ErrTruncated, n, want))
	}
	return io.EOF
}

// Close implements FrameSource.
func (v *Video) Close() error {
	v.c.close()
	return nil
}
