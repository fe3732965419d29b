package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Subject is a person screened.
type Subject struct {
	ID       int64
	ClinicID int64
	// Code is the clinic's pseudonymous identifier for the person.
	Code string
	// Sex is unspecified, female or male (it selects FPPA thresholds).
	Sex string
	// HeightCM is 0 when unknown.
	HeightCM float64
	Notes    string
	Created  time.Time
	// Sessions counts live sessions; LastSession is the latest date ("").
	Sessions    int
	LastSession string
}

// SubjectInput is what a clinician enters for a subject.
type SubjectInput struct {
	Code     string
	Sex      string
	HeightCM float64
	Notes    string
}

// Validate checks the fields a subject needs.
func (in SubjectInput) Validate() error {
	if strings.TrimSpace(in.Code) == "" || len(in.Code) > 64 {
		return fmt.Errorf("subject code must be 1 to 64 characters")
	}
	switch in.Sex {
	case "unspecified", "female", "male":
	default:
		return fmt.Errorf("sex %q: want unspecified, female or male", in.Sex)
	}
	if in.HeightCM < 0 || in.HeightCM > 300 {
		return fmt.Errorf("height %.0f cm: want 0 (unknown) to 300", in.HeightCM)
	}
	if len(in.Notes) > 10000 {
		return fmt.Errorf("notes are limited to 10000 characters")
	}
	return nil
}

// Session is one visit of a subject, holding its recordings.
type Session struct {
	ID        int64
	SubjectID int64
	// Date is YYYY-MM-DD.
	Date    string
	Notes   string
	Created time.Time
}

// Recording is one uploaded video with its latest analysis job.
type Recording struct {
	ID        int64
	SessionID int64
	SubjectID int64
	Movement  string
	Stance    string
	View      string
	// OriginalName is the uploaded file's name, for display only.
	OriginalName string
	// VideoObject is the blob holding the video.
	VideoObject string
	VideoBytes  int64
	// Probe is the probe's description of the video (JSON).
	Probe   string
	Created time.Time
	Job     Job
	// Report is nil until the job is done.
	Report *Report
}

// NewRecording is an upload to record.
type NewRecording struct {
	SessionID    int64
	Movement     string
	Stance       string
	View         string
	OriginalName string
	VideoObject  string
	VideoBytes   int64
	Probe        string
}

// JobState is where an analysis job is.
type JobState string

// The job states. Dead is a job whose message exhausted its deliveries
// without any worker finishing it (workers that crashed on it).
const (
	JobQueued  JobState = "queued"
	JobRunning JobState = "running"
	JobDone    JobState = "done"
	JobFailed  JobState = "failed"
	JobDead    JobState = "dead"
)

// Finished reports whether the job will not move without a retry.
func (s JobState) Finished() bool { return s == JobDone || s == JobFailed || s == JobDead }

// Job is one analysis of a recording.
type Job struct {
	ID          int64
	RecordingID int64
	ClinicID    int64
	SubjectID   int64
	State       JobState
	// Pass is the pipeline pass running ("pose", "render"), Progress its
	// fraction done.
	Pass     string
	Progress float64
	Error    string
	// Attempts is the highest delivery that started running; Enqueued
	// counts how often the job was queued (1 + retries).
	Attempts int
	Enqueued int
	Worker   string
	Created  time.Time
	Updated  time.Time
	Started  time.Time
	Finished time.Time
}

// Report is what a finished job produced.
type Report struct {
	JobID       int64
	RecordingID int64
	// Files are the report's file names (report.json, ...).
	Files    []string
	Movement string
	View     string
	// Summary is the report's per-metric summary (JSON array of
	// {name, unit, side, n, mean, ...}).
	Summary string
	Created time.Time
}

// JobSpec is what a worker needs to run a job.
type JobSpec struct {
	JobID       int64
	RecordingID int64
	// OriginalName is the upload's name, for display.
	OriginalName string
	VideoObject  string
	Movement     string
	Stance       string
	View         string
	Sex          string
	Enqueued     int
	// Probe is the upload's probe description (JSON).
	Probe string
	// State and Updated are the job's state and its last change.
	State   JobState
	Updated time.Time
}

