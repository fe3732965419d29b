// Package queue carries the clinic server's analysis jobs and files over
// NATS JetStream, so workers on other machines need nothing but a NATS
// URL: no shared disk and no database.
//
// Three streams and one object store, all file-backed:
//
//   - KNEESCREEN_JOBS (work-queue retention, one subject per job,
//     kneescreen.jobs.<id>): one message per queued job, consumed by the
//     durable pull consumer "workers" with explicit acks. A running job's
//     worker sends in-progress signals every third of AckWait, so only a
//     worker that died (or lost its connection) lets the message be
//     redelivered; after MaxDeliver deliveries the server gives up and
//     publishes a max-deliveries advisory.
//   - KNEESCREEN_DEAD captures those advisories: the dead letters, which
//     the server shows as dead jobs.
//   - KNEESCREEN_EVENTS (work-queue retention, consumer "serve"): what
//     workers report (running, progress, done, failed), applied in order
//     by the one server that owns the records.
//   - The object store "kneescreen" holds uploaded videos (videos/<random
//     name>) and each job's results (results/<job>/<file>, with a
//     manifest.json written last). Results are keyed by job, so a
//     redelivered job overwrites the same objects and its report exists
//     once; a worker that finds the manifest already there reports done
//     without running the analysis again.
//
// StartEmbedded runs a NATS server inside the process (the one-machine
// default); Connect reaches it or any other NATS server or cluster.
package queue
