// Package worker runs analysis jobs from the queue: it fetches a job when
// it has room in its budget, downloads the video from the object store,
// runs an Analyzer on it while telling the queue the job is in progress,
// stores the result files keyed by job and reports each step as an event.
//
// A worker holds no state worth keeping: kill it at any moment and the job
// it was running is redelivered to another worker once its ack wait runs
// out. Results are keyed by job and completed by a manifest written last,
// so a job that was finished but not acknowledged is reported done again
// without being analysed twice.
//
// Failures are sorted by what a retry can do: a PermanentError (the video
// is not a video, an option is invalid) fails the job at once; anything
// else is retried with a growing delay until the queue's MaxDeliver, then
// fails. Stopping the worker hands its running jobs straight back to the
// queue.
package worker
