//go:build unix

package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/vision"
)

// TestInputDigestRefusesDevicesAndPipes: a device or a named pipe given as
// an input is refused at once rather than hashed: /dev/zero never ends and
// a FIFO blocks until something writes to it, and analyze hashes an input
// before it opens it. The error names what the path is, in vision's words
// (the one check both use).
func TestInputDigestRefusesDevicesAndPipes(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "clip.mp4")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{"/dev/zero": "a character device", fifo: "a named pipe"} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := InputDigest(path)
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, vision.ErrNotRegularFile) || !strings.Contains(err.Error(), kind) {
					t.Errorf("err %v, want vision.ErrNotRegularFile naming %s", err, kind)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("InputDigest still reading after 10 s")
			}
		})
	}
}

// TestInputDigestStopsWhenCancelled: hashing a large input (16 GiB, a
// sparse file) ends with the context's error soon after it is cancelled,
// so Ctrl-C does not wait for gigabytes to be read.
func TestInputDigestStopsWhenCancelled(t *testing.T) {
	big := sparseFile(t, t.TempDir(), 16<<30)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := InputDigestContext(ctx, big)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stopped %v after the start, want soon after the cancel at 0.1 s", d)
	}
}

// TestInputDigestInBackground: the digest Run computes beside pass one is
// InputDigest's, a digest the caller knows is taken as given, and stop
// ends a long hash (16 GiB, sparse) at once and returns only when nothing
// reads the input any more, so no read outlives Run.
func TestInputDigestInBackground(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "clip.mp4")
	if err := os.WriteFile(small, []byte("not really a video, but bytes to hash"), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := InputDigest(small)
	if err != nil {
		t.Fatal(err)
	}
	d := inputDigest(context.Background(), small, "")
	if got, err := d.wait(); got != want || err != nil {
		t.Errorf("background digest %q, %v; want %q", got, err, want)
	}
	d.stop()
	known := strings.Repeat("a", 64)
	d = inputDigest(context.Background(), filepath.Join(dir, "missing.mp4"), known)
	if got, err := d.wait(); got != known || err != nil {
		t.Errorf("with a known digest: %q, %v; want it as given", got, err)
	}

	d = inputDigest(context.Background(), sparseFile(t, dir, 16<<30), "")
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	d.stop()
	select {
	case <-d.done:
	default:
		t.Fatal("stop returned while the input was still being read")
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("stop took %v", el)
	}
	if _, err := d.wait(); !errors.Is(err, context.Canceled) {
		t.Errorf("stopped digest: %v, want context.Canceled", err)
	}
}

// sparseFile makes a file of size zero bytes (sparse: nothing is written)
// in dir and returns its path; the test is skipped where the file system
// cannot.
func sparseFile(t *testing.T, dir string, size int64) string {
	t.Helper()
	path := filepath.Join(dir, "big.mp4")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	return path
}
