-- The clinic server's records. Times are UTC RFC 3339 text (sortable);
-- session dates are YYYY-MM-DD. AUTOINCREMENT keeps ids of purged rows from
-- coming back: job and recording ids name objects in the blob store.

CREATE TABLE clinics (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL
);

CREATE TABLE users (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	clinic_id     INTEGER NOT NULL REFERENCES clinics(id),
	username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
	password_hash TEXT NOT NULL,
	role          TEXT NOT NULL CHECK (role IN ('admin', 'clinician')),
	created_at    TEXT NOT NULL
);

-- Login sessions (kind 'web', a cookie) and API tokens (kind 'api'). Only
-- the SHA-256 of the secret is kept, so a copy of the database grants no
-- access.
CREATE TABLE tokens (
	hash       BLOB PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	kind       TEXT NOT NULL CHECK (kind IN ('web', 'api')),
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX tokens_expiry ON tokens(expires_at);

CREATE TABLE subjects (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	clinic_id  INTEGER NOT NULL REFERENCES clinics(id),
	code       TEXT NOT NULL,
	sex        TEXT NOT NULL CHECK (sex IN ('unspecified', 'female', 'male')),
	height_cm  REAL,
	notes      TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	deleted_at TEXT
);
-- A code is unique among a clinic's live subjects; a deleted subject's code
-- may be reused.
CREATE UNIQUE INDEX subjects_code ON subjects(clinic_id, code) WHERE deleted_at IS NULL;

CREATE TABLE sessions (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	subject_id INTEGER NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
	date       TEXT NOT NULL,
	notes      TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	deleted_at TEXT
);
CREATE INDEX sessions_subject ON sessions(subject_id, date);

-- original_name is shown to people only; the video is stored under
-- video_object, a name the server generates.
CREATE TABLE recordings (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	session_id    INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
	movement      TEXT NOT NULL,
	stance        TEXT NOT NULL,
	view          TEXT NOT NULL,
	original_name TEXT NOT NULL,
	video_object  TEXT NOT NULL,
	video_bytes   INTEGER NOT NULL,
	probe         TEXT NOT NULL,
	created_at    TEXT NOT NULL,
	deleted_at    TEXT
);
CREATE INDEX recordings_session ON recordings(session_id);

-- One analysis of a recording. event_seq is the stream sequence of the last
-- worker event applied, so a redelivered or late event never moves a job
-- backwards.
CREATE TABLE jobs (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
	state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'dead')),
	pass         TEXT NOT NULL DEFAULT '',
	progress     REAL NOT NULL DEFAULT 0,
	error        TEXT NOT NULL DEFAULT '',
	attempts     INTEGER NOT NULL DEFAULT 0,
	enqueued     INTEGER NOT NULL DEFAULT 1,
	worker       TEXT NOT NULL DEFAULT '',
	event_seq    INTEGER NOT NULL DEFAULT 0,
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL,
	started_at   TEXT,
	finished_at  TEXT
);
CREATE INDEX jobs_recording ON jobs(recording_id);
CREATE INDEX jobs_state ON jobs(state);

-- The report a job produced: its file names (objects results/<job>/<name>)
-- and the report's per-metric summary for trend plots. Keyed by job, so a
-- job finished twice still has one report.
CREATE TABLE reports (
	job_id       INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
	recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
	files        TEXT NOT NULL,
	movement     TEXT NOT NULL DEFAULT '',
	view         TEXT NOT NULL DEFAULT '',
	summary      TEXT NOT NULL,
	created_at   TEXT NOT NULL
);
CREATE INDEX reports_recording ON reports(recording_id);
