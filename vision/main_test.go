package vision

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	// Keep OpenCV's and FFmpeg's chatter about deliberately broken test
	// inputs out of the test log.
	Quiet()
	os.Exit(m.Run())
}
