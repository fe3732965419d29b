package engine

import (
	"context"
	"math"
	"os"
	"sync"
	"testing"
)

// TestNewSessionThreads loads MoveNet Lightning once and runs it from
// sessions of 1, 2 and 3 threads, two of them at once: each has the
// threads it asked for and every output agrees with the one-thread
// session's (splitting the work differently may reorder float sums, so
// within 1e-5; the keypoints are in 0..1).
func TestNewSessionThreads(t *testing.T) {
	data, err := os.ReadFile("../lightning.onnx")
	if err != nil {
		t.Skipf("embedded model file: %v", err)
	}
	m, err := Load(data, WithThreads(1))
	if err != nil {
		t.Fatal(err)
	}
	in := &Tensor{DType: Int32, Shape: []int{1, 192, 192, 3}, I32: make([]int32, 192*192*3)}
	for i := range in.I32 {
		in.I32[i] = int32((i*7 + i/576*13) % 256)
	}
	ref := runModel(t, m, in)[0].F32
	var wg sync.WaitGroup
	for _, threads := range []int{0, 2, 3} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := m.NewSessionThreads(threads)
			defer s.Close()
			if want := max(1, threads); s.pool.threads != want {
				t.Errorf("NewSessionThreads(%d): %d threads, want %d", threads, s.pool.threads, want)
			}
			for range 3 {
				out, err := s.Run(context.Background(), in)
				if err != nil {
					t.Error(err)
					return
				}
				worst := 0.0
				for i, v := range out[0].F32 {
					worst = max(worst, math.Abs(float64(v-ref[i])))
				}
				if worst > 1e-5 {
					t.Errorf("%d threads: output differs from one thread's by %g", threads, worst)
				}
			}
		}()
	}
	wg.Wait()
}
