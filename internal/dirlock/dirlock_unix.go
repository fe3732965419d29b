//go:build unix

package dirlock

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// Lock is a held folder.
type Lock struct {
	f    *os.File
	path string
}

// Acquire locks dir (which must exist) for this process, or fails at once
// with a *LockedError when another process holds it. Release gives it
// back.
func Acquire(dir string) (*Lock, error) {
	path := filepath.Join(dir, File)
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("dirlock: %w", err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			b, _ := io.ReadAll(io.LimitReader(f, 32))
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, &LockedError{Dir: dir, PID: parsePID(b)}
			}
			return nil, fmt.Errorf("dirlock: lock %s: %w", path, err)
		}
		// The holder may have released and removed the file between our
		// open and our lock; then the lock is on a file nobody else will
		// open, and we start again with the path's current file.
		held, err1 := f.Stat()
		now, err2 := os.Stat(path)
		if err1 != nil || err2 != nil || !os.SameFile(held, now) {
			f.Close()
			continue
		}
		// Who holds it, for the message of the next process that tries.
		if err := f.Truncate(0); err == nil {
			_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
		return &Lock{f: f, path: path}, nil
	}
}

// Release removes the lock file and gives the folder back. The file is
// removed while still locked, so a process waiting on it sees it gone and
// starts again (see Acquire).
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := os.Remove(l.path)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if err != nil {
		return fmt.Errorf("dirlock: release: %w", err)
	}
	return nil
}
