package web

import "context"

// VideoInfo is what probing an upload tells.
type VideoInfo struct {
	// Container is "mp4", "mov", "webm", "matroska", "avi" or "".
	Container string  `json:"container,omitempty"`
	Codec     string  `json:"codec,omitempty"`
	Width     int     `json:"width"`
	Height    int     `json:"height"`
	FPS       float64 `json:"fps"`
	// Duration is in seconds (0 when the header does not say).
	Duration float64 `json:"duration_s"`
	Rotation int     `json:"rotation"`
}

// Prober checks that an uploaded file is a video it can analyse, before
// the upload is stored and queued. Its error is shown to the uploader as
// is: one line naming the problem (the path in it is the server's
// temporary file, so the caller names the upload instead).
type Prober interface {
	Probe(ctx context.Context, path string) (VideoInfo, error)
}
