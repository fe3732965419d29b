// Package filter holds the signal filters used to condition keypoint
// tracks: a Butterworth low-pass designed by the bilinear transform and run
// forward and backward for zero phase (filtfilt), a Hampel outlier filter,
// the causal One-Euro filter for live use, and gap interpolation.
//
// All functions treat NaN as a missing sample; none panics on short or
// empty input.
package filter

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
)

// ErrBadDesign is wrapped by errors about impossible filter parameters.
var ErrBadDesign = errors.New("filter: bad design")

// Section is one second-order section (biquad): numerator b0 b1 b2 and
// denominator 1 a1 a2, run in transposed direct form II.
type Section struct {
	B0, B1, B2 float64
	A1, A2     float64
}

// SOS is a cascade of second-order sections. Cascaded biquads keep a
// high-order filter numerically stable at low cutoff/sample-rate ratios,
// where a single transfer-function polynomial loses precision.
type SOS []Section

// ButterworthLowpass designs a digital low-pass Butterworth filter of the
// given order (1..10) with its -3 dB point at cutoffHz for samples at
// sampleHz. The analog prototype's poles are prewarped and mapped with the
// bilinear transform, so the digital response is exactly -3 dB at cutoffHz
// and has unit gain at DC.
func ButterworthLowpass(order int, cutoffHz, sampleHz float64) (SOS, error) {
	if order < 1 || order > 10 {
		return nil, fmt.Errorf("filter: butterworth order %d outside 1..10: %w", order, ErrBadDesign)
	}
	if !(sampleHz > 0) || math.IsInf(sampleHz, 0) {
		return nil, fmt.Errorf("filter: sample rate %g Hz must be positive: %w", sampleHz, ErrBadDesign)
	}
	if !(cutoffHz > 0) || cutoffHz >= sampleHz/2 {
		return nil, fmt.Errorf("filter: cutoff %g Hz must lie in (0, %g) Hz (below Nyquist): %w", cutoffHz, sampleHz/2, ErrBadDesign)
	}
	fs2 := 2 * sampleHz
	// Prewarp so the bilinear transform maps the analog cutoff to cutoffHz.
	wc := fs2 * math.Tan(math.Pi*cutoffHz/sampleHz)
	var sos SOS
	// Poles of the normalised prototype lie on the unit circle's left half:
	// p_k = exp(iπ(2k+N-1)/(2N)), k = 1..N; take one of each conjugate pair.
	for k := 1; k <= order/2; k++ {
		theta := math.Pi * float64(2*k+order-1) / float64(2*order)
		p := complex(wc, 0) * cmplx.Exp(complex(0, theta))
		z := (complex(fs2, 0) + p) / (complex(fs2, 0) - p)
		a1 := -2 * real(z)
		a2 := real(z)*real(z) + imag(z)*imag(z)
		// Two zeros at z = -1; scale for unit DC gain.
		g := (1 + a1 + a2) / 4
		sos = append(sos, Section{B0: g, B1: 2 * g, B2: g, A1: a1, A2: a2})
	}
	if order%2 == 1 {
		p := -wc
		z := (fs2 + p) / (fs2 - p)
		g := (1 - z) / 2
		sos = append(sos, Section{B0: g, B1: g, A1: -z})
	}
	return sos, nil
}

// Response returns the complex frequency response at f Hz for samples at
// fs Hz.
func (s SOS) Response(f, fs float64) complex128 {
	zi := cmplx.Exp(complex(0, -2*math.Pi*f/fs)) // z^-1
	h := complex(1, 0)
	for _, c := range s {
		num := complex(c.B0, 0) + complex(c.B1, 0)*zi + complex(c.B2, 0)*zi*zi
		den := 1 + complex(c.A1, 0)*zi + complex(c.A2, 0)*zi*zi
		h *= num / den
	}
	return h
}

// steadyState returns each section's state for a unit constant input held
// forever, so filtering can start at a signal's level without a transient.
func (s SOS) steadyState() [][2]float64 {
	zi := make([][2]float64, len(s))
	level := 1.0 // input level of the current section
	for i, c := range s {
		g := (c.B0 + c.B1 + c.B2) / (1 + c.A1 + c.A2)
		y := g * level
		z2 := c.B2*level - c.A2*y
		z1 := c.B1*level - c.A1*y + z2
		zi[i] = [2]float64{z1, z2}
		level = y
	}
	return zi
}

// run filters x into dst (may alias x) with the given initial states
// scaled by x0.
func (s SOS) run(dst, x []float64, zi [][2]float64, x0 float64) {
	state := make([][2]float64, len(s))
	for i := range s {
		state[i] = [2]float64{zi[i][0] * x0, zi[i][1] * x0}
	}
	for n, v := range x {
		for i, c := range s {
			y := c.B0*v + state[i][0]
			state[i][0] = c.B1*v - c.A1*y + state[i][1]
			state[i][1] = c.B2*v - c.A2*y
			v = y
		}
		dst[n] = v
	}
}

// Filter runs the filter causally over x into dst (len(dst) ≥ len(x); may
// alias x), starting in the steady state of x[0] so a constant signal passes
// unchanged.
func (s SOS) Filter(dst, x []float64) {
	if len(x) == 0 {
		return
	}
	s.run(dst[:len(x)], x, s.steadyState(), x[0])
}

// PadLen is the number of samples FiltFilt reflects at each edge, as in
// the common filtfilt convention: 3 × (2 × sections + 1).
func (s SOS) PadLen() int { return 3 * (2*len(s) + 1) }

// FiltFilt runs the filter forward and then backward over x into dst
// (len(dst) ≥ len(x); may alias x), giving zero phase and the squared
// magnitude response. Both edges are extended by odd reflection (2·x0 −
// x[k]) and each pass starts in the steady state of its first sample, which
// keeps edge transients small. x must hold no NaN (filter each valid run
// separately); runs shorter than 3 samples are copied unchanged.
func (s SOS) FiltFilt(dst, x []float64) {
	n := len(x)
	if n == 0 {
		return
	}
	if n < 3 || len(s) == 0 {
		copy(dst, x)
		return
	}
	pad := s.PadLen()
	if pad > n-1 {
		pad = n - 1
	}
	ext := make([]float64, n+2*pad)
	for i := 0; i < pad; i++ {
		ext[i] = 2*x[0] - x[pad-i]
		ext[pad+n+i] = 2*x[n-1] - x[n-2-i]
	}
	copy(ext[pad:], x)
	zi := s.steadyState()
	s.run(ext, ext, zi, ext[0])
	reverse(ext)
	s.run(ext, ext, zi, ext[0])
	reverse(ext)
	copy(dst, ext[pad:pad+n])
}

func reverse(x []float64) {
	for i, j := 0, len(x)-1; i < j; i, j = i+1, j-1 {
		x[i], x[j] = x[j], x[i]
	}
}

// FiltFiltNaN applies FiltFilt separately to every run of finite samples
// in x, leaving NaN samples NaN.
func (s SOS) FiltFiltNaN(dst, x []float64) {
	copy(dst, x)
	for start := 0; start < len(x); {
		if math.IsNaN(x[start]) {
			start++
			continue
		}
		end := start
		for end < len(x) && !math.IsNaN(x[end]) {
			end++
		}
		s.FiltFilt(dst[start:end], x[start:end])
		start = end
	}
}
