package batch

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/kneescreen/kneescreen/internal/atomicfile"
)

// Status is how an input of a batch fared.
type Status string

// The statuses of an input.
const (
	// StatusPending: not analysed yet (or the run was interrupted first).
	StatusPending Status = "pending"
	// StatusAnalysed: analysed by this run; its folder is complete.
	StatusAnalysed Status = "analysed"
	// StatusUpToDate: its folder already held a complete report of this
	// input's content with these settings, so it was not analysed again.
	StatusUpToDate Status = "up_to_date"
	// StatusFailed: the analysis failed (Error says why); its folder
	// holds what could be written, without a manifest.
	StatusFailed Status = "failed"
)

// RecordVersion is the version of batch.json's format.
const RecordVersion = 1

// Entry is one input in batch.json.
type Entry struct {
	Input
	// SHA256 is the input's content digest, when it could be read.
	SHA256 string `json:"sha256,omitempty"`
	Status Status `json:"status"`
	// Error is the failure, one line.
	Error string `json:"error,omitempty"`
}

// Record is batch.json: which input went to which folder and how it went.
// It is rewritten (atomically) each time an input finishes, so it is
// current however the run ends. Safe for concurrent use.
type Record struct {
	mu   sync.Mutex
	path string
	doc  recordDoc
}

type recordDoc struct {
	Version int `json:"version"`
	// Tool is the kneescreen version that ran the batch.
	Tool string `json:"tool"`
	// Base is the folder the inputs' relative paths start from.
	Base string `json:"base"`
	// Settings is the digest of the analysis settings (the report
	// folders' manifests carry the same).
	Settings string  `json:"settings"`
	Inputs   []Entry `json:"inputs"`
}

// NewRecord starts the record of plan's inputs, to be written to
// out/batch.json.
func NewRecord(out, tool, settings string, plan *Plan) *Record {
	r := &Record{path: filepath.Join(out, RecordFile), doc: recordDoc{Version: RecordVersion, Tool: tool, Base: plan.Base, Settings: settings}}
	for _, in := range plan.Inputs {
		r.doc.Inputs = append(r.doc.Inputs, Entry{Input: in, Status: StatusPending})
	}
	return r
}

// Set records input i's outcome and rewrites batch.json.
func (r *Record) Set(i int, digest string, st Status, err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := &r.doc.Inputs[i]
	e.SHA256, e.Status, e.Error = digest, st, ""
	if err != nil {
		e.Error = oneLine(err.Error())
	}
	return r.write()
}

// Entries returns a copy of the entries.
func (r *Record) Entries() []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Entry(nil), r.doc.Inputs...)
}

// Write writes batch.json as it stands.
func (r *Record) Write() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.write()
}

func (r *Record) write() error {
	b, err := json.MarshalIndent(r.doc, "", "  ")
	if err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	if err := atomicfile.WriteFile(r.path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	return nil
}

// oneLine keeps a message on one line.
func oneLine(s string) string {
	b := []rune(s)
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}
