package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// forEachImpl runs f once per implementation this machine can run, with the
// package switched to it.
func forEachImpl(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	saved := impl
	defer func() { impl = saved }()
	for _, i := range Available() {
		impl = i
		t.Run(i.String(), f)
	}
}

const guard = 4096 // floats of guard band on each side of a buffer

// guardedBuf is a buffer with sentinel-filled guard bands before and after
// the part handed to the code under test.
type guardedBuf struct {
	all []float32
	n   int
}

var sentinel = float32(math.Float32frombits(0x7fc0dead)) // a NaN nobody computes

func newGuarded(n int) *guardedBuf {
	g := &guardedBuf{all: make([]float32, n+2*guard), n: n}
	for i := range g.all {
		g.all[i] = sentinel
	}
	return g
}

func (g *guardedBuf) data() []float32 { return g.all[guard : guard+g.n : guard+g.n] }

func (g *guardedBuf) check(t *testing.T, what string) {
	t.Helper()
	for i := 0; i < guard; i++ {
		if math.Float32bits(g.all[i]) != 0x7fc0dead {
			t.Fatalf("%s: guard before the buffer overwritten at -%d", what, guard-i)
		}
		if math.Float32bits(g.all[guard+g.n+i]) != 0x7fc0dead {
			t.Fatalf("%s: guard after the buffer overwritten at +%d", what, i)
		}
	}
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// closeEnough compares with a relative tolerance scaled by the magnitude of
// the terms that were summed, since cancellation makes a plain relative error
// meaningless near zero.
func closeEnough(got float32, want, scale float64) bool {
	return math.Abs(float64(got)-want) <= 1e-4*math.Max(scale, 1e-3)
}
