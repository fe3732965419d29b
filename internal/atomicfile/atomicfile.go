// Package atomicfile writes files so that readers see either the old file
// or the complete new one, never a half-written one: data goes to a
// temporary file in the same directory, which is synced and then renamed
// over the destination (rename is atomic within a directory on POSIX).
//
// It is hand-written rather than taken from google/renameio because report
// and video writers need the temporary name to keep the destination's
// extension (OpenCV picks the container from it), which renameio does not
// offer.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// WriteFile writes data to path atomically with permissions perm.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	return f.Commit()
}

// File is a temporary file that becomes path on Commit. Until then path is
// untouched; Abort (or a crash) leaves at most a hidden temporary file.
type File struct {
	*os.File
	path string
	perm os.FileMode
	done bool
}

// Create starts writing path. Call Commit to publish, or Abort to discard;
// deferring Abort after a successful Commit is harmless.
func Create(path string, perm os.FileMode) (*File, error) {
	tmp, err := TempPath(path)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("atomicfile: %w", err)
	}
	return &File{File: f, path: path, perm: perm}, nil
}

// Commit syncs and closes the file and renames it to its destination.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("atomicfile: %s: already committed or aborted", f.path)
	}
	f.done = true
	tmp := f.Name()
	if err := f.File.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: close %s: %w", tmp, err)
	}
	if err := os.Chmod(tmp, f.perm); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: %w", err)
	}
	return Publish(tmp, f.path)
}

// Abort closes and removes the temporary file. It does nothing after
// Commit.
func (f *File) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	f.File.Close()
	return os.Remove(f.Name())
}

// TempPath creates an empty, uniquely named temporary file beside path and
// returns its name. The name is hidden (leading dot) and keeps path's
// extension, for writers that must open the file themselves and choose a
// format by extension.
func TempPath(path string) (string, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	ext := filepath.Ext(base)
	f, err := os.CreateTemp(dir, "."+strings.TrimSuffix(base, ext)+".tmp-*"+ext)
	if err != nil {
		return "", fmt.Errorf("atomicfile: %w", err)
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", fmt.Errorf("atomicfile: %w", err)
	}
	return name, nil
}

// Publish makes the finished file tmp appear at path: it syncs tmp's data,
// renames it over path and syncs the directory so the rename survives a
// crash. On failure tmp is removed and path is untouched.
func Publish(tmp, path string) error {
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: sync %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: %w", err)
	}
	// A directory fsync is what makes the rename durable; some file
	// systems refuse it, and the data is already safe, so that is ignored.
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// RemoveTemps removes from dir the temporary files TempPath made for any of
// names (and temporaries of those temporaries, as a video writer staging
// into a temporary name makes): what a run killed before it could clean
// up leaves behind. It returns how many it removed. Files of other names
// are never touched, so a folder the user also keeps other things in is
// safe; the caller must know no other writer is at work in dir.
func RemoveTemps(dir string, names ...string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("atomicfile: %w", err)
	}
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !isTempOf(e.Name(), names) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !os.IsNotExist(err) {
			return n, fmt.Errorf("atomicfile: %w", err)
		}
		n++
	}
	return n, nil
}

// isTempOf reports whether file is a name TempPath makes for one of names
// (".<stem>.tmp-<random><ext>", possibly nested: "..<stem>.tmp-*.tmp-*").
func isTempOf(file string, names []string) bool {
	if !strings.HasPrefix(file, ".") {
		return false
	}
	bare := strings.TrimLeft(file, ".")
	for _, name := range names {
		ext := filepath.Ext(name)
		stem := strings.TrimSuffix(name, ext)
		if strings.HasPrefix(bare, stem+".tmp-") && strings.HasSuffix(file, ext) {
			return true
		}
	}
	return false
}
