package vision

import (
	"context"
	"errors"
	"io"
	"math"
)

// ProbeResult describes a video file after decoding all of it.
type ProbeResult struct {
	Path      string `json:"path"`
	Container string `json:"container,omitempty"`
	Codec     string `json:"codec,omitempty"`
	// Width and Height are the upright frame size.
	Width  int     `json:"width"`
	Height int     `json:"height"`
	FPS    float64 `json:"fps"`
	// FrameCount is the number of frames that really decode.
	FrameCount int `json:"frame_count"`
	// HeaderFrameCount is what the header announces (-1: unknown); see
	// Info.FrameCount for why the two can differ.
	HeaderFrameCount int `json:"header_frame_count"`
	// Duration is the time the decoded frames cover, in seconds: the last
	// frame's time plus one frame interval.
	Duration float64 `json:"duration"`
	// Rotation is the clockwise turn applied to make frames upright.
	Rotation int `json:"rotation"`
}

// Probe opens the video at path and decodes every frame to count them,
// without converting pixels. Errors are *SourceError values as from
// OpenVideo and Next; ctx cancels the decoding.
func Probe(ctx context.Context, path string) (ProbeResult, error) {
	v, err := OpenVideo(path)
	if err != nil {
		return ProbeResult{}, err
	}
	defer v.Close()
	info := v.Info()
	r := ProbeResult{
		Path: path, Container: info.Container, Codec: info.Codec, Width: info.Width, Height: info.Height,
		FPS: info.FPS, HeaderFrameCount: info.FrameCount, Rotation: info.Rotation,
	}
	last := 0.0
	for {
		t, err := v.advance(ctx, nil)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return r, err
		}
		last = t
		v.index++
	}
	r.FrameCount = v.index
	r.Duration = last
	if info.FPS > 0 {
		r.Duration += 1 / info.FPS
	}
	r.Duration = math.Round(r.Duration*1e6) / 1e6 // no float noise in reports
	return r, nil
}
