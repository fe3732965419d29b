package engine

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kneescreen/kneescreen/internal/testenv"
)

// moveNetFiles lists the converted MoveNet models a benchmark can use: the
// committed Lightning and, when KNEESCREEN_THUNDER_ONNX names one, Thunder
// (make it with `kneescreen models convert`).
func moveNetFiles() []moveNetFile {
	out := []moveNetFile{{"lightning", filepath.Join("..", "lightning.onnx"), 192}}
	if p := os.Getenv("KNEESCREEN_THUNDER_ONNX"); p != "" {
		out = append(out, moveNetFile{"thunder", p, 256})
	}
	return out
}

type moveNetFile struct {
	name string
	path string
	size int
}

// moveNetInput is an RGB image as MoveNet's int32 [1, H, W, 3] input: a real
// reference frame when the shared material is there, else a smooth pattern.
func moveNetInput(tb testing.TB, size int) *Tensor {
	v := make([]int32, size*size*3)
	dir := testenv.SharedDir()
	if dir != "" {
		p := filepath.Join(dir, "realdata", "references", "coco_000000000785", fmt.Sprintf("frame_0001_%d.png", size))
		if f, err := os.Open(p); err == nil {
			img, err := png.Decode(f)
			f.Close()
			if err == nil && img.Bounds().Dx() == size && img.Bounds().Dy() == size {
				fillRGB(v, img, size)
				return NewInt32([]int{1, size, size, 3}, v)
			}
		}
	}
	for i := range v {
		v[i] = int32(128 + 100*math.Sin(float64(i)/97))
	}
	return NewInt32([]int{1, size, size, 3}, v)
}

func fillRGB(v []int32, img image.Image, size int) {
	b := img.Bounds()
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := (y*size + x) * 3
			v[i], v[i+1], v[i+2] = int32(r>>8), int32(g>>8), int32(bl>>8)
		}
	}
}

func loadMoveNet(tb testing.TB, path string, threads int) *Model {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Skipf("model not available: %v", err)
	}
	m, err := Load(data, WithThreads(threads))
	if err != nil {
		tb.Fatalf("Load %s: %v", path, err)
	}
	return m
}

// BenchmarkMoveNet measures whole-model inference at 1 and 2 threads. To
// compare with onnxruntime (scripts/onnxruntime-bench, run beside it), it
// reports the median and fastest inference as bench.js does (median-ms,
// min-ms): on a shared machine the mean is at the mercy of other work.
func BenchmarkMoveNet(b *testing.B) {
	for _, f := range moveNetFiles() {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads%d", f.name, threads), func(b *testing.B) {
				m := loadMoveNet(b, f.path, threads)
				s := m.NewSession()
				defer s.Close()
				x := moveNetInput(b, f.size)
				ctx := context.Background()
				if _, err := s.Run(ctx, x); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				// With one thread all work runs on this goroutine: pinned to
				// its OS thread, its CPU time is the inference time without
				// the share other processes take of a busy machine.
				if threads == 1 {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
				}
				times := make([]time.Duration, 0, 1<<14)
				cpu0, cpuOK := threadCPUTime()
				for b.Loop() {
					t0 := time.Now()
					if _, err := s.Run(ctx, x); err != nil {
						b.Fatal(err)
					}
					if len(times) < cap(times) {
						times = append(times, time.Since(t0))
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/inference")
				slices.Sort(times)
				b.ReportMetric(times[len(times)/2].Seconds()*1000, "median-ms")
				b.ReportMetric(times[0].Seconds()*1000, "min-ms")
				if cpu1, _ := threadCPUTime(); threads == 1 && cpuOK {
					b.ReportMetric((cpu1-cpu0).Seconds()*1000/float64(b.N), "cpu-ms/inference")
				}
			})
		}
	}
}

