package pipeline

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// madeDirs are the folders analyses in this process created before they
// had anything to put there (Run makes the report folder before pass one
// when it starts the annotated video early, else before staging the
// files; analyze makes and locks its --out before reading the first
// input), so that one that fails removes them again: an analysis that
// fails leaves no folder behind. A folder stays listed until it is removed
// or its analysis publishes into it. Making and removing hold the lock, so
// an analysis cannot remove a parent another is about to make a folder in.
var madeDirs struct {
	sync.Mutex
	m map[string]bool
}

// MakeDir creates dir and any missing parents, noting each one it made
// for RemoveMadeDirs. Its errors are *fs.PathError, which name the folder
// that could not be made.
func MakeDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return &fs.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	madeDirs.Lock()
	defer madeDirs.Unlock()
	var missing []string // deepest first
	for d := abs; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err == nil {
			if !st.IsDir() {
				return &fs.PathError{Op: "mkdir", Path: d, Err: syscall.ENOTDIR}
			}
			break
		}
		// Under a file, Stat says "not a directory": walk up to the file,
		// which is then named, as os.MkdirAll names it.
		if (!errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR)) || filepath.Dir(d) == d {
			return err // os.Stat's *fs.PathError
		}
		missing = append(missing, d)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		if err := os.Mkdir(d, 0o755); err != nil {
			if st, serr := os.Stat(d); errors.Is(err, fs.ErrExist) && serr == nil && st.IsDir() {
				continue // made meanwhile by another process: not ours
			}
			removeMadeLocked(abs)
			return err // os.Mkdir's *fs.PathError
		}
		if madeDirs.m == nil {
			madeDirs.m = map[string]bool{}
		}
		madeDirs.m[d] = true
	}
	return nil
}

// RemoveMadeDirs removes dir and then its parents, bottom-up, each only
// when MakeDir made it and it is an empty folder: never a folder that was
// there before, nor one that holds anything.
func RemoveMadeDirs(dir string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	madeDirs.Lock()
	defer madeDirs.Unlock()
	removeMadeLocked(abs)
}

func removeMadeLocked(abs string) {
	for d := abs; ; d = filepath.Dir(d) {
		if !madeDirs.m[d] {
			if _, err := os.Lstat(d); err == nil || filepath.Dir(d) == d {
				return // there, and not ours: nor are its parents
			}
			continue // never made (MakeDir failed below it)
		}
		if st, err := os.Lstat(d); err == nil && (!st.IsDir() || os.Remove(d) != nil) {
			return // replaced by something else, or not empty
		}
		delete(madeDirs.m, d)
	}
}

// keepMadeDirs forgets dir and its parents: an analysis has published
// into dir, and they are its results' folders now.
func keepMadeDirs(dir string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	madeDirs.Lock()
	defer madeDirs.Unlock()
	for d := abs; madeDirs.m[d]; d = filepath.Dir(d) {
		delete(madeDirs.m, d)
	}
}
