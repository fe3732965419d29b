package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/server/queue"
	"github.com/kneescreen/kneescreen/server/store"
)

// The option values a recording can take (the CLI's spelling).
var (
	movementOptions = []string{"auto", "squat", "single-leg-squat", "step-down"}
	stanceOptions   = []string{"auto", "left", "right"}
	viewOptions     = []string{"auto", "front", "side"}
	sexOptions      = []string{"unspecified", "female", "male"}
)

// recordingOptions are an upload's screening options.
type recordingOptions struct {
	Movement, Stance, View string
}

// validate fills defaults and checks the values with screening's parsers.
func (o *recordingOptions) validate() error {
	for _, f := range []*string{&o.Movement, &o.Stance, &o.View} {
		if *f == "" {
			*f = "auto"
		}
	}
	if _, err := screening.ParseMovement(o.Movement); err != nil {
		return badRequest("movement %q: want one of %s", o.Movement, strings.Join(movementOptions, ", "))
	}
	if _, err := screening.ParseStance(o.Stance); err != nil {
		return badRequest("stance %q: want one of %s", o.Stance, strings.Join(stanceOptions, ", "))
	}
	if v, err := screening.ParseView(o.View); err != nil || v == screening.ViewOblique {
		return badRequest("view %q: want one of %s", o.View, strings.Join(viewOptions, ", "))
	}
	return nil
}

// upload is a received multipart upload: form fields and the video files,
// each saved to a temporary file.
type upload struct {
	opts    recordingOptions
	session string
	date    string
	files   []uploadFile
	dir     string
}

type uploadFile struct {
	// name is the client's file name, cleaned for display only.
	name string
	path string
	size int64
}

func (u *upload) cleanup() { _ = os.RemoveAll(u.dir) }

// maxFieldBytes bounds one non-file form field.
const maxFieldBytes = 16 << 10

// maxFiles bounds the videos of one upload.
const maxFiles = 100

// receive streams a multipart upload to temporary files. The whole request
// is bounded by MaxUploadBytes: a larger Content-Length is refused before
// reading, a body that grows past it when it does.
func (s *Server) receive(w http.ResponseWriter, r *http.Request) (*upload, error) {
	if r.ContentLength > s.cfg.MaxUploadBytes {
		return nil, &http.MaxBytesError{Limit: s.cfg.MaxUploadBytes}
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, badRequest("want a multipart/form-data body with a video field: %v", err)
	}
	dir, err := os.MkdirTemp(s.uploadDir, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("web: upload folder: %w", err)
	}
	u := &upload{dir: dir}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			u.cleanup()
			return nil, uploadErr(err)
		}
		if err := u.take(part); err != nil {
			part.Close()
			u.cleanup()
			return nil, uploadErr(err)
		}
		part.Close()
	}
	if len(u.files) == 0 {
		u.cleanup()
		return nil, badRequest("no video in the upload (multipart field \"video\")")
	}
	return u, nil
}

// uploadErr keeps a size-limit error recognisable and makes the others
// client errors.
func uploadErr(err error) error {
	var mb *http.MaxBytesError
	var he *httpError
	if errors.As(err, &mb) || errors.As(err, &he) {
		return err
	}
	return badRequest("reading the upload: %v", err)
}

// take reads one part: a video file or a small field.
func (u *upload) take(part *multipart.Part) error {
	field := part.FormName()
	if field == "video" {
		if len(u.files) >= maxFiles {
			return badRequest("at most %d videos per upload", maxFiles)
		}
		// The server names the file; the client's name is only shown.
		f, err := os.CreateTemp(u.dir, "video-*")
		if err != nil {
			return err
		}
		n, err := io.Copy(f, part)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		u.files = append(u.files, uploadFile{name: displayName(part.FileName(), len(u.files)+1), path: f.Name(), size: n})
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
	if err != nil {
		return err
	}
	if len(b) > maxFieldBytes {
		return badRequest("form field %q is too long", field)
	}
	v := strings.TrimSpace(string(b))
	switch field {
	case "movement":
		u.opts.Movement = v
	case "stance":
		u.opts.Stance = v
	case "view":
		u.opts.View = v
	case "session":
		u.session = v
	case "date":
		u.date = v
	}
	return nil
}

// displayName cleans a client's file name for display: the last path
// element, printable, at most 120 characters.
func displayName(name string, n int) string {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	name = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 120 {
		name = string(r[:120])
	}
	if strings.TrimSpace(name) == "" {
		name = fmt.Sprintf("video %d", n)
	}
	return name
}

// uploadResult is one file's outcome.
type uploadResult struct {
	Name      string `json:"name"`
	Recording int64  `json:"recording,omitempty"`
	Job       int64  `json:"job,omitempty"`
	Err       string `json:"error,omitempty"`
	status    int
}

// accept probes, stores and queues each file of an upload as a recording
// of the subject. A file the probe refuses is reported and skipped; the
// others go ahead.
func (s *Server) accept(ctx context.Context, u *store.User, sub store.Subject, up *upload) ([]uploadResult, error) {
	if err := up.opts.validate(); err != nil {
		return nil, err
	}
	var sessionID int64
	var err error
	switch {
	case up.session != "":
		id, err := strconv.ParseInt(up.session, 10, 64)
		if err != nil {
			return nil, badRequest("session %q is not a session id", up.session)
		}
		ses, err := s.st.Session(ctx, u.ClinicID, id)
		if err != nil || ses.SubjectID != sub.ID {
			return nil, badRequest("session %d is not a session of subject %s", id, sub.Code)
		}
		sessionID = id
	default:
		date := up.date
		if date == "" {
			date = s.now().Format(store.DateLayout)
		}
		if sessionID, err = s.st.SessionOn(ctx, u.ClinicID, sub.ID, date); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			return nil, badRequest("%v", err)
		}
	}
	results := make([]uploadResult, 0, len(up.files))
	for _, f := range up.files {
		res, err := s.acceptFile(ctx, u, sub, sessionID, up.opts, f)
		if err != nil {
			return nil, err
		}
		results = append(results, res)
	}
	return results, nil
}

