package vision

import (
	"path/filepath"
)

// ffmpegPath returns path in a form FFmpeg (as a command-line argument, or
// through OpenCV's FFmpeg backend) reads as a plain local file: absolute,
// so a name starting with "-" is never taken for an option and one like
// "http:clip.mp4" or "concat:a|b" never for a protocol (FFmpeg looks for a
// scheme only in names that do not start with "/"). When the absolute path
// cannot be found (the working directory is gone), "./" is prefixed
// instead, which has the same effect.
func ffmpegPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	if filepath.IsAbs(path) {
		return path
	}
	return "." + string(filepath.Separator) + path
}
