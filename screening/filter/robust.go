package filter

import (
	"math"
	"sort"
)

// madScale turns a median absolute deviation into a standard deviation
// estimate for normally distributed data (1/Φ⁻¹(3/4)).
const madScale = 1.4826

// Hampel flags outliers in x: a sample is an outlier when it lies more
// than nSigma robust standard deviations (1.4826 × MAD) from the median of
// the finite samples within halfWindow samples on either side. Flagged
// samples are set in outlier (len ≥ len(x)); x is not modified. NaN samples
// are ignored. minDev is a floor on the robust deviation so that a
// perfectly still signal does not flag sub-pixel jitter. It returns the
// number of outliers.
func Hampel(x []float64, halfWindow int, nSigma, minDev float64, outlier []bool) int {
	if halfWindow < 1 || nSigma <= 0 {
		return 0
	}
	win := make([]float64, 0, 2*halfWindow+1)
	dev := make([]float64, 0, 2*halfWindow+1)
	count := 0
	for i, v := range x {
		if math.IsNaN(v) {
			continue
		}
		win = win[:0]
		for j := max(0, i-halfWindow); j <= min(len(x)-1, i+halfWindow); j++ {
			if !math.IsNaN(x[j]) {
				win = append(win, x[j])
			}
		}
		if len(win) < 3 {
			continue
		}
		med := median(win)
		dev = dev[:0]
		for _, w := range win {
			dev = append(dev, math.Abs(w-med))
		}
		sigma := math.Max(madScale*median(dev), minDev)
		if math.Abs(v-med) > nSigma*sigma {
			outlier[i] = true
			count++
		}
	}
	return count
}

// median sorts v in place and returns its median (NaN when empty).
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// FillGaps linearly interpolates runs of NaN in x (in place) whose
// neighbouring finite samples are at most maxGap apart in time t (same
// length as x, increasing). Runs touching either end, or longer, stay NaN.
// It returns the number of samples filled.
func FillGaps(x, t []float64, maxGap float64) int {
	filled := 0
	n := min(len(x), len(t))
	for i := 0; i < n; {
		if !math.IsNaN(x[i]) {
			i++
			continue
		}
		j := i
		for j < n && math.IsNaN(x[j]) {
			j++
		}
		// x[i..j) is NaN; neighbours i-1 and j.
		if i > 0 && j < n && t[j]-t[i-1] <= maxGap+1e-9 {
			t0, t1 := t[i-1], t[j]
			for k := i; k < j; k++ {
				w := (t[k] - t0) / (t1 - t0)
				x[k] = x[i-1] + w*(x[j]-x[i-1])
				filled++
			}
		}
		i = j
	}
	return filled
}
