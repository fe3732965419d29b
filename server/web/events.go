package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kneescreen/kneescreen/server/store"
)

// JobUpdate is what the live-progress stream sends about a job.
type JobUpdate struct {
	Job       int64   `json:"job"`
	Recording int64   `json:"recording"`
	Subject   int64   `json:"subject"`
	State     string  `json:"state"`
	Pass      string  `json:"pass,omitempty"`
	Progress  float64 `json:"progress"`
	Error     string  `json:"error,omitempty"`
	Attempts  int     `json:"attempts"`
	clinic    int64
}

func updateOf(j store.Job) JobUpdate {
	return JobUpdate{Job: j.ID, Recording: j.RecordingID, Subject: j.SubjectID, State: string(j.State), Pass: j.Pass,
		Progress: j.Progress, Error: j.Error, Attempts: j.Attempts, clinic: j.ClinicID}
}

// Hub fans job updates out to the open event streams of each clinic.
type Hub struct {
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
}

type subscriber struct {
	clinic int64
	ch     chan JobUpdate
	// gone closes when the hub drops a subscriber that fell behind; its
	// browser reconnects and gets current states again.
	gone chan struct{}
}

// subscriberBuffer is how many updates a slow stream may lag behind.
const subscriberBuffer = 256

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[*subscriber]struct{}{}} }

// Publish sends a job's current state to its clinic's streams. It never
// blocks.
func (h *Hub) Publish(j store.Job) {
	u := updateOf(j)
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if s.clinic != u.clinic {
			continue
		}
		select {
		case s.ch <- u:
		default:
			delete(h.subs, s)
			close(s.gone)
		}
	}
}

func (h *Hub) subscribe(clinic int64) *subscriber {
	s := &subscriber{clinic: clinic, ch: make(chan JobUpdate, subscriberBuffer), gone: make(chan struct{})}
	h.mu.Lock()
	if h.closed {
		close(s.gone)
	} else {
		h.subs[s] = struct{}{}
	}
	h.mu.Unlock()
	return s
}

// Close ends every stream and every later one (the server is shutting
// down; streams would otherwise hold it up).
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		delete(h.subs, s)
		close(s.gone)
	}
}

func (h *Hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// Subscribers counts open streams (for tests).
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// events serves GET /events?jobs=1,2,3: server-sent events, first the
// current state of the listed jobs (so a page never misses a change made
// between rendering and connecting), then every update of the clinic's
// jobs.
func (s *Server) events(w http.ResponseWriter, r *http.Request, u *store.User) error {
	select {
	case s.streams <- struct{}{}:
	default:
		return &httpError{status: http.StatusServiceUnavailable, msg: "too many live connections"}
	}
	defer func() { <-s.streams }()
	rc := http.NewResponseController(w)
	sub := s.hub.subscribe(u.ClinicID)
	defer s.hub.unsubscribe(sub)

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(up JobUpdate) error {
		b, _ := json.Marshal(up)
		if _, err := fmt.Fprintf(w, "event: job\ndata: %s\n\n", b); err != nil {
			return err
		}
		return rc.Flush()
	}
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return nil
	}
	for _, f := range strings.Split(r.URL.Query().Get("jobs"), ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		if j, err := s.st.Job(r.Context(), u.ClinicID, id); err == nil {
			if send(updateOf(j)) != nil {
				return nil
			}
		}
	}
	if rc.Flush() != nil {
		return nil
	}
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-sub.gone:
			return nil
		case up := <-sub.ch:
			if send(up) != nil {
				return nil
			}
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
				return nil
			}
		}
	}
}
