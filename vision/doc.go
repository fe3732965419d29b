// Package vision is kneescreen's edge to GoCV (cgo/OpenCV 4.6 and its FFmpeg
// backend): it turns videos, cameras and image folders into upright RGBA
// frames, and writes frames back out as video. It is, with cmd/kneescreen,
// the only package that uses cgo; everything downstream sees plain Go images
// (drawing the analysis on frames is package overlay's job, in pure Go).
//
// Every source is a FrameSource: Next returns frames in order and io.EOF
// at the end. Stream runs a source in its own goroutine behind a small
// bounded channel for pipelines that decode while they compute. A Video
// can hand out its frames reduced (SetReduction), bit for bit what reducing
// them afterwards gives, at less cost, and as BGR (SetBGR, Frame.BGR, an
// internal/bgr image) for a consumer that reads OpenCV's byte order, such
// as the pose estimator's resampler, so a frame need not be converted to
// RGBA at all; BGRConverter makes RGBA of such a frame where it is still
// needed, exactly as the source would have. Probe
// describes a file; CreateVideo and CreateVideoEncoder write one (H.264
// through an ffmpeg pipe when ffmpeg has libx264, OpenCV's writer
// otherwise).
//
// A live session reads through OpenLive (a camera by index or device, a
// network stream, a pipe, or a file played as if it were a camera) and
// StartLatest, which captures on its own goroutine and keeps only the
// newest frame, so a slow consumer drops frames instead of falling behind;
// a Recorder writes what was captured at a constant frame rate, and a
// Window shows frames on the desktop (OpenCV's highgui; ProbeDisplay
// checks in a child process that one can open, since the window system
// ends a process that cannot reach its display).
//
// OpenCV and its FFmpeg backend print warnings and decoder complaints
// straight to stderr; programs that want only their own messages call
// Quiet first (the kneescreen command does).
package vision
