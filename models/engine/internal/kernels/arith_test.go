package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestArith checks every operation, form and implementation bit for bit
// against the Go expression, on every tail length, with zeros, infinities
// and NaN among the operands (division by zero included), and guard bands
// around the output and the vector operand.
func TestArith(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-40, 3e38}
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for op := ArithAdd; op <= ArithDiv; op++ {
			for _, rev := range []bool{false, true} {
				t.Run(fmt.Sprintf("op%d_rev%v", op, rev), func(t *testing.T) {
					for n := 0; n <= 70; n++ {
						y0 := randSlice(r, n)
						x := newGuarded(n)
						copy(x.data(), randSlice(r, n))
						for i := 0; i < n; i += 5 {
							y0[i] = special[r.IntN(len(special))]
							x.data()[min(n-1, i+r.IntN(5))] = special[r.IntN(len(special))]
						}
						c := special[r.IntN(len(special))]
						if n%2 == 0 {
							c = float32(r.NormFloat64())
						}
						ys, yv := newGuarded(n), newGuarded(n)
						copy(ys.data(), y0)
						copy(yv.data(), y0)
						ArithScalar(op, ys.data(), c, rev)
						Arith(op, yv.data(), x.data(), rev)
						ys.check(t, "ArithScalar")
						yv.check(t, "Arith")
						x.check(t, "Arith operand")
						for i, a := range y0 {
							if w := goArith(op, a, c, rev); !sameFloat(ys.data()[i], w) {
								t.Fatalf("n %d: %v op %v = %v, want %v", n, a, c, ys.data()[i], w)
							}
							if w := goArith(op, a, x.data()[i], rev); !sameFloat(yv.data()[i], w) {
								t.Fatalf("n %d: %v op %v = %v, want %v", n, a, x.data()[i], yv.data()[i], w)
							}
						}
					}
				})
			}
		}
	})
}

func goArith(op ArithOp, y, x float32, rev bool) float32 {
	if rev {
		y, x = x, y
	}
	switch op {
	case ArithAdd:
		return y + x
	case ArithSub:
		return y - x
	case ArithMul:
		return y * x
	}
	return y / x
}

// sameFloat is bit equality, with any NaN equal to any other.
func sameFloat(a, b float32) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// TestArithRows checks ArithRows, every operation, order and
// implementation, against the Go expression element by element (bit for
// bit, NaN as NaN): row lengths leaving every tail size, MoveNet's
// 2304 x 17 grid, scalar strides 0, 1 and 3, zeros, infinities and NaN
// among both operands, and guard bands around the output.
func TestArithRows(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-40, 3e38}
	type shape struct{ rows, n, ss int }
	var shapes []shape
	for n := 1; n <= 40; n++ {
		shapes = append(shapes, shape{3, n, 1})
	}
	shapes = append(shapes, shape{2304, 17, 1}, shape{5, 17, 0}, shape{4, 33, 3}, shape{1, 1, 1}, shape{0, 4, 1})
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for op := ArithAdd; op <= ArithDiv; op++ {
			for _, rev := range []bool{false, true} {
				t.Run(fmt.Sprintf("op%d_rev%v", op, rev), func(t *testing.T) {
					for _, sh := range shapes {
						v := randSlice(r, sh.n+2) // longer than a row: only n are read
						s := randSlice(r, max(1, (sh.rows-1)*sh.ss+1))
						for i := 0; i < len(v); i += 4 {
							v[i] = special[r.IntN(len(special))]
						}
						for i := 0; i < len(s); i += 3 {
							s[i] = special[r.IntN(len(special))]
						}
						c := newGuarded(sh.rows * sh.n)
						ArithRows(op, c.data(), sh.n, s, sh.ss, v, rev)
						c.check(t, "ArithRows")
						for i := 0; i < sh.rows; i++ {
							for j := 0; j < sh.n; j++ {
								if got, w := c.data()[i*sh.n+j], goArith(op, v[j], s[i*sh.ss], rev); !sameFloat(got, w) {
									t.Fatalf("%+v: row %d col %d: %v op %v = %v, want %v", sh, i, j, v[j], s[i*sh.ss], got, w)
								}
							}
						}
					}
				})
			}
		}
	})
}

// TestLerp checks Lerp on every implementation against the Go expression
// a + (b-a)*w element by element (bit for bit, NaN as NaN), on every tail
// length, with zeros, infinities and NaN among the operands, weights
// inside and at the ends of [0, 1], in place over a and with guard bands.
func TestLerp(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-40, 3e38}
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(12, 1))
		for n := 1; n <= 70; n++ {
			for _, w := range []float32{0.25, 0.75, 0, 1, float32(r.Float64())} {
				a, b := randSlice(r, n), randSlice(r, n)
				for i := 0; i < n; i += 6 {
					a[i] = special[r.IntN(len(special))]
					b[min(n-1, i+r.IntN(6))] = special[r.IntN(len(special))]
				}
				dst := newGuarded(n)
				Lerp(dst.data(), a, b, w)
				dst.check(t, "Lerp")
				inPlace := append([]float32(nil), a...)
				Lerp(inPlace, inPlace, b, w)
				for i := range a {
					want := a[i] + (b[i]-a[i])*w
					if !sameFloat(dst.data()[i], want) || !sameFloat(inPlace[i], want) {
						t.Fatalf("n %d: lerp(%v, %v, %v) = %v (in place %v), want %v", n, a[i], b[i], w, dst.data()[i], inPlace[i], want)
					}
				}
			}
		}
	})
}

// TestTapsLerp checks Taps.Lerp on every implementation against the Go
// expression r[i0] + (r[i1]-r[i0])*w element by element (bit for bit, NaN
// as NaN): rows of 1 to 40 values (the AVX-512 kernel's two registers
// and beyond), random taps including equal ones and the row's ends,
// bilinear 2x taps, every tail length, zeros, infinities and NaN in the
// row; guard bands around dst; and NewTaps refusing taps outside the row.
func TestTapsLerp(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 3e38}
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(2, 30))
		for rowLen := 1; rowLen <= 40; rowLen++ {
			for _, n := range []int{1, 2 * rowLen, 15, 16, 17, 37} {
				i0, i1, w := make([]int32, n), make([]int32, n), make([]float32, n)
				for j := range n {
					i0[j] = int32(r.IntN(rowLen))
					i1[j] = int32(min(int(i0[j])+r.IntN(2), rowLen-1))
					if j%5 == 0 {
						i1[j] = int32(r.IntN(rowLen))
					}
					w[j] = float32(r.Float64())
				}
				taps, err := NewTaps(i0, i1, w, rowLen)
				if err != nil {
					t.Fatal(err)
				}
				row := randSlice(r, rowLen)
				for i := 0; i < rowLen; i += 7 {
					row[i] = special[r.IntN(len(special))]
				}
				dst := newGuarded(n)
				taps.Lerp(dst.data(), row)
				dst.check(t, "Taps.Lerp")
				for j := range n {
					a, b := row[i0[j]], row[i1[j]]
					if want := a + (b-a)*w[j]; !sameFloat(dst.data()[j], want) {
						t.Fatalf("row %d, %d outputs: output %d = %v, want %v", rowLen, n, j, dst.data()[j], want)
					}
				}
			}
		}
	})
	if _, err := NewTaps([]int32{0, 3}, []int32{1, 1}, []float32{0, 0}, 3); err == nil {
		t.Error("NewTaps took a tap outside the row")
	}
	if _, err := NewTaps([]int32{0}, []int32{-1}, []float32{0}, 3); err == nil {
		t.Error("NewTaps took a negative tap")
	}
}
