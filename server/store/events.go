package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// EventKind is what a job event reports.
type EventKind string

// The job events.
const (
	// EventRunning: a worker started a delivery of the job.
	EventRunning EventKind = "running"
	// EventProgress: a running job's pass and fraction done.
	EventProgress EventKind = "progress"
	// EventDone: the report is stored; the event carries it.
	EventDone EventKind = "done"
	// EventFailed: the job cannot succeed (bad input) or gave up.
	EventFailed EventKind = "failed"
	// EventDead: the queue gave up redelivering it (dead letter).
	EventDead EventKind = "dead"
)

// Event is a change to a job reported by a worker or the queue.
type Event struct {
	Job  int64
	Kind EventKind
	// Seq orders a job's events (the event stream's sequence); an event
	// not newer than the last one applied is ignored. 0 skips the check
	// (events that do not come from the stream, such as dead letters).
	Seq      uint64
	Attempt  int
	Worker   string
	Pass     string
	Progress float64
	Error    string
	// Report is the finished report (EventDone only).
	Report *Report
}

// ApplyEvent moves a job by an event and returns the job as it now is and
// whether anything changed. State only moves forward: a done job stays
// done; progress counts only while running. A job that no longer exists
// (purged) gives ErrNotFound.
func (s *Store) ApplyEvent(ctx context.Context, ev Event) (Job, bool, error) {
	var job Job
	changed := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var state string
		var seq uint64
		err := tx.QueryRowContext(ctx, `SELECT state, event_seq FROM jobs WHERE id = ?`, ev.Job).Scan(&state, &seq)
		if err != nil {
			return one(err)
		}
		if ev.Seq != 0 && ev.Seq <= seq {
			return nil
		}
		newSeq := max(seq, ev.Seq)
		now := s.stamp()
		var res sql.Result
		switch st := JobState(state); {
		case ev.Kind == EventRunning && st != JobDone:
			res, err = tx.ExecContext(ctx, `UPDATE jobs SET state = 'running', attempts = MAX(attempts, ?), worker = ?, pass = '', progress = 0,
				error = '', started_at = COALESCE(started_at, ?), finished_at = NULL, updated_at = ?, event_seq = ? WHERE id = ?`,
				ev.Attempt, ev.Worker, now, now, newSeq, ev.Job)
		case ev.Kind == EventProgress && st == JobRunning:
			res, err = tx.ExecContext(ctx, `UPDATE jobs SET pass = ?, progress = ?, updated_at = ?, event_seq = ? WHERE id = ?`,
				ev.Pass, ev.Progress, now, newSeq, ev.Job)
		case ev.Kind == EventDone && st != JobDone:
			if ev.Report == nil {
				return fmt.Errorf("done event of job %d carries no report", ev.Job)
			}
			files, _ := json.Marshal(ev.Report.Files)
			var rec int64
			if err := tx.QueryRowContext(ctx, `SELECT recording_id FROM jobs WHERE id = ?`, ev.Job).Scan(&rec); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO reports (job_id, recording_id, files, movement, view, summary, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id) DO NOTHING`,
				ev.Job, rec, string(files), ev.Report.Movement, ev.Report.View, ev.Report.Summary, now); err != nil {
				return err
			}
			res, err = tx.ExecContext(ctx, `UPDATE jobs SET state = 'done', progress = 1, pass = '', error = '', worker = CASE WHEN ? = '' THEN worker ELSE ? END,
				attempts = MAX(attempts, ?), finished_at = ?, updated_at = ?, event_seq = ? WHERE id = ?`,
				ev.Worker, ev.Worker, ev.Attempt, now, now, newSeq, ev.Job)
		case (ev.Kind == EventFailed || ev.Kind == EventDead) && st != JobDone:
			res, err = tx.ExecContext(ctx, `UPDATE jobs SET state = ?, error = ?, attempts = MAX(attempts, ?), finished_at = ?, updated_at = ?, event_seq = ? WHERE id = ?`,
				string(ev.Kind), ev.Error, ev.Attempt, now, now, newSeq, ev.Job)
		default:
			// Not a forward move: remember the sequence only.
			_, err = tx.ExecContext(ctx, `UPDATE jobs SET event_seq = ? WHERE id = ?`, newSeq, ev.Job)
			return err
		}
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		changed = n > 0
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Job{}, false, fmt.Errorf("store: event for job %d: %w", ev.Job, err)
		}
		return Job{}, false, fmt.Errorf("store: event %s for job %d: %w", ev.Kind, ev.Job, err)
	}
	job, err = s.jobByID(ctx, s.db, ev.Job)
	if err != nil {
		return Job{}, false, fmt.Errorf("store: job %d: %w", ev.Job, err)
	}
	return job, changed, nil
}
