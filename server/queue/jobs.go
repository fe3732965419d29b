package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Job is the message that asks a worker to analyse a recording.
type Job struct {
	ID        int64 `json:"id"`
	Recording int64 `json:"recording"`
	// Video is the object holding the upload; Ext the file extension
	// that suits its container (from the server's probe).
	Video string `json:"video"`
	Ext   string `json:"ext,omitempty"`
	// Name is the upload's file name as the client gave it: shown in the
	// report, never used as a path.
	Name     string `json:"name,omitempty"`
	Movement string `json:"movement"`
	Stance   string `json:"stance"`
	View     string `json:"view"`
	Sex      string `json:"sex"`
	// Enqueued counts the job's queuings (1 + retries); it makes each
	// queuing a distinct message for deduplication.
	Enqueued int `json:"enqueued"`
}

// PublishJob queues a job. Publishing the same queuing twice (same ID and
// Enqueued) stores one message.
func (c *Conn) PublishJob(ctx context.Context, j Job) error {
	b, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("queue: job %d: %w", j.ID, err)
	}
	msgID := fmt.Sprintf("job-%d-%d", j.ID, j.Enqueued)
	if _, err := c.js.Publish(ctx, jobSubject+strconv.FormatInt(j.ID, 10), b, jetstream.WithMsgID(msgID), jetstream.WithExpectStream(JobsStream)); err != nil {
		return fmt.Errorf("queue: publish job %d: %w", j.ID, err)
	}
	return nil
}

// JobQueued reports whether the jobs stream still holds a message for the
// job (queued, or delivered and not yet acknowledged).
func (c *Conn) JobQueued(ctx context.Context, id int64) (bool, error) {
	_, err := c.jobs.GetLastMsgForSubject(ctx, jobSubject+strconv.FormatInt(id, 10))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("queue: job %d: %w", id, err)
	}
	return true, nil
}

// Delivery is one delivery of a job to a worker.
type Delivery struct {
	Job Job
	// Attempt counts deliveries of this message from 1.
	Attempt int
	// Last is true on the final delivery MaxDeliver allows.
	Last bool
	msg  jetstream.Msg
}

// InProgress tells the server the job is still being worked on, resetting
// its ack wait.
func (d *Delivery) InProgress() error { return d.msg.InProgress() }

// Done acknowledges the job, waiting for the server to confirm, so a
// finished job is never delivered again.
func (d *Delivery) Done(ctx context.Context) error { return d.msg.DoubleAck(ctx) }

// Retry hands the job back for redelivery after delay.
func (d *Delivery) Retry(delay time.Duration) error { return d.msg.NakWithDelay(delay) }

// Drop ends the job's deliveries for good (it failed; the failure was
// reported as an event).
func (d *Delivery) Drop(reason string) error { return d.msg.TermWithReason(reason) }

// Jobs pulls deliveries for a worker.
type Jobs struct {
	cons       jetstream.Consumer
	maxDeliver int
}

// Jobs returns the workers' consumer.
func (c *Conn) Jobs(ctx context.Context) (*Jobs, error) {
	cons, err := c.jobs.Consumer(ctx, WorkersConsumer)
	if err != nil {
		return nil, notSetUp(err)
	}
	return &Jobs{cons: cons, maxDeliver: cons.CachedInfo().Config.MaxDeliver}, nil
}

// Next waits up to wait for one job. It returns (nil, nil) when none came.
// A message that is not a job is dropped and reported as an error.
func (j *Jobs) Next(ctx context.Context, wait time.Duration) (*Delivery, error) {
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	batch, err := j.cons.Fetch(1, jetstream.FetchContext(wctx))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("queue: fetch: %w", err)
	}
	var msg jetstream.Msg
	for m := range batch.Messages() {
		msg = m
	}
	if msg == nil {
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("queue: fetch: %w", err)
		}
		return nil, ctx.Err()
	}
	md, err := msg.Metadata()
	if err != nil {
		_ = msg.Nak()
		return nil, fmt.Errorf("queue: job metadata: %w", err)
	}
	d := &Delivery{Attempt: int(md.NumDelivered), msg: msg}
	d.Last = j.maxDeliver > 0 && d.Attempt >= j.maxDeliver
	if err := json.Unmarshal(msg.Data(), &d.Job); err != nil || d.Job.ID <= 0 {
		_ = msg.TermWithReason("not a job")
		return nil, fmt.Errorf("queue: message %d on %s is not a job: %v", md.Sequence.Stream, msg.Subject(), err)
	}
	return d, nil
}
