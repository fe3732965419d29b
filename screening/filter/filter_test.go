package filter

import (
	"errors"
	"math"
	"math/cmplx"
	"math/rand"
	"testing"
)

func TestButterworthMinus3dBAtCutoff(t *testing.T) {
	for _, tc := range []struct {
		order      int
		cutoff, fs float64
	}{
		{1, 6, 30}, {2, 6, 30}, {4, 6, 30}, {4, 6, 60}, {5, 2, 240}, {6, 10, 25}, {4, 0.5, 1000},
	} {
		sos, err := ButterworthLowpass(tc.order, tc.cutoff, tc.fs)
		if err != nil {
			t.Fatalf("order %d: %v", tc.order, err)
		}
		if len(sos) != (tc.order+1)/2 {
			t.Errorf("order %d: %d sections, want %d", tc.order, len(sos), (tc.order+1)/2)
		}
		if g := cmplx.Abs(sos.Response(0, tc.fs)); math.Abs(g-1) > 1e-9 {
			t.Errorf("order %d fc %g fs %g: DC gain %g, want 1", tc.order, tc.cutoff, tc.fs, g)
		}
		g := cmplx.Abs(sos.Response(tc.cutoff, tc.fs))
		if db := 20 * math.Log10(g); math.Abs(db-(-3.0103)) > 1e-3 {
			t.Errorf("order %d fc %g fs %g: %.4f dB at cutoff, want -3.0103", tc.order, tc.cutoff, tc.fs, db)
		}
		// Monotone fall-off (Butterworth has no ripple) and zero at Nyquist.
		prev := 1.0
		for f := tc.fs / 200; f < tc.fs/2; f += tc.fs / 200 {
			m := cmplx.Abs(sos.Response(f, tc.fs))
			if m > prev+1e-12 {
				t.Errorf("order %d: response rises at %g Hz", tc.order, f)
				break
			}
			prev = m
		}
		if m := cmplx.Abs(sos.Response(tc.fs/2, tc.fs)); m > 1e-9 {
			t.Errorf("order %d: gain %g at Nyquist, want 0", tc.order, m)
		}
	}
}

func TestButterworthRejectsBadDesign(t *testing.T) {
	for _, tc := range []struct {
		order      int
		cutoff, fs float64
	}{{0, 6, 30}, {11, 6, 30}, {4, 15, 30}, {4, 0, 30}, {4, 6, 0}, {4, math.NaN(), 30}} {
		if _, err := ButterworthLowpass(tc.order, tc.cutoff, tc.fs); !errors.Is(err, ErrBadDesign) {
			t.Errorf("order %d fc %g fs %g: err %v, want ErrBadDesign", tc.order, tc.cutoff, tc.fs, err)
		}
	}
}

// Forward-backward filtering must not shift a sine in time and must scale
// it by |H(f)|².
func TestFiltFiltZeroPhaseOnSine(t *testing.T) {
	const fs, fc = 30.0, 6.0
	sos, err := ButterworthLowpass(4, fc, fs)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []float64{0.5, 1, 2, 4, 6} {
		n := 600
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Sin(2*math.Pi*f*float64(i)/fs + 0.3)
		}
		y := make([]float64, n)
		sos.FiltFilt(y, x)
		h := cmplx.Abs(sos.Response(f, fs))
		want := h * h
		// Fit y = a sin + b cos over the interior: b/a is the phase.
		var ss, sc, cc, ys, yc float64
		for i := 100; i < n-100; i++ {
			ph := 2*math.Pi*f*float64(i)/fs + 0.3
			s, c := math.Sin(ph), math.Cos(ph)
			ss += s * s
			sc += s * c
			cc += c * c
			ys += y[i] * s
			yc += y[i] * c
		}
		det := ss*cc - sc*sc
		a := (ys*cc - yc*sc) / det
		b := (yc*ss - ys*sc) / det
		if math.Abs(a-want) > 1e-3 {
			t.Errorf("%g Hz: gain %.5f, want |H|² = %.5f", f, a, want)
		}
		if phase := math.Atan2(b, a) * 180 / math.Pi; math.Abs(phase) > 0.05 {
			t.Errorf("%g Hz: phase %.4f°, want 0", f, phase)
		}
	}
}

