package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/vision"
)

// InputDigest is the SHA-256 (hex) of an input's content: a video file's
// bytes, or, for a folder of images, the name, size and bytes of each file
// in it in name order. It is what a report folder's manifest records, so a
// re-run can tell that an input is unchanged however it was renamed or
// touched.
func InputDigest(path string) (string, error) {
	return InputDigestContext(context.Background(), path)
}

// InputDigestContext is InputDigest stopping with ctx's error when ctx is
// done: an upload of gigabytes takes seconds to read, and Ctrl-C must not
// wait for it.
func InputDigestContext(ctx context.Context, path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("pipeline: digest: %w", err)
	}
	h := sha256.New()
	if !st.IsDir() {
		if err := vision.CheckRegular(st.Mode()); err != nil {
			return "", fmt.Errorf("pipeline: digest: %s: %w", path, err)
		}
		if err := hashFile(ctx, h, path); err != nil {
			return "", fmt.Errorf("pipeline: digest: %w", err)
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return "", fmt.Errorf("pipeline: digest: %w", err)
	}
	for _, e := range entries { // ReadDir sorts by name
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return "", fmt.Errorf("pipeline: digest: %w", err)
		}
		// Name and size delimit each file, so no two folders hash alike.
		fmt.Fprintf(h, "%s\x00%d\x00", strconv.Quote(e.Name()), info.Size())
		if err := hashFile(ctx, h, filepath.Join(path, e.Name())); err != nil {
			return "", fmt.Errorf("pipeline: digest: %w", err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// pendingDigest is an input's digest being computed in the background.
type pendingDigest struct {
	stop func()
	done chan struct{}
	sum  string
	err  error
}

// inputDigest starts hashing path (InputDigestContext) unless known, the
// digest a caller already has, is set. stop ends the hashing and waits for
// it (Run defers it, so no read of the input outlives Run); wait returns
// the digest.
func inputDigest(ctx context.Context, path, known string) *pendingDigest {
	d := &pendingDigest{done: make(chan struct{}), sum: known}
	if known != "" {
		d.stop = func() {}
		close(d.done)
		return d
	}
	ctx, cancel := context.WithCancel(ctx)
	d.stop = func() {
		cancel()
		<-d.done
	}
	go func() {
		defer close(d.done)
		d.sum, d.err = InputDigestContext(ctx, path)
	}()
	return d
}

func (d *pendingDigest) wait() (string, error) {
	<-d.done
	return d.sum, d.err
}

func hashFile(ctx context.Context, w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.CopyBuffer(w, ctxReader{ctx, f}, make([]byte, 1<<20))
	return err
}

// ctxReader reads r until ctx is done, then fails with ctx's error.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Fingerprint is a digest (SHA-256, hex) of every setting that decides
// what Run writes: the screening options (what is screened, thresholds,
// filter), the model (name and, when set, ModelDigest), the symmetric pass
// and the number of pose lanes (each lane tracks its own frames, so the
// layout changes the keypoints; the threads of a lane do not), the frame
// size limits, the formats, the image frame rate and the tool (version
// and BuildDigest).
// Progress, thread budgets and the input's name do not count. Two runs with
// one Fingerprint on one input (InputDigest) write the same files.
func (c Config) Fingerprint() string {
	lanes, _ := laneLayout(resolveThreads(c.Track))
	s := c.Screening
	s.SourcePath = ""
	formats := make([]string, 0, len(c.Formats))
	for f, on := range c.Formats {
		if on {
			formats = append(formats, string(f))
		}
	}
	slices.Sort(formats)
	doc, err := json.Marshal(struct {
		Tool         string   `json:"tool"`
		Build        string   `json:"build"`
		Model        string   `json:"model"`
		ModelDigest  string   `json:"model_digest"`
		Symmetric    bool     `json:"symmetric"`
		Lanes        int      `json:"lanes"`
		MaxSide      int      `json:"max_side"`
		EstimateHz   float64  `json:"estimate_hz"`
		Screening    any      `json:"screening"`
		Formats      []string `json:"formats"`
		ImageFPS     float64  `json:"image_fps"`
		VideoMaxSide int      `json:"video_max_side"`
	}{c.Analysis.Tool, c.BuildDigest, c.Analysis.Model, c.ModelDigest, c.Track.Symmetric, lanes, c.Track.MaxSide, max(0, c.Track.EstimateHz), s, formats, c.ImageFPS, c.VideoMaxSide})
	if err != nil {
		// Only a non-finite number gets here (validated options have
		// none); such settings match nothing.
		doc = []byte(fmt.Sprintf("unencodable %v", err))
	}
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:])
}

// ErrOutdated reports that a folder holds no complete result of an input
// with the given settings.
var ErrOutdated = errors.New("no complete result of this input with these settings")

// Complete checks whether dir holds a complete result of the input whose
// InputDigest is digest, analysed with cfg's settings (Fingerprint): a
// manifest whose files are all there, unchanged. It returns the manifest,
// or an error wrapping ErrOutdated that says why not (no manifest, a
// changed file, another input or other settings).
func Complete(dir, digest string, cfg Config) (*report.Manifest, error) {
	m, err := report.ReadManifest(dir)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w: %w", ErrOutdated, err)
	}
	switch {
	case m.Input.SHA256 != digest:
		return nil, fmt.Errorf("pipeline: %s: %w: it holds another input's report", dir, ErrOutdated)
	case m.Settings != cfg.Fingerprint():
		return nil, fmt.Errorf("pipeline: %s: %w: it was written with other settings", dir, ErrOutdated)
	}
	if err := m.Verify(dir); err != nil {
		return nil, fmt.Errorf("pipeline: %w: %w", ErrOutdated, err)
	}
	return m, nil
}
