//go:build unix

package pipeline

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/vision"
)

// TestInputDigestRefusesDevicesAndPipes: a device or a named pipe given as
// an input is refused at once rather than hashed: /dev/zero never ends and
// a FIFO blocks until something writes to it, and analyze hashes an input
// before it opens it.
func TestInputDigestRefusesDevicesAndPipes(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "clip.mp4")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dev/zero", fifo} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := InputDigest(path)
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, vision.ErrNotRegularFile) {
					t.Errorf("err %v, want vision.ErrNotRegularFile", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("InputDigest still reading after 10 s")
			}
		})
	}
}