func TestFiltFiltStepAndEdges(t *testing.T) {
	sos, err := ButterworthLowpass(4, 6, 30)
	if err != nil {
		t.Fatal(err)
	}
	// A constant passes exactly, edges included (steady-state start).
	c := make([]float64, 50)
	for i := range c {
		c[i] = 7.25
	}
	y := make([]float64, len(c))
	sos.FiltFilt(y, c)
	for i, v := range y {
		if math.Abs(v-7.25) > 1e-9 {
			t.Fatalf("constant: y[%d] = %v", i, v)
		}
	}
	// A ramp passes nearly exactly thanks to odd reflection at the edges.
	r := make([]float64, 60)
	for i := range r {
		r[i] = 2 * float64(i)
	}
	sos.FiltFilt(y[:0:0], nil) // empty input: no panic
	yr := make([]float64, len(r))
	sos.FiltFilt(yr, r)
	for i := range r {
		if math.Abs(yr[i]-r[i]) > 1e-2 {
			t.Fatalf("ramp: y[%d] = %v, want %v", i, yr[i], r[i])
		}
	}
	// A step: the zero-phase response is point-symmetric about the step
	// (y[k-1-j] + y[k+j] = 1), settles to 0 and 1, and crosses 0.5 at it.
	n, k := 200, 100
	s := make([]float64, n)
	for i := k; i < n; i++ {
		s[i] = 1
	}
	ys := make([]float64, n)
	sos.FiltFilt(ys, s)
	for j := 0; j < 60; j++ {
		if sum := ys[k-1-j] + ys[k+j]; math.Abs(sum-1) > 1e-6 {
			t.Fatalf("step not symmetric at %d: %v", j, sum)
		}
	}
	if math.Abs(ys[10]) > 1e-6 || math.Abs(ys[n-10]-1) > 1e-6 {
		t.Errorf("step does not settle: %v %v", ys[10], ys[n-10])
	}
	if !(ys[k-1] < 0.5 && ys[k] > 0.5) {
		t.Errorf("step crosses 0.5 away from the step: %v %v", ys[k-1], ys[k])
	}
}

func TestFiltFiltNaNRuns(t *testing.T) {
	sos, _ := ButterworthLowpass(4, 6, 30)
	x := []float64{1, 1, 1, 1, 1, math.NaN(), math.NaN(), 3, 3, 3, 3, 3, 3, math.NaN(), 5}
	y := make([]float64, len(x))
	sos.FiltFiltNaN(y, x)
	for i := range x {
		if math.IsNaN(x[i]) != math.IsNaN(y[i]) {
			t.Fatalf("NaN pattern changed at %d", i)
		}
		if !math.IsNaN(x[i]) && math.Abs(x[i]-y[i]) > 1e-9 {
			t.Errorf("run constant changed at %d: %v", i, y[i])
		}
	}
}

func TestHampel(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	n := 300
	x := make([]float64, n)
	for i := range x {
		x[i] = 100*math.Sin(float64(i)/20) + rng.NormFloat64()
	}
	spikes := map[int]bool{20: true, 21: true, 150: true, 299: true, 0: true}
	for i := range spikes {
		x[i] += 100
	}
	x[100] = math.NaN()
	out := make([]bool, n)
	cnt := Hampel(x, 6, 3, 0.5, out)
	for i := range x {
		if out[i] != spikes[i] {
			t.Errorf("sample %d: outlier %v, want %v", i, out[i], spikes[i])
		}
	}
	if cnt != len(spikes) {
		t.Errorf("count %d, want %d", cnt, len(spikes))
	}
	// Degenerate inputs.
	if Hampel(nil, 3, 3, 0, nil) != 0 || Hampel([]float64{1, 2}, 0, 3, 0, make([]bool, 2)) != 0 {
		t.Error("degenerate input flagged outliers")
	}
}

