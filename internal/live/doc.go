// Package live runs a live screening session: frames from a camera (or a
// file played as one), the pose of each, the streaming screen
// (screening.Stream), one coaching cue at a time, the overlay on every
// frame shown, and events as JSON lines: each rep's metrics and findings,
// each cue, and the frame rate, latency and drops every second.
//
// It is pure Go. What touches a device (capture, the window, the model)
// comes in through small interfaces (Source, Estimator, Display, Speaker),
// so a session runs in tests with fakes; the kneescreen command wires
// package vision's capture and window and the pipeline's frame estimator
// to it.
//
// The loop is one goroutine: take the newest frame (older ones were
// dropped by the source), estimate, screen, draw, show. Latency is
// measured from a frame's capture to its overlay shown (or drawn, without
// a display). A rep's verdict, one batch analysis of the rep's own frames,
// runs on a second goroutine so the loop never waits for it; it arrives a
// frame or two after the rep's end.
package live