// CreateSubject adds a subject to a clinic. A live subject with the same
// code gives ErrExists.
func (s *Store) CreateSubject(ctx context.Context, clinicID int64, in SubjectInput) (int64, error) {
	if err := in.Validate(); err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO subjects (clinic_id, code, sex, height_cm, notes, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		clinicID, strings.TrimSpace(in.Code), in.Sex, nullFloat(in.HeightCM), in.Notes, s.stamp())
	if isUnique(err) {
		return 0, fmt.Errorf("%w: subject code %q", ErrExists, in.Code)
	}
	if err != nil {
		return 0, fmt.Errorf("store: create subject: %w", err)
	}
	return res.LastInsertId()
}

// UpdateSubject changes a subject's sex, height and notes (the code stays).
func (s *Store) UpdateSubject(ctx context.Context, clinicID, id int64, in SubjectInput) error {
	if err := in.Validate(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	err := affected(s.db.ExecContext(ctx, `UPDATE subjects SET sex = ?, height_cm = ?, notes = ?
		WHERE id = ? AND clinic_id = ? AND deleted_at IS NULL`, in.Sex, nullFloat(in.HeightCM), in.Notes, id, clinicID))
	if err != nil {
		return fmt.Errorf("store: update subject %d: %w", id, err)
	}
	return nil
}

func nullFloat(v float64) any {
	if v == 0 {
		return nil
	}
	return v
}

const subjectSelect = `SELECT s.id, s.clinic_id, s.code, s.sex, s.height_cm, s.notes, s.created_at,
	(SELECT COUNT(*) FROM sessions x WHERE x.subject_id = s.id AND x.deleted_at IS NULL),
	(SELECT COALESCE(MAX(x.date), '') FROM sessions x WHERE x.subject_id = s.id AND x.deleted_at IS NULL)
	FROM subjects s`

func scanSubject(r scanner) (Subject, error) {
	var v Subject
	var h sql.NullFloat64
	var created sql.NullString
	err := r.Scan(&v.ID, &v.ClinicID, &v.Code, &v.Sex, &h, &v.Notes, &created, &v.Sessions, &v.LastSession)
	v.HeightCM, v.Created = h.Float64, parseTime(created)
	return v, err
}

// Subjects lists a clinic's live subjects whose code or notes contain
// query (all when query is empty), by code, at most limit (0: 1000).
func (s *Store) Subjects(ctx context.Context, clinicID int64, query string, limit int) ([]Subject, error) {
	if limit <= 0 {
		limit = 1000
	}
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(query) + "%"
	out, err := queryAll(ctx, s.db, scanSubject, subjectSelect+` WHERE s.clinic_id = ? AND s.deleted_at IS NULL
		AND (s.code LIKE ? ESCAPE '\' OR s.notes LIKE ? ESCAPE '\') ORDER BY s.code LIMIT ?`, clinicID, like, like, limit)
	if err != nil {
		return nil, fmt.Errorf("store: subjects: %w", err)
	}
	return out, nil
}

// Subject returns one live subject of the clinic.
func (s *Store) Subject(ctx context.Context, clinicID, id int64) (Subject, error) {
	v, err := scanSubject(s.db.QueryRowContext(ctx, subjectSelect+` WHERE s.id = ? AND s.clinic_id = ? AND s.deleted_at IS NULL`, id, clinicID))
	if err != nil {
		return Subject{}, fmt.Errorf("store: subject %d: %w", id, one(err))
	}
	return v, nil
}

// liveSession is the condition for a session, with alias x, that is live
// and belongs to a live subject of clinic ?.
const liveSession = `x.deleted_at IS NULL AND EXISTS (SELECT 1 FROM subjects s
	WHERE s.id = x.subject_id AND s.clinic_id = ? AND s.deleted_at IS NULL)`

// CreateSession adds a session to a live subject of the clinic. date is
// YYYY-MM-DD.
func (s *Store) CreateSession(ctx context.Context, clinicID, subjectID int64, date, notes string) (int64, error) {
	if _, err := time.Parse(DateLayout, date); err != nil {
		return 0, fmt.Errorf("store: session date %q: want YYYY-MM-DD", date)
	}
	if _, err := s.Subject(ctx, clinicID, subjectID); err != nil {
		return 0, err
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO sessions (subject_id, date, notes, created_at) VALUES (?, ?, ?, ?)`,
		subjectID, date, notes, s.stamp())
	if err != nil {
		return 0, fmt.Errorf("store: create session: %w", err)
	}
	return res.LastInsertId()
}

// SessionOn returns the subject's latest live session on date, creating
// one when there is none.
func (s *Store) SessionOn(ctx context.Context, clinicID, subjectID int64, date string) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT x.id FROM sessions x WHERE x.subject_id = ? AND x.date = ? AND `+liveSession+`
		ORDER BY x.id DESC LIMIT 1`, subjectID, date, clinicID).Scan(&id)
	if err == nil {
		return id, nil
	}
	if err != sql.ErrNoRows {
		return 0, fmt.Errorf("store: session on %s: %w", date, err)
	}
	return s.CreateSession(ctx, clinicID, subjectID, date, "")
}

// Sessions lists a subject's live sessions, newest first.
func (s *Store) Sessions(ctx context.Context, clinicID, subjectID int64) ([]Session, error) {
	out, err := queryAll(ctx, s.db, scanSession, `SELECT x.id, x.subject_id, x.date, x.notes, x.created_at FROM sessions x
		WHERE x.subject_id = ? AND `+liveSession+` ORDER BY x.date DESC, x.id DESC`, subjectID, clinicID)
	if err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	return out, nil
}

// Session returns one live session of the clinic.
func (s *Store) Session(ctx context.Context, clinicID, id int64) (Session, error) {
	v, err := scanSession(s.db.QueryRowContext(ctx, `SELECT x.id, x.subject_id, x.date, x.notes, x.created_at FROM sessions x
		WHERE x.id = ? AND `+liveSession, id, clinicID))
	if err != nil {
		return Session{}, fmt.Errorf("store: session %d: %w", id, one(err))
	}
	return v, nil
}

func scanSession(r scanner) (Session, error) {
	var v Session
	var created sql.NullString
	err := r.Scan(&v.ID, &v.SubjectID, &v.Date, &v.Notes, &created)
	v.Created = parseTime(created)
	return v, err
}

// CreateRecording records an upload and queues its analysis job, in one
// transaction; the session must be a live one of the clinic.
func (s *Store) CreateRecording(ctx context.Context, clinicID int64, in NewRecording) (recordingID, jobID int64, err error) {
	if _, err := s.Session(ctx, clinicID, in.SessionID); err != nil {
		return 0, 0, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		now := s.stamp()
		res, err := tx.ExecContext(ctx, `INSERT INTO recordings (session_id, movement, stance, view, original_name, video_object, video_bytes, probe, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.SessionID, in.Movement, in.Stance, in.View, in.OriginalName, in.VideoObject, in.VideoBytes, in.Probe, now)
		if err != nil {
			return err
		}
		if recordingID, err = res.LastInsertId(); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO jobs (recording_id, state, created_at, updated_at) VALUES (?, 'queued', ?, ?)`, recordingID, now, now)
		if err != nil {
			return err
		}
		jobID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: create recording: %w", err)
	}
	return recordingID, jobID, nil
}

// recordingSelect reads a recording with its subject, latest job and that
// job's report; the caller adds conditions on r (recording), x (session).
const recordingSelect = `SELECT r.id, r.session_id, x.subject_id, r.movement, r.stance, r.view, r.original_name, r.video_object,
	r.video_bytes, r.probe, r.created_at,
	j.id, j.state, j.pass, j.progress, j.error, j.attempts, j.enqueued, j.worker, j.created_at, j.updated_at, j.started_at, j.finished_at,
	p.job_id, p.files, p.movement, p.view, p.summary, p.created_at
	FROM recordings r
	JOIN sessions x ON x.id = r.session_id
	JOIN jobs j ON j.id = (SELECT MAX(id) FROM jobs WHERE recording_id = r.id)
	LEFT JOIN reports p ON p.job_id = j.id`

func scanRecording(r scanner, clinicID int64) (Recording, error) {
	var v Recording
	var created, jc, ju, js, jf sql.NullString
	var pj sql.NullInt64
	var pfiles, pmov, pview, psum, pc sql.NullString
	var state string
	err := r.Scan(&v.ID, &v.SessionID, &v.SubjectID, &v.Movement, &v.Stance, &v.View, &v.OriginalName, &v.VideoObject,
		&v.VideoBytes, &v.Probe, &created,
		&v.Job.ID, &state, &v.Job.Pass, &v.Job.Progress, &v.Job.Error, &v.Job.Attempts, &v.Job.Enqueued, &v.Job.Worker, &jc, &ju, &js, &jf,
		&pj, &pfiles, &pmov, &pview, &psum, &pc)
	if err != nil {
		return v, err
	}
	v.Created = parseTime(created)
	v.Job.RecordingID, v.Job.ClinicID, v.Job.SubjectID, v.Job.State = v.ID, clinicID, v.SubjectID, JobState(state)
	v.Job.Created, v.Job.Updated, v.Job.Started, v.Job.Finished = parseTime(jc), parseTime(ju), parseTime(js), parseTime(jf)
	if pj.Valid {
		rep := &Report{JobID: pj.Int64, RecordingID: v.ID, Movement: pmov.String, View: pview.String, Summary: psum.String, Created: parseTime(pc)}
		if err := json.Unmarshal([]byte(pfiles.String), &rep.Files); err != nil {
			return v, fmt.Errorf("report files of job %d: %w", pj.Int64, err)
		}
		v.Report = rep
	}
	return v, nil
}

// Recordings lists a live session's live recordings in upload order.
func (s *Store) Recordings(ctx context.Context, clinicID, sessionID int64) ([]Recording, error) {
	scan := func(r scanner) (Recording, error) { return scanRecording(r, clinicID) }
	out, err := queryAll(ctx, s.db, scan, recordingSelect+` WHERE r.session_id = ? AND r.deleted_at IS NULL AND `+liveSession+` ORDER BY r.id`,
		sessionID, clinicID)
	if err != nil {
		return nil, fmt.Errorf("store: recordings: %w", err)
	}
	return out, nil
}

// Recording returns one live recording of the clinic.
func (s *Store) Recording(ctx context.Context, clinicID, id int64) (Recording, error) {
	v, err := scanRecording(s.db.QueryRowContext(ctx, recordingSelect+` WHERE r.id = ? AND r.deleted_at IS NULL AND `+liveSession, id, clinicID), clinicID)
	if err != nil {
		return Recording{}, fmt.Errorf("store: recording %d: %w", id, one(err))
	}
	return v, nil
}

// Job returns a job of a live recording of the clinic.
func (s *Store) Job(ctx context.Context, clinicID, id int64) (Job, error) {
	var recID int64
	err := s.db.QueryRowContext(ctx, `SELECT j.recording_id FROM jobs j JOIN recordings r ON r.id = j.recording_id
		JOIN sessions x ON x.id = r.session_id WHERE j.id = ? AND r.deleted_at IS NULL AND `+liveSession, id, clinicID).Scan(&recID)
	if err != nil {
		return Job{}, fmt.Errorf("store: job %d: %w", id, one(err))
	}
	j, err := s.jobByID(ctx, s.db, id)
	if err != nil {
		return Job{}, fmt.Errorf("store: job %d: %w", id, err)
	}
	return j, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// jobByID reads a job whatever its clinic or deletion (for the server's
// own use).
func (s *Store) jobByID(ctx context.Context, q querier, id int64) (Job, error) {
	var j Job
	var state string
	var jc, ju, js, jf sql.NullString
	err := q.QueryRowContext(ctx, `SELECT j.id, j.recording_id, s.clinic_id, s.id, j.state, j.pass, j.progress, j.error, j.attempts, j.enqueued, j.worker,
		j.created_at, j.updated_at, j.started_at, j.finished_at
		FROM jobs j JOIN recordings r ON r.id = j.recording_id JOIN sessions x ON x.id = r.session_id JOIN subjects s ON s.id = x.subject_id
		WHERE j.id = ?`, id).Scan(&j.ID, &j.RecordingID, &j.ClinicID, &j.SubjectID, &state, &j.Pass, &j.Progress, &j.Error, &j.Attempts, &j.Enqueued, &j.Worker,
		&jc, &ju, &js, &jf)
	if err != nil {
		return Job{}, one(err)
	}
	j.State = JobState(state)
	j.Created, j.Updated, j.Started, j.Finished = parseTime(jc), parseTime(ju), parseTime(js), parseTime(jf)
	return j, nil
}

// JobSpec returns what a worker needs to run job id (whatever its clinic).
func (s *Store) JobSpec(ctx context.Context, id int64) (JobSpec, error) {
	var v JobSpec
	var state string
	var updated sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT j.id, r.id, r.original_name, r.video_object, r.movement, r.stance, r.view, s.sex, j.enqueued, r.probe, j.state, j.updated_at
		FROM jobs j JOIN recordings r ON r.id = j.recording_id JOIN sessions x ON x.id = r.session_id JOIN subjects s ON s.id = x.subject_id
		WHERE j.id = ?`, id).Scan(&v.JobID, &v.RecordingID, &v.OriginalName, &v.VideoObject, &v.Movement, &v.Stance, &v.View, &v.Sex, &v.Enqueued, &v.Probe, &state, &updated)
	if err != nil {
		return JobSpec{}, fmt.Errorf("store: job %d: %w", id, one(err))
	}
	v.State, v.Updated = JobState(state), parseTime(updated)
	return v, nil
}

// UnfinishedJobs lists the jobs queued or running, oldest first.
func (s *Store) UnfinishedJobs(ctx context.Context) ([]JobSpec, error) {
	ids, err := queryAll(ctx, s.db, func(r scanner) (id int64, err error) { return id, r.Scan(&id) },
		`SELECT id FROM jobs WHERE state IN ('queued', 'running') ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: unfinished jobs: %w", err)
	}
	out := make([]JobSpec, 0, len(ids))
	for _, id := range ids {
		v, err := s.JobSpec(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// RetryJob puts a failed or dead job of the clinic back in the queued
// state and returns what to publish.
func (s *Store) RetryJob(ctx context.Context, clinicID, id int64) (JobSpec, error) {
	j, err := s.Job(ctx, clinicID, id)
	if err != nil {
		return JobSpec{}, err
	}
	if j.State != JobFailed && j.State != JobDead {
		return JobSpec{}, fmt.Errorf("store: job %d is %s; only failed or dead jobs are retried", id, j.State)
	}
	err = affected(s.db.ExecContext(ctx, `UPDATE jobs SET state = 'queued', enqueued = enqueued + 1, error = '', pass = '', progress = 0,
		updated_at = ?, finished_at = NULL WHERE id = ? AND state IN ('failed', 'dead')`, s.stamp(), id))
	if err != nil {
		return JobSpec{}, fmt.Errorf("store: retry job %d: %w", id, err)
	}
	return s.JobSpec(ctx, id)
}

// TrendPoint is one finished report of a subject, for trend plots.
type TrendPoint struct {
	Date        string
	SessionID   int64
	RecordingID int64
	Movement    string
	View        string
	// Summary is the report's per-metric summary (JSON).
	Summary string
}

// Trends lists the finished reports of a live subject's live recordings by
// session date.
func (s *Store) Trends(ctx context.Context, clinicID, subjectID int64) ([]TrendPoint, error) {
	scan := func(r scanner) (p TrendPoint, err error) {
		return p, r.Scan(&p.Date, &p.SessionID, &p.RecordingID, &p.Movement, &p.View, &p.Summary)
	}
	out, err := queryAll(ctx, s.db, scan, `SELECT x.date, x.id, r.id, p.movement, p.view, p.summary
		FROM reports p JOIN jobs j ON j.id = p.job_id JOIN recordings r ON r.id = p.recording_id JOIN sessions x ON x.id = r.session_id
		WHERE x.subject_id = ? AND r.deleted_at IS NULL AND j.id = (SELECT MAX(id) FROM jobs WHERE recording_id = r.id) AND `+liveSession+`
		ORDER BY x.date, r.id`, subjectID, clinicID)
	if err != nil {
		return nil, fmt.Errorf("store: trends: %w", err)
	}
	return out, nil
}
