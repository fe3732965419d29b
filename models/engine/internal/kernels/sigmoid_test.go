package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSigmoid compares every implementation with SigmoidScalar, bit for bit
// (the engine's fused element-wise chains promise the same bits as the
// operations one by one), and with float64 math, on lengths that leave
// every tail size, over the whole range where the sigmoid is neither 0 nor
// 1 and around Expf's cut-offs, and checks the edges (±Inf, huge values,
// NaN), in place and with guard bands around the output.
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
				if got, w := out.data()[i], SigmoidScalar(x); math.Float32bits(got) != math.Float32bits(w) {
					t.Fatalf("sigmoid(%v) = %v, SigmoidScalar gives %v", x, got, w)
				}
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
		var xs []float32
		for x := float32(-87); x < 88; x += 0.00731 {
			xs = append(xs, x)
		}
		// Expf's cut-offs at -x = 88.72 and -87.33, ulp by ulp.
		for _, c := range []float32{-88.72, 87.33} {
			x := c
			for range 40 {
				x = math.Nextafter32(x, float32(math.Inf(-1)))
			}
			for range 80 {
				xs = append(xs, x)
				x = math.Nextafter32(x, float32(math.Inf(1)))
			}
		}
		got := make([]float32, len(xs))
		Sigmoid(got, xs)
		for i, x := range xs {
			if w := SigmoidScalar(x); math.Float32bits(got[i]) != math.Float32bits(w) {
				t.Fatalf("sigmoid(%v) = %v, SigmoidScalar gives %v", x, got[i], w)
			}
			want := 1 / (1 + math.Exp(-float64(x)))
			if want >= 1e-38 {
				worst = math.Max(worst, math.Abs(float64(got[i])-want)/want)
			}
		}
		t.Logf("largest relative error %.3g", worst)
		if worst > 3e-7 {
			t.Errorf("largest relative error %g, want below 3e-7", worst)
		}
		inf := float32(math.Inf(1))
		edge := []float32{-inf, inf, -1e30, 1e30, 0, float32(math.NaN()), 200, -200}
		want := []float32{0, 1, 0, 1, 0.5, 0, 1, 0}
		got = append([]float32(nil), edge...)
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

// TestSqrtMatchesGo holds Sqrt to float32(math.Sqrt(float64(x))) bit for
// bit, NaN payloads included, on every implementation: random values of
// every magnitude and sign, the special values and subnormals, at lengths
// that exercise whole blocks and masked tails.
func TestSqrtMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 1))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 2, 4, float32(math.Inf(1)), float32(math.Inf(-1)),
		math.MaxFloat32, math.SmallestNonzeroFloat32, 1e-40, -1e-40, 0x1p-126, 0x1.fffffep-1,
		math.Float32frombits(0x7fc00001), math.Float32frombits(0xffc12345), math.Float32frombits(0x7f800001)}
	forEachImpl(t, func(t *testing.T) {
		for _, n := range []int{0, 1, 15, 16, 17, 33, 1000} {
			src := make([]float32, n)
			for i := range src {
				src[i] = math.Float32frombits(r.Uint32()) // every exponent, sign and NaN
				if i < len(special) && n > 20 {
					src[i] = special[i]
				}
			}
			dst := newGuarded(n)
			Sqrt(dst.data(), src)
			dst.check(t, "dst")
			for i, v := range src {
				want := float32(math.Sqrt(float64(v)))
				if got := dst.data()[i]; math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("n %d: sqrt(%g = %#x) = %#x, want %#x", n, v, math.Float32bits(v), math.Float32bits(got), math.Float32bits(want))
				}
			}
		}
		// In place.
		x := []float32{9, 2, -3, 0.25}
		Sqrt(x, x)
		if x[0] != 3 || x[1] != float32(math.Sqrt(2)) || x[2] == x[2] || x[3] != 0.5 {
			t.Errorf("in place: %v", x)
		}
	})
}
