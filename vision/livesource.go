package vision

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"gocv.io/x/gocv"
)

// OpenLive opens what a live session reads, named as a user names it:
//
//   - "0", "1", ...: a camera by index (V4L2 /dev/videoN on Linux);
//   - "/dev/videoN" (any character device): that camera;
//   - "rtsp://...", "http://...", "https://...", "rtmp://...", "udp://...",
//     "tcp://...", "srt://...": a network stream, through FFmpeg;
//   - a regular file: a video played as if it were a camera (the caller
//     paces it; see LatestOptions.Pace);
//   - a named pipe: a live stream FFmpeg can read (e.g. y4m or MJPEG
//     piped from another program).
//
// It returns the source and whether it is a file (to be paced). A camera
// or stream that cannot be opened gives a *SourceError wrapping
// ErrNoCamera; a missing file ErrNotFound; a file OpenVideo rejects its
// error.
func OpenLive(spec string) (src FrameSource, file bool, err error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		spec = "0"
	}
	if n, err := strconv.Atoi(spec); err == nil {
		c, err := OpenCamera(n)
		return c, false, err
	}
	if isStreamURL(spec) {
		c, err := openStream(spec, gocv.VideoCaptureFFmpeg)
		return c, false, err
	}
	st, err := os.Stat(spec)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if strings.HasPrefix(spec, "/dev/") {
			return nil, false, sourceErr(spec, fmt.Errorf("%w: no such device (is the camera connected?)", ErrNoCamera))
		}
		return nil, false, sourceErr(spec, ErrNotFound)
	case err != nil:
		return nil, false, sourceErr(spec, err)
	case st.Mode()&fs.ModeCharDevice != 0:
		c, err := openStream(spec, gocv.VideoCaptureV4L2)
		return c, false, err
	case st.Mode()&fs.ModeNamedPipe != 0:
		c, err := openStream(spec, gocv.VideoCaptureFFmpeg)
		return c, false, err
	}
	v, err := OpenVideo(spec)
	if err != nil {
		return nil, false, err
	}
	return v, true, nil
}

// isStreamURL reports whether spec names a network stream FFmpeg reads.
func isStreamURL(spec string) bool {
	i := strings.Index(spec, "://")
	if i <= 0 {
		return false
	}
	switch strings.ToLower(spec[:i]) {
	case "rtsp", "rtsps", "http", "https", "rtmp", "udp", "tcp", "srt":
		return true
	}
	return false
}

// openStream opens a device path or a stream through api as a Camera.
func openStream(name string, api gocv.VideoCaptureAPI) (*Camera, error) {
	vc, err := gocv.VideoCaptureFileWithAPI(name, api)
	if err != nil || !vc.IsOpened() {
		vc.Close()
		hint := "cannot open it"
		if api == gocv.VideoCaptureV4L2 {
			hint = "cannot open it (is it a camera, not in use by another program, and may this user read it?)"
		}
		return nil, sourceErr(name, fmt.Errorf("%w: %s", ErrNoCamera, hint))
	}
	return newCamera(name, vc), nil
}