func TestFillGaps(t *testing.T) {
	nan := math.NaN()
	tm := []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}
	x := []float64{nan, 1, nan, nan, 4, nan, nan, nan, nan, 9, nan}
	n := FillGaps(x, tm, 0.3)
	want := []float64{nan, 1, 2, 3, 4, nan, nan, nan, nan, 9, nan}
	if n != 2 {
		t.Errorf("filled %d, want 2", n)
	}
	for i := range x {
		if math.IsNaN(want[i]) != math.IsNaN(x[i]) || (!math.IsNaN(x[i]) && math.Abs(x[i]-want[i]) > 1e-12) {
			t.Errorf("x[%d] = %v, want %v", i, x[i], want[i])
		}
	}
}

func TestOneEuro(t *testing.T) {
	t.Run("constant passes", func(t *testing.T) {
		f := NewOneEuro(1, 0.5, 1)
		for i := 0; i < 100; i++ {
			if y := f.Filter(float64(i)/30, 5); y != 5 {
				t.Fatalf("y = %v", y)
			}
		}
	})
	t.Run("beta 0 is a first-order low-pass at min cutoff", func(t *testing.T) {
		const fs, fc = 2000.0, 2.0
		f := NewOneEuro(fc, 0, 1)
		var peak float64
		for i := 0; i < 20000; i++ {
			y := f.Filter(float64(i)/fs, math.Sin(2*math.Pi*fc*float64(i)/fs))
			if i > 10000 {
				peak = math.Max(peak, y)
			}
		}
		if math.Abs(peak-1/math.Sqrt2) > 0.01 {
			t.Errorf("amplitude at cutoff %.4f, want %.4f", peak, 1/math.Sqrt2)
		}
	})
	t.Run("step converges without overshoot", func(t *testing.T) {
		f := NewOneEuro(1, 0.1, 1)
		f.Filter(0, 0)
		prev := 0.0
		for i := 1; i < 300; i++ {
			y := f.Filter(float64(i)/30, 1)
			if y < prev || y > 1 {
				t.Fatalf("step response not monotone at %d: %v", i, y)
			}
			prev = y
		}
		if prev < 0.999 {
			t.Errorf("step settles at %v", prev)
		}
	})
	t.Run("beta cuts lag on a ramp", func(t *testing.T) {
		lag := func(beta float64) float64 {
			f := NewOneEuro(1, beta, 1)
			var y float64
			for i := 0; i < 300; i++ {
				y = f.Filter(float64(i)/30, float64(i)*10)
			}
			return 299*10 - y
		}
		if l0, l1 := lag(0), lag(0.5); !(l1 < l0/3) {
			t.Errorf("lag with beta 0.5 %.1f not well below beta 0 %.1f", l1, l0)
		}
	})
	t.Run("jitter reduced", func(t *testing.T) {
		rng := rand.New(rand.NewSource(2))
		f := NewOneEuro(1, 0.01, 1)
		var vin, vout float64
		for i := 0; i < 3000; i++ {
			x := rng.NormFloat64()
			y := f.Filter(float64(i)/30, x)
			if i > 100 {
				vin += x * x
				vout += y * y
			}
		}
		if vout > vin/4 {
			t.Errorf("variance only reduced from %.1f to %.1f", vin, vout)
		}
	})
	t.Run("NaN skipped and reset", func(t *testing.T) {
		f := NewOneEuro(1, 0, 1)
		f.Filter(0, 1)
		if !math.IsNaN(f.Filter(0.1, math.NaN())) {
			t.Error("NaN in, not NaN out")
		}
		f.Reset()
		if y := f.Filter(0.2, 9); y != 9 {
			t.Errorf("after reset y = %v, want 9", y)
		}
	})
}
