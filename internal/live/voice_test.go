package live

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// espeak-ng speaks a cue: written to a WAV file here, as no test machine
// has a sound card.
func TestVoiceSpeaks(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Skip("espeak-ng not installed")
	}
	v, err := NewVoice()
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	wav := filepath.Join(t.TempDir(), "cue.wav")
	v.args = func(text string) []string { return []string{"-w", wav, text} }
	v.Say(string(CueKneesOut))
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(wav)
		if err == nil && len(b) > 4000 && bytes.HasPrefix(b, []byte("RIFF")) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no speech written: %d bytes, %v", len(b), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Say never waits for speech: while one cue is spoken, the newest waits
// and older ones are dropped.
func TestVoiceNeverBlocks(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	v, err := NewVoice()
	if errors.Is(err, ErrNoVoice) {
		t.Skip("espeak-ng not installed")
	}
	defer v.Close()
	v.path = sleep
	v.args = func(string) []string { return []string{"5"} }
	start := time.Now()
	for range 100 {
		v.Say("slower")
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("100 cues took %v to hand over", d)
	}
}

func TestNoVoice(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := NewVoice(); !errors.Is(err, ErrNoVoice) {
		t.Errorf("without espeak-ng: %v", err)
	}
}
