// Package vision is kneescreen's edge to GoCV (cgo/OpenCV 4.6 and its FFmpeg
// backend): it turns videos, cameras and image folders into upright RGBA
// frames, and writes frames back out as video. It is, with cmd/kneescreen,
// the only package that uses cgo; everything downstream sees plain Go images
// (drawing the analysis on frames is package overlay's job, in pure Go).
//
// Every source is a FrameSource: Next returns frames in order and io.EOF
// at the end. Stream runs a source in its own goroutine behind a small
// bounded channel for pipelines that decode while they compute. Probe
// describes a file; CreateVideo and CreateVideoEncoder write one (H.264
// through an ffmpeg pipe when ffmpeg has libx264, OpenCV's writer
// otherwise).
//
// OpenCV and its FFmpeg backend print warnings and decoder complaints
// straight to stderr; programs that want only their own messages call
// Quiet first (the kneescreen command does).
package vision