// acceptFile probes one video, stores it and queues its job. Errors are
// the server's own; the probe's refusal is part of the result.
func (s *Server) acceptFile(ctx context.Context, u *store.User, sub store.Subject, sessionID int64, o recordingOptions, f uploadFile) (uploadResult, error) {
	res := uploadResult{Name: f.name}
	info, err := s.prober.Probe(ctx, f.path)
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		res.Err, res.status = fmt.Sprintf("%s: %v", f.name, err), http.StatusUnprocessableEntity
		return res, nil
	}
	probe, _ := json.Marshal(info)
	file, err := os.Open(f.path)
	if err != nil {
		return res, err
	}
	defer file.Close()
	name := queue.NewVideoName()
	size, err := s.q.PutVideo(ctx, name, file)
	if err != nil {
		return res, err
	}
	rec, job, err := s.st.CreateRecording(ctx, u.ClinicID, store.NewRecording{SessionID: sessionID, Movement: o.Movement, Stance: o.Stance,
		View: o.View, OriginalName: f.name, VideoObject: name, VideoBytes: size, Probe: string(probe)})
	if err != nil {
		_ = s.q.DeleteVideo(context.WithoutCancel(ctx), name)
		return res, err
	}
	res.Recording, res.Job = rec, job
	spec, err := s.st.JobSpec(ctx, job)
	if err == nil {
		err = s.q.PublishJob(ctx, JobMessage(spec))
	}
	if err != nil {
		// The job is recorded as queued; the server's reconciliation
		// publishes it once the queue answers again.
		s.log.Printf("job %d: not queued yet: %v", job, err)
	}
	if j, err := s.st.Job(ctx, u.ClinicID, job); err == nil {
		s.hub.Publish(j)
	}
	return res, nil
}

// containerExt maps a probed container to the extension a staged copy
// gets.
var containerExt = map[string]string{"mp4": "mp4", "mov": "mov", "webm": "webm", "matroska": "mkv", "avi": "avi"}

// JobMessage is the queue message for a job.
func JobMessage(spec store.JobSpec) queue.Job {
	var info VideoInfo
	_ = json.Unmarshal([]byte(spec.Probe), &info)
	return queue.Job{ID: spec.JobID, Recording: spec.RecordingID, Video: spec.VideoObject, Ext: containerExt[info.Container], Name: spec.OriginalName,
		Movement: spec.Movement, Stance: spec.Stance, View: spec.View, Sex: spec.Sex, Enqueued: spec.Enqueued}
}

// upload serves an upload request to the subject named in the path, for
// the API and the web app alike: the subject is checked before the body is
// read, then the body is received, probed, stored and queued holding one of
// the upload slots (waiting for one while the client is still there).
func (s *Server) upload(w http.ResponseWriter, r *http.Request, u *store.User) (store.Subject, []uploadResult, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return store.Subject{}, nil, err
	}
	sub, err := s.st.Subject(r.Context(), u.ClinicID, id)
	if err != nil {
		return sub, nil, err
	}
	select {
	case s.uploads <- struct{}{}:
	case <-r.Context().Done():
		return sub, nil, r.Context().Err()
	}
	defer func() { <-s.uploads }()
	up, err := s.receive(w, r)
	if err != nil {
		return sub, nil, err
	}
	defer up.cleanup()
	results, err := s.accept(r.Context(), u, sub, up)
	return sub, results, err
}

// cleanDir keeps a display name usable as a folder in a zip file: ASCII
// letters, digits, dot, dash and underscore; nothing that climbs out.
func cleanDir(name string) string {
	name = strings.TrimSuffix(name, filepath.Ext(name))
	b := []rune(name)
	for i, r := range b {
		if !(r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.')) {
			b[i] = '_'
		}
	}
	out := strings.TrimLeft(string(b), ".")
	if len(out) > 60 {
		out = out[:60]
	}
	if out == "" {
		out = "recording"
	}
	return out
}
