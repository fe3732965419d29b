package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// Kind names what can be deleted: a subject (with its sessions), a
// session (with its recordings) or a recording.
type Kind string

// The deletable kinds.
const (
	KindSubject   Kind = "subject"
	KindSession   Kind = "session"
	KindRecording Kind = "recording"
)

// ParseKind checks a kind name.
func ParseKind(s string) (Kind, error) {
	switch Kind(s) {
	case KindSubject, KindSession, KindRecording:
		return Kind(s), nil
	}
	return "", fmt.Errorf("store: %q: want subject, session or recording: %w", s, ErrNotFound)
}

// TrashItem is a soft-deleted record.
type TrashItem struct {
	Kind     Kind
	ID       int64
	ClinicID int64
	// Label describes it ("subject S-12", "session 2025-03-01 of S-12",
	// "recording squat.mp4 of S-12 on 2025-03-01").
	Label   string
	Deleted time.Time
}

// Blobs are the objects a purge removes: recordings' videos and jobs'
// result files.
type Blobs struct {
	Videos []string
	Jobs   []int64
}

// kindTable maps a kind to its table and the condition tying a row (alias
// t) to a clinic.
var kindTable = map[Kind]struct{ table, clinic string }{
	KindSubject:   {"subjects", `t.clinic_id = ?`},
	KindSession:   {"sessions", `EXISTS (SELECT 1 FROM subjects s WHERE s.id = t.subject_id AND s.clinic_id = ?)`},
	KindRecording: {"recordings", `EXISTS (SELECT 1 FROM sessions x JOIN subjects s ON s.id = x.subject_id WHERE x.id = t.session_id AND s.clinic_id = ?)`},
}

// Delete soft-deletes a live record of the clinic: it leaves every listing
// and can be restored until purged.
func (s *Store) Delete(ctx context.Context, clinicID int64, kind Kind, id int64) error {
	k, ok := kindTable[kind]
	if !ok {
		return fmt.Errorf("store: delete %s: %w", kind, ErrNotFound)
	}
	err := affected(s.db.ExecContext(ctx, `UPDATE `+k.table+` AS t SET deleted_at = ? WHERE t.id = ? AND t.deleted_at IS NULL AND `+k.clinic,
		s.stamp(), id, clinicID))
	if err != nil {
		return fmt.Errorf("store: delete %s %d: %w", kind, id, err)
	}
	return nil
}

// Restore undoes Delete. A subject whose code was reused meanwhile gives
// ErrExists.
func (s *Store) Restore(ctx context.Context, clinicID int64, kind Kind, id int64) error {
	k, ok := kindTable[kind]
	if !ok {
		return fmt.Errorf("store: restore %s: %w", kind, ErrNotFound)
	}
	err := affected(s.db.ExecContext(ctx, `UPDATE `+k.table+` AS t SET deleted_at = NULL WHERE t.id = ? AND t.deleted_at IS NOT NULL AND `+k.clinic,
		id, clinicID))
	if isUnique(err) {
		return fmt.Errorf("%w: restore %s %d: a live subject has its code", ErrExists, kind, id)
	}
	if err != nil {
		return fmt.Errorf("store: restore %s %d: %w", kind, id, err)
	}
	return nil
}

const trashQuery = `
SELECT 'subject', s.id, s.clinic_id, 'subject ' || s.code, s.deleted_at FROM subjects s
	WHERE s.deleted_at IS NOT NULL AND s.deleted_at < ? AND (? = 0 OR s.clinic_id = ?)
UNION ALL
SELECT 'session', x.id, s.clinic_id, 'session ' || x.date || ' of ' || s.code, x.deleted_at FROM sessions x JOIN subjects s ON s.id = x.subject_id
	WHERE x.deleted_at IS NOT NULL AND s.deleted_at IS NULL AND x.deleted_at < ? AND (? = 0 OR s.clinic_id = ?)
UNION ALL
SELECT 'recording', r.id, s.clinic_id, 'recording ' || r.original_name || ' of ' || s.code || ' on ' || x.date, r.deleted_at
	FROM recordings r JOIN sessions x ON x.id = r.session_id JOIN subjects s ON s.id = x.subject_id
	WHERE r.deleted_at IS NOT NULL AND x.deleted_at IS NULL AND s.deleted_at IS NULL AND r.deleted_at < ? AND (? = 0 OR s.clinic_id = ?)
ORDER BY 5 DESC`

