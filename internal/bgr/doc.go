// Package bgr is an in-memory image whose pixels are three bytes, blue,
// green and red, as OpenCV decodes video. Pass one hands such frames
// straight to the pose estimator, whose crop resampler reads them in this
// layout, so a decoded frame need not be converted to RGBA first. It is
// pure Go, so the pure layers (models) can read what vision makes.
package bgr
