package vision

/*
#cgo !windows pkg-config: opencv4
#cgo CXXFLAGS: --std=c++11
#include "logging.h"
*/
import "C"

import "os"

// logLevelSilent is cv::utils::logging::LOG_LEVEL_SILENT.
const logLevelSilent = 0

// Quiet stops OpenCV and its FFmpeg backend from printing warnings and
// decoder complaints on stderr; errors still reach callers as Go errors.
// Command-line programs call it once at start, before opening any source,
// so their own one-line errors are all the user sees. OPENCV_LOG_LEVEL and
// OPENCV_FFMPEG_LOGLEVEL set by the user still win.
func Quiet() {
	if _, set := os.LookupEnv("OPENCV_FFMPEG_LOGLEVEL"); !set {
		// Read by OpenCV when its FFmpeg backend first starts; 0 is
		// AV_LOG_PANIC, the quietest level OpenCV accepts.
		os.Setenv("OPENCV_FFMPEG_LOGLEVEL", "0")
	}
	if _, set := os.LookupEnv("OPENCV_LOG_LEVEL"); !set {
		// OpenCV reads OPENCV_LOG_LEVEL when the library loads, before Go
		// runs, so the level is set through the API instead.
		C.vision_set_opencv_log_level(logLevelSilent)
	}
}
