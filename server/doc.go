// Package server runs kneescreen's clinic server: it opens the records
// (package store), starts or reaches NATS (package queue), serves the web
// app and API (package web), applies the workers' job events to the
// records, keeps the queue and the records in step, purges the trash, and
// optionally runs analysis workers in the same process (package worker).
//
// One machine needs nothing else: `kneescreen serve` embeds a NATS server
// with JetStream under its data folder. To scale out, --nats-listen opens
// that server to `kneescreen worker` processes on other machines, or --nats
// points the server at an existing NATS cluster that workers join too.
//
// The records live only here (SQLite); the queue and blobs live in
// JetStream. Their consistency rests on three rules: a job is recorded
// before it is published (reconciliation republishes what never reached
// the queue); workers report through a durable event stream applied in
// order and idempotently; and a job whose results exist is done, whoever
// reported it.
package server
