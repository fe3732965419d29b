package vision

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	// The display probe runs this test binary as its child.
	ServeDisplayProbe()
	// Keep OpenCV's and FFmpeg's chatter about deliberately broken test
	// inputs out of the test log.
	Quiet()
	os.Exit(m.Run())
}
