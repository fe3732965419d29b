package filter

import "math"

// OneEuro is the One-Euro filter of Casiez, Roussel & Vogel (CHI 2012): a
// first-order low-pass whose cutoff rises with the signal's speed, so it
// smooths jitter when still and lags little when moving. It is causal and
// suits live use. The zero value is not usable; call NewOneEuro.
type OneEuro struct {
	minCutoff, beta, dCutoff float64
	started                  bool
	lastT, x, dx             float64
}

// NewOneEuro returns a filter with minimum cutoff (Hz), speed coefficient
// beta (cutoff Hz per unit/s of speed) and derivative cutoff (Hz).
func NewOneEuro(minCutoffHz, beta, dCutoffHz float64) *OneEuro {
	return &OneEuro{minCutoff: minCutoffHz, beta: beta, dCutoff: dCutoffHz}
}

// Reset forgets the filter's history; the next sample passes unchanged.
func (f *OneEuro) Reset() { f.started = false }

func smoothing(cutoff, dt float64) float64 {
	tau := 1 / (2 * math.Pi * cutoff)
	return 1 / (1 + tau/dt)
}

// Filter takes the sample x at time t (seconds, increasing) and returns
// the filtered value. NaN input returns NaN and leaves the state alone; a
// non-increasing time restarts the filter.
func (f *OneEuro) Filter(t, x float64) float64 {
	if math.IsNaN(x) {
		return math.NaN()
	}
	if !f.started || !(t > f.lastT) {
		f.started, f.lastT, f.x, f.dx = true, t, x, 0
		return x
	}
	dt := t - f.lastT
	f.lastT = t
	dx := (x - f.x) / dt
	f.dx += smoothing(f.dCutoff, dt) * (dx - f.dx)
	cutoff := f.minCutoff + f.beta*math.Abs(f.dx)
	f.x += smoothing(cutoff, dt) * (x - f.x)
	return f.x
}
