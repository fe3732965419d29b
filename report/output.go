package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/kneescreen/kneescreen/internal/atomicfile"
)

// Output is one report folder being written. Files are staged beside their
// destinations (hidden temporary files, complete and synced) while the
// analysis runs, and Commit publishes them together: it first removes the
// folder's manifest, then renames every staged file into place, removes the
// files of an earlier run that this one did not write, and writes the new
// manifest last. So the folder never mixes two runs' files under a
// manifest: a folder with a manifest whose files check out (Manifest.Verify)
// is one run's complete output, and one without is incomplete, whatever
// moment a crash or kill -9 picked.
//
// Only the file names in OutputFiles (and the manifest) are ever written or
// removed, so a folder the user also keeps other things in is safe.
type Output struct {
	dir    string
	staged []staged
	done   bool
}

type staged struct {
	name, tmp string
	// size and sum are known for files staged through Stage; files
	// reserved for an outside writer are measured at Commit.
	size int64
	sum  string
}

// OutputFiles lists every file a report folder may hold besides the
// manifest, in the order they are written.
var OutputFiles = []string{JSONFile, KeypointsFile, AnglesFile, HTMLFile, VideoFile}

// Files returns the names of the files the formats produce, in
// OutputFiles order.
func (f Formats) Files() []string {
	var out []string
	for _, name := range OutputFiles {
		if f[formatOf(name)] {
			out = append(out, name)
		}
	}
	return out
}

// formatOf is the format that produces file name.
func formatOf(name string) Format {
	switch name {
	case JSONFile:
		return FormatJSON
	case KeypointsFile, AnglesFile:
		return FormatCSV
	case HTMLFile:
		return FormatHTML
	case VideoFile:
		return FormatVideo
	}
	return ""
}

// Begin starts writing the report folder dir, creating it if needed, and
// removes temporary files an earlier run left behind when it was killed
// (their names are hidden and never taken for results). The caller must
// hold the folder (one run at a time; the CLI locks its output folder).
func Begin(dir string) (*Output, error) {
	if err := EnsureDir(dir); err != nil {
		return nil, err
	}
	if err := RemoveTemps(dir); err != nil {
		return nil, err
	}
	return &Output{dir: dir}, nil
}

// RemoveTemps removes the temporary files of report files (and of the
// manifest) that a run killed while writing dir left there. The caller must
// hold the folder.
func RemoveTemps(dir string) error {
	if _, err := atomicfile.RemoveTemps(dir, append([]string{ManifestFile}, OutputFiles...)...); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// Dir is the report folder.
func (o *Output) Dir() string { return o.dir }

// Stage writes file name through fn into a temporary file beside it,
// synced to disk, to be published by Commit. A failed fn leaves nothing.
func (o *Output) Stage(name string, fn func(io.Writer) error) error {
	if err := o.check(name); err != nil {
		return err
	}
	path := filepath.Join(o.dir, name)
	f, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	bw := bufio.NewWriterSize(cw, 1<<16)
	err = fn(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644) // the temporary file is private until now
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		f.Abort()
		return fmt.Errorf("report: %s: %w", name, err)
	}
	o.staged = append(o.staged, staged{name: name, tmp: f.Name(), size: cw.n, sum: hex.EncodeToString(h.Sum(nil))})
	return nil
}

// Reserve returns the path of a new, empty temporary file beside name for
// a writer that opens files itself (the video encoder); whatever is there
// at Commit is published as name. Drop gives the reservation back.
func (o *Output) Reserve(name string) (string, error) {
	if err := o.check(name); err != nil {
		return "", err
	}
	tmp, err := atomicfile.TempPath(filepath.Join(o.dir, name))
	if err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	o.staged = append(o.staged, staged{name: name, tmp: tmp, size: -1})
	return tmp, nil
}

// Drop discards whatever is staged or reserved as name.
func (o *Output) Drop(name string) {
	o.staged = slices.DeleteFunc(o.staged, func(s staged) bool {
		if s.name == name {
			os.Remove(s.tmp)
			return true
		}
		return false
	})
}

// Staged reports whether name is staged or reserved.
func (o *Output) Staged(name string) bool {
	return slices.ContainsFunc(o.staged, func(s staged) bool { return s.name == name })
}

func (o *Output) check(name string) error {
	if o.done {
		return fmt.Errorf("report: %s: output already committed or aborted", o.dir)
	}
	if !slices.Contains(OutputFiles, name) {
		return fmt.Errorf("report: %q is not a report file", name)
	}
	if o.Staged(name) {
		return fmt.Errorf("report: %s staged twice", name)
	}
	return nil
}

// Commit publishes the staged files (see Output). With a non-nil manifest,
// its Files are filled in from what was published and it is written last,
// marking the folder complete; with nil (a run that failed part-way) the
// folder keeps this run's files without a manifest, and counts as
// incomplete. Files of an earlier run that this run did not stage are
// removed either way, so none is taken for part of this run's output.
func (o *Output) Commit(m *Manifest) error {
	if o.done {
		return fmt.Errorf("report: %s: output already committed or aborted", o.dir)
	}
	o.done = true
	defer o.removeStaged()
	// The manifest goes first: from here until the new one is written the
	// folder is incomplete, whatever happens.
	if err := removeFile(filepath.Join(o.dir, ManifestFile)); err != nil {
		return err
	}
	var entries []ManifestEntry
	for i, s := range o.staged {
		if s.size < 0 {
			var err error
			if s.size, s.sum, err = fileDigest(s.tmp); err != nil {
				return fmt.Errorf("report: %s: %w", s.name, err)
			}
		}
		if err := atomicfile.Publish(s.tmp, filepath.Join(o.dir, s.name)); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		o.staged[i].tmp = ""
		entries = append(entries, ManifestEntry{Name: s.name, Size: s.size, SHA256: s.sum})
	}
	for _, name := range OutputFiles {
		if !slices.ContainsFunc(entries, func(e ManifestEntry) bool { return e.Name == name }) {
			if err := removeFile(filepath.Join(o.dir, name)); err != nil {
				return err
			}
		}
	}
	if m == nil {
		return nil
	}
	slices.SortFunc(entries, func(a, b ManifestEntry) int {
		return slices.Index(OutputFiles, a.Name) - slices.Index(OutputFiles, b.Name)
	})
	m.Version = ManifestVersion
	m.Files = entries
	b, err := m.encode()
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(o.dir, ManifestFile), b, 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// Abort discards every staged file; the folder is left as it was. It does
// nothing after Commit, so it can be deferred.
func (o *Output) Abort() {
	if o.done {
		return
	}
	o.done = true
	o.removeStaged()
}

func (o *Output) removeStaged() {
	for _, s := range o.staged {
		if s.tmp != "" {
			os.Remove(s.tmp)
		}
	}
	o.staged = nil
}

// removeFile removes path if it exists.
func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// fileDigest returns a file's size and SHA-256 (hex).
func fileDigest(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// countWriter counts what passes through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
