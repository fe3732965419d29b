// Package store keeps the clinic server's records in SQLite: clinics,
// users and their login tokens, subjects, sessions, recordings, analysis
// jobs and the reports they produced.
//
// The database is one file opened in WAL mode through modernc.org/sqlite
// (pure Go, so the server builds without cgo). Its schema is the SQL files
// in migrations/, applied in name order on Open and recorded in the
// schema_version table; a database written by a newer kneescreen is refused
// rather than guessed at.
//
// Every query about a clinic's data takes the clinic's id and filters on
// it, so a clinician can only ever reach their own clinic's subjects; a row
// of another clinic is reported as ErrNotFound, exactly like a missing one.
// Deleting is soft (deleted_at is set and the row leaves every listing);
// Purge removes the rows for good and returns the blob names the caller
// must delete with them.
//
// Job state moves forward only: worker events carry the stream sequence
// they were stored under, and ApplyEvent ignores any event older than the
// last one applied to the job, so redelivered and late events are harmless.
package store
