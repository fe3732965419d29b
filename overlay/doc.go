// Package overlay draws kneescreen's analysis on video frames: the
// skeleton, the hip-knee-ankle angles, the legs coloured by their worst
// screening finding and a few lines of text (rep counter, movement, live
// FPPA). Annotator maps a screening report to each frame's Overlay; a Drawer
// renders an Overlay onto an *image.RGBA in pure Go (golang.org/x/image's
// vector rasteriser and the embedded Go Bold font).
//
// It builds without cgo, so the annotated video, the HTML report's key
// frames, a live display and a server all share it; reading and writing
// frames (GoCV) stays in package vision.
package overlay
