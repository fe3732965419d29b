package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/kneescreen/kneescreen/report"
)

// ErrBlobNotFound: no such object (never stored, or purged).
var ErrBlobNotFound = errors.New("queue: object not found")

// ManifestFile is written after a job's result files: its presence means
// the results are complete.
const ManifestFile = "manifest.json"

// Manifest lists a finished job's result files.
type Manifest struct {
	Job     int64    `json:"job"`
	Files   []string `json:"files"`
	Worker  string   `json:"worker"`
	Attempt int      `json:"attempt"`
}

// ResultFiles are the only files a job's results may hold, in the order
// they are listed to people. Names outside this list are never stored or
// served, so no client-supplied path reaches the store.
var ResultFiles = []string{report.HTMLFile, report.JSONFile, report.KeypointsFile, report.AnglesFile, report.VideoFile}

// IsResultFile reports whether name is one of ResultFiles.
func IsResultFile(name string) bool { return slices.Contains(ResultFiles, name) }

// NewVideoName returns a fresh object name for an upload: random, never
// derived from anything the client sent.
func NewVideoName() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "videos/" + hex.EncodeToString(b[:])
}

func resultName(job int64, file string) string {
	return "results/" + strconv.FormatInt(job, 10) + "/" + file
}

func blobErr(op, name string, err error) error {
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("queue: %s %s: %w", op, name, ErrBlobNotFound)
	}
	return fmt.Errorf("queue: %s %s: %w", op, name, err)
}

// PutVideo stores an upload under name (from NewVideoName).
func (c *Conn) PutVideo(ctx context.Context, name string, r io.Reader) (int64, error) {
	info, err := c.blobs.Put(ctx, jetstream.ObjectMeta{Name: name}, r)
	if err != nil {
		return 0, blobErr("store", name, err)
	}
	return int64(info.Size), nil
}

// GetVideoFile copies a stored video into the local file path.
func (c *Conn) GetVideoFile(ctx context.Context, name, path string) error {
	if err := c.blobs.GetFile(ctx, name, path); err != nil {
		return blobErr("fetch", name, err)
	}
	return nil
}

// VideoExists reports whether a video is stored.
func (c *Conn) VideoExists(ctx context.Context, name string) (bool, error) {
	_, err := c.blobs.GetInfo(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return false, nil
	}
	if err != nil {
		return false, blobErr("look up", name, err)
	}
	return true, nil
}

// DeleteVideo removes a stored video (no error when already gone).
func (c *Conn) DeleteVideo(ctx context.Context, name string) error {
	if err := c.blobs.Delete(ctx, name); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return blobErr("delete", name, err)
	}
	return nil
}

// PutResult stores one result file of a job, replacing an earlier one.
func (c *Conn) PutResult(ctx context.Context, job int64, file string, r io.Reader) error {
	if !IsResultFile(file) {
		return fmt.Errorf("queue: %q is not a result file (want one of %v)", file, ResultFiles)
	}
	name := resultName(job, file)
	if _, err := c.blobs.Put(ctx, jetstream.ObjectMeta{Name: name}, r); err != nil {
		return blobErr("store", name, err)
	}
	return nil
}

// PutManifest marks a job's results complete.
func (c *Conn) PutManifest(ctx context.Context, m Manifest) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	name := resultName(m.Job, ManifestFile)
	if _, err := c.blobs.PutBytes(ctx, name, b); err != nil {
		return blobErr("store", name, err)
	}
	return nil
}

// GetManifest returns a job's manifest; ErrBlobNotFound when the job has
// not finished.
func (c *Conn) GetManifest(ctx context.Context, job int64) (Manifest, error) {
	name := resultName(job, ManifestFile)
	b, err := c.blobs.GetBytes(ctx, name)
	if err != nil {
		return Manifest{}, blobErr("fetch", name, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return Manifest{}, fmt.Errorf("queue: %s: %w", name, err)
	}
	return m, nil
}

// Result is an open result file.
type Result struct {
	io.ReadCloser
	Size int64
}

// GetResult opens one result file of a job.
func (c *Conn) GetResult(ctx context.Context, job int64, file string) (*Result, error) {
	name := resultName(job, file)
	obj, err := c.blobs.Get(ctx, name)
	if err != nil {
		return nil, blobErr("fetch", name, err)
	}
	info, err := obj.Info()
	if err != nil {
		obj.Close()
		return nil, blobErr("fetch", name, err)
	}
	return &Result{ReadCloser: obj, Size: int64(info.Size)}, nil
}

// GetResultBytes reads one (small) result file of a job.
func (c *Conn) GetResultBytes(ctx context.Context, job int64, file string) ([]byte, error) {
	name := resultName(job, file)
	b, err := c.blobs.GetBytes(ctx, name)
	if err != nil {
		return nil, blobErr("fetch", name, err)
	}
	return b, nil
}

// DeleteResults removes every result file of a job, manifest first so a
// half-deleted set never looks complete.
func (c *Conn) DeleteResults(ctx context.Context, job int64) error {
	for _, f := range append([]string{ManifestFile}, ResultFiles...) {
		name := resultName(job, f)
		if err := c.blobs.Delete(ctx, name); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
			return blobErr("delete", name, err)
		}
	}
	return nil
}
