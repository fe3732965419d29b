package store

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func open(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "k.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// fixture is two clinics with a user, subject, session and recording each.
type fixture struct {
	s          *Store
	clinic     [2]int64
	subject    [2]int64
	session    [2]int64
	recording  [2]int64
	job        [2]int64
	videoNames [2]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s, _ := open(t)
	ctx := context.Background()
	f := &fixture{s: s}
	for i, name := range []string{"north", "south"} {
		u, err := s.CreateUser(ctx, name, "user-"+name, "hash", RoleClinician)
		if err != nil {
			t.Fatal(err)
		}
		f.clinic[i] = u.ClinicID
		if f.subject[i], err = s.CreateSubject(ctx, u.ClinicID, SubjectInput{Code: "S-1", Sex: "female", HeightCM: 170}); err != nil {
			t.Fatal(err)
		}
		if f.session[i], err = s.SessionOn(ctx, u.ClinicID, f.subject[i], "2025-03-01"); err != nil {
			t.Fatal(err)
		}
		f.videoNames[i] = "videos/" + name
		f.recording[i], f.job[i], err = s.CreateRecording(ctx, u.ClinicID, NewRecording{SessionID: f.session[i], Movement: "squat", Stance: "auto",
			View: "auto", OriginalName: "clip.mp4", VideoObject: f.videoNames[i], VideoBytes: 10, Probe: "{}"})
		if err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestMigrations(t *testing.T) {
	s, path := open(t)
	ctx := context.Background()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil || v != len(ms) || v == 0 {
		t.Fatalf("schema version %d, %v; want %d", v, err, len(ms))
	}
	if _, err := s.CreateUser(ctx, "c", "a", "h", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	s.Close()

	t.Run("reopen keeps data and applies nothing twice", func(t *testing.T) {
		s2, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if n, _ := s2.CountUsers(ctx); n != 1 {
			t.Errorf("%d users after reopening, want 1", n)
		}
		var rows int
		s2.db.QueryRow(`SELECT COUNT(*) FROM schema_version`).Scan(&rows)
		if rows != len(ms) {
			t.Errorf("%d schema_version rows, want %d", rows, len(ms))
		}
	})
	t.Run("newer schema is refused", func(t *testing.T) {
		s2, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		s2.db.Exec(`INSERT INTO schema_version VALUES (?, 'future.sql', 'x')`, len(ms)+1)
		s2.Close()
		if _, err := Open(ctx, path); !errors.Is(err, ErrSchemaTooNew) {
			t.Errorf("Open of a newer database: %v, want ErrSchemaTooNew", err)
		}
	})
	t.Run("WAL", func(t *testing.T) {
		fresh, _ := open(t)
		var mode string
		fresh.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
		if mode != "wal" {
			t.Errorf("journal mode %q, want wal", mode)
		}
	})
}

// TestClinicIsolation: every read and write of one clinic's records with
// another clinic's id behaves as if the record did not exist.
func TestClinicIsolation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	own, other := f.clinic[0], f.clinic[1]
	subs, err := f.s.Subjects(ctx, own, "", 0)
	if err != nil || len(subs) != 1 || subs[0].ID != f.subject[0] {
		t.Fatalf("clinic 0 lists %+v, %v; want only its subject", subs, err)
	}
	checks := []struct {
		name string
		fn   func() error
	}{
		{"Subject", func() error { _, err := f.s.Subject(ctx, other, f.subject[0]); return err }},
		{"UpdateSubject", func() error {
			return f.s.UpdateSubject(ctx, other, f.subject[0], SubjectInput{Code: "S-1", Sex: "male"})
		}},
		{"Sessions", func() error {
			v, err := f.s.Sessions(ctx, other, f.subject[0])
			if err == nil && len(v) > 0 {
				return nil
			}
			return ErrNotFound
		}},
		{"Session", func() error { _, err := f.s.Session(ctx, other, f.session[0]); return err }},
		{"CreateSession", func() error { _, err := f.s.CreateSession(ctx, other, f.subject[0], "2025-01-01", ""); return err }},
		{"SessionOn", func() error { _, err := f.s.SessionOn(ctx, other, f.subject[0], "2025-03-01"); return err }},
		{"Recordings", func() error {
			v, err := f.s.Recordings(ctx, other, f.session[0])
			if err == nil && len(v) > 0 {
				return nil
			}
			return ErrNotFound
		}},
		{"Recording", func() error { _, err := f.s.Recording(ctx, other, f.recording[0]); return err }},
		{"CreateRecording", func() error {
			_, _, err := f.s.CreateRecording(ctx, other, NewRecording{SessionID: f.session[0], VideoObject: "x", Probe: "{}"})
			return err
		}},
		{"Job", func() error { _, err := f.s.Job(ctx, other, f.job[0]); return err }},
		{"RetryJob", func() error { _, err := f.s.RetryJob(ctx, other, f.job[0]); return err }},
		{"Trends", func() error {
			v, err := f.s.Trends(ctx, other, f.subject[0])
			if err == nil && len(v) > 0 {
				return nil
			}
			return ErrNotFound
		}},
		{"Delete", func() error { return f.s.Delete(ctx, other, KindRecording, f.recording[0]) }},
		{"Restore", func() error { return f.s.Restore(ctx, other, KindSubject, f.subject[0]) }},
		{"Purge", func() error { return f.s.Purge(ctx, other, KindSubject, f.subject[0], nil) }},
	}
	// A finished report, so Trends has something to hide.
	if _, _, err := f.s.ApplyEvent(ctx, Event{Job: f.job[0], Kind: EventDone, Report: &Report{Files: []string{"report.json"}, Summary: "[]"}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if err := c.fn(); !errors.Is(err, ErrNotFound) {
				t.Errorf("with another clinic's id: %v, want ErrNotFound", err)
			}
		})
	}
	// The owner still sees everything unchanged.
	if r, err := f.s.Recording(ctx, own, f.recording[0]); err != nil || r.Job.State != JobDone || r.Report == nil {
		t.Errorf("owner's recording: %+v, %v", r, err)
	}
	if v, _ := f.s.Subject(ctx, own, f.subject[0]); v.Sex != "female" {
		t.Errorf("owner's subject changed to %q", v.Sex)
	}
}

func TestSubjectCodes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.clinic[0]
	if _, err := f.s.CreateSubject(ctx, c, SubjectInput{Code: "S-1", Sex: "male"}); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate code: %v, want ErrExists", err)
	}
	if _, err := f.s.CreateSubject(ctx, c, SubjectInput{Code: "A_%2", Sex: "unspecified"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{{"", []string{"A_%2", "S-1"}}, {"_%", []string{"A_%2"}}, {"%", []string{"A_%2"}}, {"s-", []string{"S-1"}}, {"zz", nil}} {
		subs, err := f.s.Subjects(ctx, c, tc.q, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range subs {
			got = append(got, s.Code)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("search %q: %q, want %q", tc.q, got, tc.want)
		}
	}
	// A deleted subject frees its code; restoring it then conflicts.
	if err := f.s.Delete(ctx, c, KindSubject, f.subject[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateSubject(ctx, c, SubjectInput{Code: "S-1", Sex: "male"}); err != nil {
		t.Fatalf("reusing a deleted subject's code: %v", err)
	}
	if err := f.s.Restore(ctx, c, KindSubject, f.subject[0]); !errors.Is(err, ErrExists) {
		t.Errorf("restoring over a reused code: %v, want ErrExists", err)
	}
	for _, in := range []SubjectInput{{Code: "", Sex: "male"}, {Code: "x", Sex: "other"}, {Code: "x", Sex: "male", HeightCM: -1}} {
		if _, err := f.s.CreateSubject(ctx, c, in); err == nil {
			t.Errorf("CreateSubject(%+v) accepted", in)
		}
	}
}

// TestApplyEvent: a job's state only moves forward, and stale events are
// ignored by sequence.
func TestApplyEvent(t *testing.T) {
	ctx := context.Background()
	rep := &Report{Files: []string{"report.json", "report.html"}, Movement: "squat", View: "front", Summary: `[{"name":"fppa_deg"}]`}
	type step struct {
		ev      Event
		state   JobState
		changed bool
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"normal run", []step{
			{Event{Kind: EventRunning, Seq: 1, Attempt: 1, Worker: "a"}, JobRunning, true},
			{Event{Kind: EventProgress, Seq: 2, Pass: "pose", Progress: 0.5}, JobRunning, true},
			{Event{Kind: EventDone, Seq: 3, Attempt: 1, Report: rep}, JobDone, true},
		}},
		{"redelivered run after a crash, then the stale worker's late events", []step{
			{Event{Kind: EventRunning, Seq: 1, Attempt: 1, Worker: "a"}, JobRunning, true},
			{Event{Kind: EventRunning, Seq: 5, Attempt: 2, Worker: "b"}, JobRunning, true},
			{Event{Kind: EventDone, Seq: 9, Attempt: 2, Worker: "b", Report: rep}, JobDone, true},
			{Event{Kind: EventProgress, Seq: 10, Pass: "pose", Progress: 0.9}, JobDone, false},
			{Event{Kind: EventDone, Seq: 11, Attempt: 1, Worker: "a", Report: rep}, JobDone, false},
			{Event{Kind: EventFailed, Seq: 12, Error: "x"}, JobDone, false},
		}},
		{"redelivered event with an old sequence", []step{
			{Event{Kind: EventRunning, Seq: 3, Attempt: 1}, JobRunning, true},
			{Event{Kind: EventProgress, Seq: 4, Progress: 0.4}, JobRunning, true},
			{Event{Kind: EventRunning, Seq: 3, Attempt: 1}, JobRunning, false},
		}},
		{"progress before running is ignored", []step{
			{Event{Kind: EventProgress, Seq: 1, Progress: 0.3}, JobQueued, false},
		}},
		{"dead letter, then a late success", []step{
			{Event{Kind: EventRunning, Seq: 1, Attempt: 3}, JobRunning, true},
			{Event{Kind: EventDead, Error: "worker lost 3 times"}, JobDead, true},
			{Event{Kind: EventDone, Seq: 7, Report: rep}, JobDone, true},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			for i, st := range c.steps {
				st.ev.Job = f.job[0]
				j, changed, err := f.s.ApplyEvent(ctx, st.ev)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if j.State != st.state || changed != st.changed {
					t.Fatalf("step %d (%s seq %d): state %s changed %v, want %s %v", i, st.ev.Kind, st.ev.Seq, j.State, changed, st.state, st.changed)
				}
				if j.ClinicID != f.clinic[0] || j.SubjectID != f.subject[0] {
					t.Errorf("job's clinic/subject %d/%d, want %d/%d", j.ClinicID, j.SubjectID, f.clinic[0], f.subject[0])
				}
			}
			var reports int
			f.s.db.QueryRow(`SELECT COUNT(*) FROM reports WHERE job_id = ?`, f.job[0]).Scan(&reports)
			r, _ := f.s.Recording(ctx, f.clinic[0], f.recording[0])
			if r.Job.State == JobDone {
				if reports != 1 || r.Report == nil || !slices.Equal(r.Report.Files, rep.Files) {
					t.Errorf("done job has %d reports (%+v), want exactly one", reports, r.Report)
				}
			} else if reports != 0 {
				t.Errorf("unfinished job has %d reports", reports)
			}
		})
	}
	t.Run("purged job", func(t *testing.T) {
		f := newFixture(t)
		if _, _, err := f.s.ApplyEvent(ctx, Event{Job: 999, Kind: EventRunning}); !errors.Is(err, ErrNotFound) {
			t.Errorf("event for a missing job: %v, want ErrNotFound", err)
		}
	})
}

func TestRetryAndUnfinished(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	un, err := f.s.UnfinishedJobs(ctx)
	if err != nil || len(un) != 2 || un[0].JobID != f.job[0] || un[0].VideoObject != f.videoNames[0] || un[0].Sex != "female" {
		t.Fatalf("unfinished %+v, %v", un, err)
	}
	if _, err := f.s.RetryJob(ctx, f.clinic[0], f.job[0]); err == nil {
		t.Error("retrying a queued job succeeded")
	}
	f.s.ApplyEvent(ctx, Event{Job: f.job[0], Kind: EventFailed, Seq: 1, Error: "bad"})
	spec, err := f.s.RetryJob(ctx, f.clinic[0], f.job[0])
	if err != nil || spec.Enqueued != 2 {
		t.Fatalf("retry: %+v, %v; want enqueued 2", spec, err)
	}
	j, _ := f.s.Job(ctx, f.clinic[0], f.job[0])
	if j.State != JobQueued || j.Error != "" {
		t.Errorf("retried job %+v", j)
	}
}

func TestTrashAndPurge(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.clinic[0]
	if err := f.s.Purge(ctx, c, KindRecording, f.recording[0], nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("purging a live recording: %v, want ErrNotFound", err)
	}
	if err := f.s.Delete(ctx, c, KindRecording, f.recording[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Recording(ctx, c, f.recording[0]); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted recording still readable: %v", err)
	}
	tr, _ := f.s.Trash(ctx, c)
	if len(tr) != 1 || tr[0].Kind != KindRecording || tr[0].Label != "recording clip.mp4 of S-1 on 2025-03-01" {
		t.Fatalf("trash %+v", tr)
	}
	if err := f.s.Restore(ctx, c, KindRecording, f.recording[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Recording(ctx, c, f.recording[0]); err != nil {
		t.Errorf("restored recording: %v", err)
	}

	// Purge of a subject takes its sessions, recordings, jobs and blobs;
	// a failing blob deletion keeps every row.
	f.s.Delete(ctx, c, KindSubject, f.subject[0])
	old := f.s.Now
	f.s.Now = func() time.Time { return old().Add(time.Hour) }
	due, _ := f.s.DeletedBefore(ctx, old().Add(30*time.Minute))
	if len(due) != 1 || due[0].ID != f.subject[0] || due[0].ClinicID != c {
		t.Fatalf("due for purge: %+v", due)
	}
	boom := errors.New("blob store down")
	if err := f.s.Purge(ctx, c, KindSubject, f.subject[0], func(Blobs) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("purge with failing blob deletion: %v", err)
	}
	if tr, _ := f.s.Trash(ctx, c); len(tr) != 1 {
		t.Fatalf("after a failed purge the trash holds %d, want 1", len(tr))
	}
	var got Blobs
	if err := f.s.Purge(ctx, c, KindSubject, f.subject[0], func(b Blobs) error { got = b; return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Videos, []string{f.videoNames[0]}) || !slices.Equal(got.Jobs, []int64{f.job[0]}) {
		t.Errorf("purged blobs %+v", got)
	}
	for _, table := range []string{"subjects", "sessions", "recordings", "jobs"} {
		var n int
		f.s.db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n)
		if n != 1 {
			t.Errorf("%d %s left, want 1 (the other clinic's)", n, table)
		}
	}
}

func TestTokens(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, "c", "Ann", "h", RoleClinician)
	if _, err := s.CreateUser(ctx, "c", "ann", "h", RoleClinician); !errors.Is(err, ErrExists) {
		t.Errorf("user names differing in case: %v, want ErrExists", err)
	}
	h := []byte("0123456789abcdef0123456789abcdef")
	s.CreateToken(ctx, h, u.ID, TokenWeb, time.Now().Add(time.Hour))
	if got, err := s.UserByToken(ctx, h, TokenWeb); err != nil || got.ID != u.ID || got.Clinic != "c" {
		t.Errorf("token lookup: %+v, %v", got, err)
	}
	if _, err := s.UserByToken(ctx, h, TokenAPI); !errors.Is(err, ErrNotFound) {
		t.Errorf("web token used as API token: %v", err)
	}
	old := s.Now
	s.Now = func() time.Time { return old().Add(2 * time.Hour) }
	if _, err := s.UserByToken(ctx, h, TokenWeb); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired token: %v", err)
	}
	if n, _ := s.DeleteExpiredTokens(ctx); n != 1 {
		t.Errorf("deleted %d expired tokens, want 1", n)
	}
}
