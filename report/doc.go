// Package report writes the files of one analysis: report.json (the
// screening report, documented by schema/report.schema.json),
// keypoints.csv (the model's keypoints per frame), angles.csv (every
// metric per frame) and report.html (a self-contained page for a
// clinician: findings, reps, plots and the bottom frame of each rep).
//
// Every file is written atomically (internal/atomicfile): a reader, or an
// interrupted run, sees the complete file or none.
package report
