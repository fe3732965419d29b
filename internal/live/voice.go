package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
)

// ErrNoVoice is returned by NewVoice when espeak-ng is not installed.
var ErrNoVoice = errors.New("live: --voice: espeak-ng is not installed (Debian: apt-get install espeak-ng); cues are shown, not spoken")

// Speaker says cues aloud. Say must not block.
type Speaker interface {
	Say(text string)
}

// Voice speaks with espeak-ng, one utterance at a time, on its own
// goroutine: Say never blocks the frame loop. A cue arriving while one is
// spoken waits; one arriving while another already waits replaces it (the
// newest advice is the one that matters).
type Voice struct {
	path    string
	args    func(text string) []string
	ctx     context.Context
	cancel  context.CancelFunc
	pending chan string
	done    chan struct{}
	once    sync.Once
	// OnError, when set, is called once, from the voice's goroutine,
	// with the first failure to speak (espeak-ng exits 0 without a sound
	// device, and says so on stderr).
	OnError func(error)
}

// NewVoice finds espeak-ng; ErrNoVoice when it is not installed.
func NewVoice() (*Voice, error) {
	path, err := exec.LookPath("espeak-ng")
	if err != nil {
		return nil, ErrNoVoice
	}
	ctx, cancel := context.WithCancel(context.Background())
	v := &Voice{path: path, ctx: ctx, cancel: cancel, pending: make(chan string, 1), done: make(chan struct{}),
		args: func(text string) []string { return []string{"-s", "160", text} }}
	go v.run()
	return v, nil
}

// Say queues text to be spoken.
func (v *Voice) Say(text string) {
	for {
		select {
		case v.pending <- text:
			return
		default:
		}
		select {
		case <-v.pending: // replace the waiting one
		default:
		}
	}
}

func (v *Voice) run() {
	defer close(v.done)
	for {
		select {
		case <-v.ctx.Done():
			return
		case text := <-v.pending:
			var stderr bytes.Buffer
			cmd := exec.CommandContext(v.ctx, v.path, v.args(text)...)
			cmd.Stderr = &stderr
			err := cmd.Run()
			if err == nil && strings.Contains(stderr.String(), "error") {
				err = errors.New(lastErrorLine(stderr.String()))
			}
			if err != nil && v.ctx.Err() == nil && v.OnError != nil {
				v.once.Do(func() { v.OnError(fmt.Errorf("live: --voice: espeak-ng: %w", err)) })
			}
		}
	}
}

// lastErrorLine is the last line of s that mentions an error.
func lastErrorLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], "error") {
			return strings.TrimSpace(lines[i])
		}
	}
	return strings.TrimSpace(lines[len(lines)-1])
}

// Close stops speaking (an utterance in progress is cut) and waits for
// the goroutine.
func (v *Voice) Close() {
	v.cancel()
	<-v.done
}
