//go:build !unix

package dirlock

// Lock is a held folder. Without flock (this is not a Unix system) the
// lock only marks the folder and does not exclude another process.
type Lock struct{}

// Acquire returns a lock that does not exclude other processes.
func Acquire(dir string) (*Lock, error) { return &Lock{}, nil }

// Release does nothing.
func (l *Lock) Release() error { return nil }
