package screening

import (
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"
)

// summarise aggregates each assessable metric over reps (mean, rep-to-rep
// SD, range) per side, and compares the sides of per-side metrics.
func summarise(reps []Rep, infos []MetricInfo) ([]MetricSummary, []Asymmetry) {
	sums := []MetricSummary{}
	asym := []Asymmetry{}
	for _, info := range infos {
		if !info.Assessable {
			continue
		}
		if !info.PerSide {
			sums = append(sums, summaryOf(info, SideBoth, repValues(reps, info.Name, SideBoth)))
			continue
		}
		l := repValues(reps, info.Name, SideLeft)
		rr := repValues(reps, info.Name, SideRight)
		sl, sr := summaryOf(info, SideLeft, l), summaryOf(info, SideRight, rr)
		sums = append(sums, sl, sr)
		if sl.N > 0 && sr.N > 0 {
			asym = append(asym, Asymmetry{Name: info.Name, Unit: info.Unit,
				Diff: Number(round(float64(sl.Mean-sr.Mean), 4)),
				LSI:  Number(round(lsi(float64(sl.Mean), float64(sr.Mean)), 2))})
		}
	}
	return sums, asym
}

// lsi is the limb symmetry index, 100 × smaller / larger magnitude.
func lsi(a, b float64) float64 {
	a, b = math.Abs(a), math.Abs(b)
	if math.Max(a, b) == 0 {
		return 100
	}
	return 100 * math.Min(a, b) / math.Max(a, b)
}

// repValues collects the finite values of a metric over reps.
func repValues(reps []Rep, name string, side Side) []float64 {
	var v []float64
	for _, r := range reps {
		m, ok := r.Metrics[name]
		if !ok {
			continue
		}
		if x := m.Side(side); !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	return v
}

func summaryOf(info MetricInfo, side Side, v []float64) MetricSummary {
	s := MetricSummary{Name: info.Name, Unit: info.Unit, Side: side, N: len(v),
		Mean: Number(nan), SD: Number(nan), Min: Number(nan), Max: Number(nan)}
	if len(v) == 0 {
		return s
	}
	s.Mean = Number(round(stat.Mean(v, nil), 4))
	if len(v) > 1 {
		s.SD = Number(round(stat.StdDev(v, nil), 4))
	}
	s.Min, s.Max = Number(floats.Min(v)), Number(floats.Max(v))
	return s
}
