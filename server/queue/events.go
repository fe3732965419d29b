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

// EventKind is what an event reports.
type EventKind string

// The event kinds (see store.EventKind, which they map to one to one).
const (
	EventRunning  EventKind = "running"
	EventProgress EventKind = "progress"
	EventDone     EventKind = "done"
	EventFailed   EventKind = "failed"
	EventDead     EventKind = "dead"
)

// Event is what a worker reports about a job.
type Event struct {
	Job     int64     `json:"job"`
	Kind    EventKind `json:"kind"`
	Attempt int       `json:"attempt,omitempty"`
	Worker  string    `json:"worker,omitempty"`
	// Pass is "pose" or "render"; Progress its fraction done.
	Pass     string    `json:"pass,omitempty"`
	Progress float64   `json:"progress,omitempty"`
	Error    string    `json:"error,omitempty"`
	Time     time.Time `json:"time"`
	// Seq is the event's stream sequence (set on receipt; 0 for dead
	// letters, which come from another stream).
	Seq uint64 `json:"-"`
}

// PublishEvent stores an event for the server.
func (c *Conn) PublishEvent(ctx context.Context, ev Event) error {
	if ev.Time.IsZero() {
		ev.Time = time.Now().UTC()
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("queue: event: %w", err)
	}
	if _, err := c.js.Publish(ctx, eventSubject+strconv.FormatInt(ev.Job, 10), b, jetstream.WithExpectStream(EventsStream)); err != nil {
		return fmt.Errorf("queue: publish %s event of job %d: %w", ev.Kind, ev.Job, err)
	}
	return nil
}

// ConsumeEvents calls fn for every event, in stream order, one at a time,
// until ctx ends. An event fn fails on is redelivered a second later; fn
// must therefore be idempotent (store.ApplyEvent is).
func (c *Conn) ConsumeEvents(ctx context.Context, fn func(context.Context, Event) error) error {
	return c.consume(ctx, EventsStream, func(msg jetstream.Msg) (Event, error) {
		var ev Event
		if err := json.Unmarshal(msg.Data(), &ev); err != nil {
			return ev, err
		}
		md, err := msg.Metadata()
		if err != nil {
			return ev, err
		}
		ev.Seq = md.Sequence.Stream
		return ev, nil
	}, fn)
}

// advisory is the part of JetStream's max-deliveries advisory used here.
type advisory struct {
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries int    `json:"deliveries"`
}

// ConsumeDeadLetters calls fn with a dead event for every job whose
// deliveries ran out, after removing its message from the jobs stream.
func (c *Conn) ConsumeDeadLetters(ctx context.Context, fn func(context.Context, Event) error) error {
	return c.consume(ctx, DeadStream, func(msg jetstream.Msg) (Event, error) {
		var a advisory
		if err := json.Unmarshal(msg.Data(), &a); err != nil {
			return Event{}, err
		}
		raw, err := c.jobs.GetMsg(ctx, a.StreamSeq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return Event{}, errGone
		}
		if err != nil {
			return Event{}, err
		}
		id, err := jobID(raw.Subject, jobSubject)
		if err != nil {
			return Event{}, err
		}
		// The message stays in a work-queue stream after its last
		// delivery; remove it so the stream holds only live work.
		if err := c.jobs.DeleteMsg(ctx, a.StreamSeq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			return Event{}, err
		}
		return Event{Job: id, Kind: EventDead, Attempt: a.Deliveries,
			Error: fmt.Sprintf("no worker finished it in %d deliveries (workers crashed or lost their connection while running it)", a.Deliveries)}, nil
	}, fn)
}

// errGone marks a message with nothing left to do.
var errGone = errors.New("gone")

// consume runs a one-at-a-time durable consumer on stream.
func (c *Conn) consume(ctx context.Context, stream string, decode func(jetstream.Msg) (Event, error), fn func(context.Context, Event) error) error {
	cons, err := c.js.Consumer(ctx, stream, ServeConsumer)
	if err != nil {
		return notSetUp(err)
	}
	for ctx.Err() == nil {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		msg, err := cons.Next(jetstream.FetchContext(wctx))
		cancel()
		if errors.Is(err, jetstream.ErrNoMessages) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, jetstream.ErrNoHeartbeat) {
			continue
		}
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		ev, err := decode(msg)
		if errors.Is(err, errGone) {
			_ = msg.Ack()
			continue
		}
		if err != nil {
			// Undecodable: nothing later will make sense of it.
			_ = msg.TermWithReason(err.Error())
			continue
		}
		if err := fn(ctx, ev); err != nil {
			_ = msg.NakWithDelay(time.Second)
			continue
		}
		_ = msg.Ack()
	}
	return ctx.Err()
}

// Pending returns how many events wait for the server (not yet
// acknowledged), so it can catch up before reconciling.
func (c *Conn) Pending(ctx context.Context) (uint64, error) {
	cons, err := c.js.Consumer(ctx, EventsStream, ServeConsumer)
	if err != nil {
		return 0, notSetUp(err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("queue: %w", err)
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}
