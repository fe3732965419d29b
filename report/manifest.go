package report

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ManifestFile is the last file of a report folder written: it says which
// input, analysed with which settings, produced which files (with their
// sizes and SHA-256). A folder without it is incomplete (see Output).
const ManifestFile = "manifest.json"

// ManifestVersion is the version of the manifest format written.
const ManifestVersion = 1

// maxManifestSize bounds what ReadManifest reads: a real manifest is a few
// hundred bytes.
const maxManifestSize = 1 << 20

// Errors of ReadManifest and Verify.
var (
	// ErrNoManifest: the folder has no manifest (never written, or an
	// interrupted run); its files are not one complete run's output.
	ErrNoManifest = errors.New("no manifest (incomplete or never written)")
	// ErrBadManifest: the manifest cannot be read as one.
	ErrBadManifest = errors.New("unreadable manifest")
	// ErrMismatch: a file the manifest lists is missing or differs.
	ErrMismatch = errors.New("files do not match the manifest")
)

// Manifest describes one run's complete output in a report folder.
type Manifest struct {
	// Version is ManifestVersion.
	Version int `json:"version"`
	// Tool is the kneescreen version that wrote the folder.
	Tool string `json:"tool"`
	// Input is what was analysed.
	Input ManifestInput `json:"input"`
	// Settings is a digest of every setting that decides the files'
	// content (pipeline.Config.Fingerprint): a re-run with other settings
	// does not take this folder for its result.
	Settings string `json:"settings"`
	// Files lists the files written, in OutputFiles order.
	Files []ManifestEntry `json:"files"`
}

// ManifestInput identifies the analysed input by content.
type ManifestInput struct {
	// Path is the input as it was given.
	Path string `json:"path"`
	// SHA256 is the digest of its content (pipeline.InputDigest).
	SHA256 string `json:"sha256"`
}

// ManifestEntry is one file of the folder.
type ManifestEntry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// ReadManifest reads dir's manifest. Errors wrap ErrNoManifest or
// ErrBadManifest.
func ReadManifest(dir string) (*Manifest, error) {
	f, err := os.Open(filepath.Join(dir, ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("report: %s: %w", dir, ErrNoManifest)
	}
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, maxManifestSize+1)); err != nil {
		return nil, fmt.Errorf("report: %s: %w", ManifestFile, err)
	}
	m, err := DecodeManifest(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("report: %s: %w", dir, err)
	}
	return m, nil
}

// DecodeManifest parses a manifest and checks it is well formed: a known
// version, digests of 64 hex digits, sizes not negative, and files that
// are report files, each listed once. Errors wrap ErrBadManifest. It never
// panics, whatever the bytes.
func DecodeManifest(b []byte) (*Manifest, error) {
	if len(b) > maxManifestSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadManifest, maxManifestSize)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadManifest, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the manifest", ErrBadManifest)
	}
	if m.Version != ManifestVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrBadManifest, m.Version, ManifestVersion)
	}
	if !isDigest(m.Input.SHA256) || !isDigest(m.Settings) {
		return nil, fmt.Errorf("%w: input or settings digest is not 64 hex digits", ErrBadManifest)
	}
	seen := map[string]bool{}
	for _, e := range m.Files {
		if !slices.Contains(OutputFiles, e.Name) || seen[e.Name] {
			return nil, fmt.Errorf("%w: file %q is not a report file or is listed twice", ErrBadManifest, e.Name)
		}
		seen[e.Name] = true
		if e.Size < 0 || !isDigest(e.SHA256) {
			return nil, fmt.Errorf("%w: %s: bad size or digest", ErrBadManifest, e.Name)
		}
	}
	return &m, nil
}

// encode is the manifest as written, indented.
func (m *Manifest) encode() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("report: manifest: %w", err)
	}
	return append(b, '\n'), nil
}

// Names returns the listed files' names.
func (m *Manifest) Names() []string {
	names := make([]string, len(m.Files))
	for i, e := range m.Files {
		names[i] = e.Name
	}
	return names
}

// Verify checks that every file the manifest lists is in dir with its
// size and SHA-256. Errors wrap ErrMismatch.
func (m *Manifest) Verify(dir string) error {
	for _, e := range m.Files {
		size, sum, err := fileDigest(filepath.Join(dir, e.Name))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("report: %s: %w: %s is missing", dir, ErrMismatch, e.Name)
		case err != nil:
			return fmt.Errorf("report: %w", err)
		case size != e.Size || sum != e.SHA256:
			return fmt.Errorf("report: %s: %w: %s has changed", dir, ErrMismatch, e.Name)
		}
	}
	return nil
}

// isDigest reports whether s is a SHA-256 in lower-case hex.
func isDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && s == strings.ToLower(s)
}
