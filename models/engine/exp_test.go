package engine

import (
	"math"
	"testing"
)

// TestExpf compares expf and sigmoid with float64 math across the float32
// range, and checks the edges.
func TestExpf(t *testing.T) {
	worstE, worstS := 0.0, 0.0
	for x := float32(-87.3); x < 88.7; x += 0.00173 {
		want := math.Exp(float64(x))
		worstE = math.Max(worstE, math.Abs(float64(expf(x))-want)/want)
		sw := 1 / (1 + math.Exp(-float64(x)))
		worstS = math.Max(worstS, math.Abs(float64(sigmoid(x))-sw)/sw)
	}
	t.Logf("largest relative error: exp %.3g, sigmoid %.3g", worstE, worstS)
	if worstE > 2e-7 || worstS > 3e-7 {
		t.Errorf("relative errors exp %g, sigmoid %g; want below 2e-7 and 3e-7", worstE, worstS)
	}
	inf := float32(math.Inf(1))
	for _, c := range []struct{ x, want float32 }{{0, 1}, {-200, 0}, {200, inf}, {-inf, 0}, {inf, inf}} {
		if got := expf(c.x); got != c.want {
			t.Errorf("expf(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if got := sigmoid(-inf); got != 0 {
		t.Errorf("sigmoid(-Inf) = %v", got)
	}
	if got := sigmoid(inf); got != 1 {
		t.Errorf("sigmoid(+Inf) = %v", got)
	}
	if nan := float32(math.NaN()); expf(nan) == expf(nan) {
		t.Error("expf(NaN) is not NaN")
	}
}

func BenchmarkSigmoid(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i-2048) / 256
	}
	y := make([]float32, len(x))
	for b.Loop() {
		for i, v := range x {
			y[i] = sigmoid(v)
		}
	}
}
