package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSigmoid compares every implementation with float64 math on lengths
// that leave every tail size, over the whole range where the sigmoid is
// neither 0 nor 1, and checks the edges (±Inf, huge values, NaN), in place
// and with guard bands around the output.
func TestSigmoid(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 7))
		worst := 0.0
		for n := 0; n <= 70; n++ {
			src := make([]float32, n)
			for i := range src {
				src[i] = float32(r.Float64()*200 - 100)
			}
			out := newGuarded(n)
			Sigmoid(out.data(), src)
			out.check(t, "Sigmoid")
			for i, x := range src {
				want := 1 / (1 + math.Exp(-float64(x)))
				got := float64(out.data()[i])
				if want < 1e-38 { // float32 cannot hold it: 0 or a subnormal
					if got > 1e-37 {
						t.Fatalf("sigmoid(%v) = %v, want about %v", x, got, want)
					}
					continue
				}
				worst = math.Max(worst, math.Abs(got-want)/want)
			}
		}
		for x := float32(-87); x < 88; x += 0.00731 {
			want := 1 / (1 + math.Exp(-float64(x)))
			var got [1]float32
			Sigmoid(got[:], []float32{x})
			worst = math.Max(worst, math.Abs(float64(got[0])-want)/want)
		}
		t.Logf("largest relative error %.3g", worst)
		if worst > 3e-7 {
			t.Errorf("largest relative error %g, want below 3e-7", worst)
		}
		inf := float32(math.Inf(1))
		edge := []float32{-inf, inf, -1e30, 1e30, 0, float32(math.NaN()), 200, -200}
		want := []float32{0, 1, 0, 1, 0.5, 0, 1, 0}
		got := append([]float32(nil), edge...)
		Sigmoid(got, got) // in place
		for i, x := range edge {
			if x != x {
				if got[i] == got[i] {
					t.Errorf("sigmoid(NaN) = %v, want NaN", got[i])
				}
				continue
			}
			if got[i] != want[i] {
				t.Errorf("sigmoid(%v) = %v, want %v", x, got[i], want[i])
			}
		}
	})
}

func BenchmarkSigmoid(b *testing.B) {
	saved := impl
	defer func() { impl = saved }()
	x := make([]float32, 17*48*48) // MoveNet Lightning's heatmaps
	for i := range x {
		x[i] = float32(i%4096-2048) / 256
	}
	y := make([]float32, len(x))
	for _, i := range Available() {
		impl = i
		b.Run(i.String(), func(b *testing.B) {
			for b.Loop() {
				Sigmoid(y, x)
			}
		})
	}
}
