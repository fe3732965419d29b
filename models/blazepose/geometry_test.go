package blazepose

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestRectRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		rc := Rect{CX: r.Float64()*1000 - 200, CY: r.Float64()*800 - 100, W: 10 + r.Float64()*500, H: 10 + r.Float64()*500, Rotation: (r.Float64()*2 - 1) * math.Pi}
		u, v := r.Float64()*1.4-0.2, r.Float64()*1.4-0.2
		x, y := rc.ToSource(u, v)
		gu, gv := rc.FromSource(x, y)
		if !near(gu, u, 1e-9) || !near(gv, v, 1e-9) {
			t.Fatalf("%+v: (%v, %v) -> (%v, %v) -> (%v, %v)", rc, u, v, x, y, gu, gv)
		}
	}
}

// TestLetterbox: a landscape frame is centred on a square as wide as it,
// the padding split above and below.
func TestLetterbox(t *testing.T) {
	lb := letterbox(640, 425)
	for _, c := range []struct{ u, v, x, y float64 }{
		{0, 0, 0, -107.5}, {1, 1, 640, 532.5}, {0.5, 0.5, 320, 212.5}, {0.25, 0.75, 160, 372.5},
	} {
		if x, y := lb.ToSource(c.u, c.v); !near(x, c.x, 1e-9) || !near(y, c.y, 1e-9) {
			t.Errorf("ToSource(%v, %v) = (%v, %v), want (%v, %v)", c.u, c.v, x, y, c.x, c.y)
		}
	}
	if lb := letterbox(300, 500); lb.W != 500 || lb.H != 500 || lb.CX != 150 || lb.CY != 250 {
		t.Errorf("portrait letterbox %+v", lb)
	}
}

// TestAlignmentRect checks the region built from the hip centre and the
// scale point on hand-worked poses: its centre is the hips, its side 2.5
// times their distance, and it is turned so that the scale point is
// straight above the hips in the crop, at v = 0.5 - 1/2.5 = 0.1.
func TestAlignmentRect(t *testing.T) {
	cases := []struct {
		name           string
		hx, hy, sx, sy float64
		rotation, side float64
	}{
		{"upright", 100, 300, 100, 200, 0, 250},
		{"lying, head to the right", 100, 300, 180, 300, math.Pi / 2, 200},
		{"lying, head to the left", 100, 300, 40, 300, -math.Pi / 2, 150},
		{"upside down", 100, 300, 100, 340, -math.Pi, 100},
		{"leaning right 45°", 0, 0, 10, -10, math.Pi / 4, 2.5 * math.Sqrt(200)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := alignmentRect(c.hx, c.hy, c.sx, c.sy)
			if !near(r.Rotation, c.rotation, 1e-12) || !near(r.W, c.side, 1e-9) || r.W != r.H || r.CX != c.hx || r.CY != c.hy {
				t.Fatalf("rect %+v, want rotation %v and side %v at (%v, %v)", r, c.rotation, c.side, c.hx, c.hy)
			}
			if x, y := r.ToSource(0.5, 0.1); !near(x, c.sx, 1e-9) || !near(y, c.sy, 1e-9) {
				t.Errorf("the crop's (0.5, 0.1) maps to (%v, %v), want the scale point (%v, %v)", x, y, c.sx, c.sy)
			}
		})
	}
}

// testImage is a w x h RGBA image whose pixel (x, y) has red x, green y and
// blue 7·x + y (mod 256).
func testImage(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(7*x + y), 255})
		}
	}
	return m
}

// TestSamplerLetterbox: a 4x2 image letterboxed onto 4x4 lands in rows 1
// and 2 pixel for pixel; rows 0 and 3 are black (the offset).
func TestSamplerLetterbox(t *testing.T) {
	s := sampler{n: 4, scale: 0.5, offset: -3}
	m := testImage(4, 2)
	dst := make([]float32, 4*4*3)
	s.sample(dst, m, letterbox(4, 2))
	for j := 0; j < 4; j++ {
		for i := 0; i < 4; i++ {
			want := [3]float32{-3, -3, -3}
			if y := j - 1; y == 0 || y == 1 {
				want = [3]float32{float32(i)*0.5 - 3, float32(y)*0.5 - 3, float32(7*i+y)*0.5 - 3}
			}
			got := dst[(j*4+i)*3 : (j*4+i)*3+3]
			if got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
				t.Errorf("input (%d, %d) = %v, want %v", i, j, got, want)
			}
		}
	}
}

// TestSamplerRotation: a quarter turn clockwise maps input (i, j) to source
// (3 - j, i) on a 3x3 square; the column that falls off the image reads
// black, or with replicate the edge.
func TestSamplerRotation(t *testing.T) {
	m := testImage(3, 3)
	r := Rect{CX: 1.5, CY: 1.5, W: 3, H: 3, Rotation: math.Pi / 2}
	for _, replicate := range []bool{false, true} {
		s := sampler{n: 3, scale: 1, replicate: replicate}
		dst := make([]float32, 27)
		s.sample(dst, m, r)
		for j := 0; j < 3; j++ {
			for i := 0; i < 3; i++ {
				x, y := 3-j, i
				want := float32(0)
				switch {
				case x <= 2:
					want = float32(x)
				case replicate:
					want = 2
				}
				if got := dst[(j*3+i)*3]; math.Abs(float64(got-want)) > 1e-5 {
					t.Errorf("replicate %v: input (%d, %d) red = %v, want %v (source x %d, y %d)", replicate, i, j, got, want, x, y)
				}
				if x <= 2 {
					if got := dst[(j*3+i)*3+1]; math.Abs(float64(got-float32(y))) > 1e-5 {
						t.Errorf("input (%d, %d) green = %v, want %v", i, j, got, y)
					}
				}
			}
		}
	}
}

// TestSamplerBilinear: between pixel centres the sampler blends linearly.
func TestSamplerBilinear(t *testing.T) {
	m := testImage(8, 8)
	// A 2x2 input over the square from (2.25, 3.5) to (4.25, 5.5): its
	// samples sit at (2.25 + i, 3.5 + j).
	r := Rect{CX: 3.25, CY: 4.5, W: 2, H: 2}
	s := sampler{n: 2, scale: 1}
	dst := make([]float32, 12)
	s.sample(dst, m, r)
	for j := 0; j < 2; j++ {
		for i := 0; i < 2; i++ {
			x, y := 2.25+float64(i), 3.5+float64(j)
			want := [3]float64{x, y, 7*x + y}
			for c := 0; c < 3; c++ {
				if got := float64(dst[(j*2+i)*3+c]); !near(got, want[c], 1e-4) {
					t.Errorf("input (%d, %d) channel %d = %v, want %v", i, j, c, got, want[c])
				}
			}
		}
	}
}
