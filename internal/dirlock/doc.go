// Package dirlock gives one process at a time a folder to write in: an
// advisory lock (flock) on a hidden file in the folder, held while a run
// writes there and released by the kernel when the process ends, however
// it ends (kill -9 included), so a lock is never left stale. The analyze
// command locks its output folder so two runs into one folder cannot mix
// their files; the second gets ErrLocked at once, naming the holder.
package dirlock
