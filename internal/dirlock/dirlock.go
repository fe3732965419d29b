package dirlock

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// File is the lock file's name inside the locked folder.
const File = ".kneescreen.lock"

// ErrLocked reports that another process holds the folder.
var ErrLocked = errors.New("in use by another kneescreen run")

// LockedError says which folder is held, and by which process when it is
// known (0 otherwise). It wraps ErrLocked.
type LockedError struct {
	Dir string
	PID int
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("%s is %v (process %d); wait for it to finish or choose another folder", e.Dir, ErrLocked, e.PID)
	}
	return fmt.Sprintf("%s is %v; wait for it to finish or choose another folder", e.Dir, ErrLocked)
}

// Unwrap returns ErrLocked.
func (e *LockedError) Unwrap() error { return ErrLocked }

// parsePID reads the process id a holder wrote into the lock file.
func parsePID(b []byte) int {
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid < 0 {
		return 0
	}
	return pid
}
