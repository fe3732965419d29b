// Package report writes the files of one analysis: report.json (the
// screening report, documented by schema/report.schema.json),
// keypoints.csv (the model's keypoints per frame), angles.csv (every
// metric per frame) and report.html (a self-contained page for a
// clinician: findings, reps, plots and the bottom frame of each rep).
//
// Every file is written atomically (internal/atomicfile): a reader, or an
// interrupted run, sees the complete file or none. An Output goes further
// for a whole report folder: its files are staged and published together,
// an earlier run's files that this one does not write are removed, and
// manifest.json, written last, lists every file with its size and SHA-256,
// so a folder without a manifest is known to be incomplete. report.json is
// checked against schema/report.schema.json before it is written.
package report