// TestFastConvMoveNetFidelity runs the real model with the fast kernels and
// with the pure-Go loops: the keypoints must agree to 1e-4, and steady-state
// inference must not allocate.
func TestFastConvMoveNetFidelity(t *testing.T) {
	f := moveNetFiles()[0]
	run := func(fast bool) []float32 {
		saved := fastConvEnabled
		fastConvEnabled = fast
		defer func() { fastConvEnabled = saved }()
		m := loadMoveNet(t, f.path, 2)
		s := m.NewSession()
		defer s.Close()
		x := moveNetInput(t, f.size)
		out, err := s.Run(context.Background(), x)
		if err != nil {
			t.Fatal(err)
		}
		if fast {
			// Twenty runs: a parking pool worker may allocate the runtime's
			// wait record once after a garbage collection (see
			// TestTrackDoesNotAllocate in models/blazepose).
			if n := testing.AllocsPerRun(20, func() { _, _ = s.Run(context.Background(), x) }); n != 0 {
				t.Errorf("inference allocates %v times per run", n)
			}
		}
		return append([]float32(nil), out[0].F32...)
	}
	slow, fast := run(false), run(true)
	worst := 0.0
	for i := range slow {
		worst = math.Max(worst, math.Abs(float64(slow[i]-fast[i])))
	}
	t.Logf("largest keypoint difference fast vs pure Go: %.2g", worst)
	if worst > 1e-4 {
		t.Errorf("fast kernels move keypoints by %g, want <= 1e-4", worst)
	}
}

// BenchmarkMoveNetContended runs Lightning where the engine's threads
// outnumber the cores, as on a server running several analyses or a
// pipeline running lanes beside other work:
//
//   - sessionsS/threads2: 2×GOMAXPROCS sessions of 2 threads each at once,
//     four times as many engine threads as the Go scheduler has processors;
//   - sessions1/threadsT/hogsH: one session while H threads outside the Go
//     scheduler (as other processes) keep a core busy each.
//
// beside one session alone at 1 and 2 threads, the uncontended figures.
// ms/inference is the wall time per inference of all sessions together,
// the inverse of throughput. Degrading gracefully means: the contended
// figures are no worse than the same conditions at one thread per session
// (sessions1/threads1/hogsH against sessions1/threads2/hogsH; for S
// sessions, the one-thread cpu-ms/inference divided by GOMAXPROCS), and
// the uncontended ones lose nothing. cpu-ms/inference is the process's CPU
// time per inference (without hogs), which also holds on a machine other
// processes share: time spent spinning shows there.
func BenchmarkMoveNetContended(b *testing.B) {
	f := moveNetFiles()[0]
	procs := runtime.GOMAXPROCS(0)
	for _, c := range []struct{ sessions, threads, hogs int }{
		{1, 1, 0}, {1, 2, 0}, {2 * procs, 2, 0}, {1, 1, procs}, {1, 2, procs},
	} {
		name := fmt.Sprintf("sessions%d/threads%d", c.sessions, c.threads)
		if c.hogs > 0 {
			name += fmt.Sprintf("/hogs%d", c.hogs)
		}
		b.Run(name, func(b *testing.B) {
			if c.hogs > 0 {
				stop := startHogs(c.hogs)
				defer stop()
			}
			m := loadMoveNet(b, f.path, c.threads)
			x := moveNetInput(b, f.size)
			ctx := context.Background()
			ss := make([]*Session, c.sessions)
			for i := range ss {
				ss[i] = m.NewSession()
				defer ss[i].Close()
				if _, err := ss[i].Run(ctx, x); err != nil {
					b.Fatal(err)
				}
			}
			// The sessions share b.N inferences, each taking the next
			// until none is left.
			var next atomic.Int64
			n := int64(b.N)
			b.ResetTimer()
			cpu0, cpuOK := processCPUTime()
			var wg sync.WaitGroup
			for _, s := range ss {
				wg.Go(func() {
					for next.Add(1) <= n {
						if _, err := s.Run(ctx, x); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/inference")
			if cpu1, _ := processCPUTime(); cpuOK && c.hogs == 0 {
				b.ReportMetric((cpu1-cpu0).Seconds()*1000/float64(b.N), "cpu-ms/inference")
			}
		})
	}
}

// startHogs starts n goroutines that keep a CPU busy each, on OS threads of
// their own beside GOMAXPROCS's (which it raises by n until stop), as other
// processes on the machine do: the engine's threads then share the cores
// with threads the Go scheduler does not control.
func startHogs(n int) (stop func()) {
	prev := runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + n)
	var done atomic.Bool
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			x := 1.0
			for !done.Load() {
				for range 10000 {
					x = x*1.0000001 + 1e-9
				}
			}
			_ = x
		})
	}
	return func() {
		done.Store(true)
		wg.Wait()
		runtime.GOMAXPROCS(prev)
	}
}