// Trash lists the clinic's soft-deleted records, latest first. Records
// inside a deleted subject or session are not listed on their own: they
// go and come back with it.
func (s *Store) Trash(ctx context.Context, clinicID int64) ([]TrashItem, error) {
	return s.trash(ctx, clinicID, "9999")
}

// DeletedBefore lists, across clinics, the records deleted before t (for
// the purge that follows soft deletion).
func (s *Store) DeletedBefore(ctx context.Context, t time.Time) ([]TrashItem, error) {
	return s.trash(ctx, 0, t.UTC().Format(timeLayout))
}

func (s *Store) trash(ctx context.Context, clinicID int64, before string) ([]TrashItem, error) {
	scan := func(r scanner) (it TrashItem, err error) {
		var kind string
		var deleted sql.NullString
		err = r.Scan(&kind, &it.ID, &it.ClinicID, &it.Label, &deleted)
		it.Kind, it.Deleted = Kind(kind), parseTime(deleted)
		return it, err
	}
	out, err := queryAll(ctx, s.db, scan, trashQuery, before, clinicID, clinicID, before, clinicID, clinicID, before, clinicID, clinicID)
	if err != nil {
		return nil, fmt.Errorf("store: trash: %w", err)
	}
	return out, nil
}

// recordingsUnder selects the ids of the recordings inside a record.
var recordingsUnder = map[Kind]string{
	KindSubject:   `SELECT r.id FROM recordings r JOIN sessions x ON x.id = r.session_id WHERE x.subject_id = ?`,
	KindSession:   `SELECT r.id FROM recordings r WHERE r.session_id = ?`,
	KindRecording: `SELECT r.id FROM recordings r WHERE r.id = ?`,
}

// Purge removes a soft-deleted record of the clinic and everything in it
// for good. It first lists the blobs and calls deleteBlobs, and removes
// the rows only when that succeeds, so a failed purge can be repeated and
// no row ever points at a missing blob while it is still listed.
func (s *Store) Purge(ctx context.Context, clinicID int64, kind Kind, id int64, deleteBlobs func(Blobs) error) error {
	k, ok := kindTable[kind]
	if !ok {
		return fmt.Errorf("store: purge %s: %w", kind, ErrNotFound)
	}
	var found int
	if err := s.db.QueryRowContext(ctx, `SELECT 1 FROM `+k.table+` t WHERE t.id = ? AND t.deleted_at IS NOT NULL AND `+k.clinic, id, clinicID).Scan(&found); err != nil {
		return fmt.Errorf("store: purge %s %d (only deleted records are purged): %w", kind, id, one(err))
	}
	type pair struct {
		video string
		job   sql.NullInt64
	}
	pairs, err := queryAll(ctx, s.db, func(r scanner) (p pair, err error) { return p, r.Scan(&p.video, &p.job) },
		`SELECT r.video_object, j.id FROM recordings r LEFT JOIN jobs j ON j.recording_id = r.id WHERE r.id IN (`+recordingsUnder[kind]+`)`, id)
	if err != nil {
		return fmt.Errorf("store: purge %s %d: %w", kind, id, err)
	}
	var b Blobs
	for _, p := range pairs {
		if !slices.Contains(b.Videos, p.video) {
			b.Videos = append(b.Videos, p.video)
		}
		if p.job.Valid {
			b.Jobs = append(b.Jobs, p.job.Int64)
		}
	}
	if deleteBlobs != nil {
		if err := deleteBlobs(b); err != nil {
			return fmt.Errorf("store: purge %s %d: %w", kind, id, err)
		}
	}
	// ON DELETE CASCADE takes sessions, recordings, jobs and reports.
	if err := affected(s.db.ExecContext(ctx, `DELETE FROM `+k.table+` WHERE id = ?`, id)); err != nil {
		return fmt.Errorf("store: purge %s %d: %w", kind, id, err)
	}
	return nil
}
