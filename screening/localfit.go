package screening

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// localQuadratic estimates the value of a slowly varying series at sample
// c by a least-squares quadratic fit over the valid samples within
// halfWin seconds (a Savitzky-Golay estimate on an irregular grid). Rep
// readings use it so that one noisy frame does not decide a value; a
// quadratic follows a rep's rounded bottom without the bias of a plain
// average. It returns NaN when fewer than minN samples are valid.
func localQuadratic(t, v []float64, valid []bool, c int, halfWin float64, minN int) float64 {
	var ata mat.SymDense
	ata.ReuseAsSym(3)
	atb := mat.NewVecDense(3, nil)
	n := 0
	for i := c; i >= 0 && t[c]-t[i] <= halfWin; i-- {
		n += addRow(&ata, atb, t[i]-t[c], v[i], valid[i])
	}
	for i := c + 1; i < len(t) && t[i]-t[c] <= halfWin; i++ {
		n += addRow(&ata, atb, t[i]-t[c], v[i], valid[i])
	}
	if n < minN {
		return nan
	}
	var x mat.VecDense
	if err := x.SolveVec(&ata, atb); err != nil {
		return nan
	}
	return x.AtVec(0)
}

func addRow(ata *mat.SymDense, atb *mat.VecDense, dt, v float64, ok bool) int {
	if !ok || math.IsNaN(v) {
		return 0
	}
	row := [3]float64{1, dt, dt * dt}
	for i := 0; i < 3; i++ {
		for j := i; j < 3; j++ {
			ata.SetSym(i, j, ata.At(i, j)+row[i]*row[j])
		}
		atb.SetVec(i, atb.AtVec(i)+row[i]*v)
	}
	return 1
}

// quadraticAt0 fits v = a + b·x + c·x² by least squares and returns a,
// the fitted value at x = 0; NaN with fewer than minN finite samples.
func quadraticAt0(x, v []float64, minN int) float64 {
	var ata mat.SymDense
	ata.ReuseAsSym(3)
	atb := mat.NewVecDense(3, nil)
	n := 0
	for i := range x {
		n += addRow(&ata, atb, x[i], v[i], !math.IsNaN(x[i]))
	}
	if n < minN {
		return nan
	}
	var sol mat.VecDense
	if err := sol.SolveVec(&ata, atb); err != nil {
		return nan
	}
	return sol.AtVec(0)
}
