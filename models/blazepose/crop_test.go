package blazepose

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// sampleOracle is the sampler written plainly, one formula for every
// pixel: the reference the fast path must match bit for bit.
func sampleOracle(s *sampler, dst []float32, m *image.RGBA, r Rect) {
	n := s.n
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			sn, cs := math.Sincos(r.Rotation)
			x0, y0 := r.ToSource(0, 0)
			px := x0 + float64(j)*(-sn*r.H/float64(n)) + float64(i)*(cs*r.W/float64(n))
			py := y0 + float64(j)*(cs*r.H/float64(n)) + float64(i)*(sn*r.W/float64(n))
			if s.replicate {
				px = min(max(px, 0), float64(w-1))
				py = min(max(py, 0), float64(h-1))
			}
			fx, fy := math.Floor(px), math.Floor(py)
			ix, iy := int(fx), int(fy)
			ax, ay := float32(px-fx), float32(py-fy)
			o := dst[(j*n+i)*3 : (j*n+i)*3+3]
			if ix < -1 || iy < -1 || ix >= w || iy >= h {
				o[0], o[1], o[2] = s.offset, s.offset, s.offset
				continue
			}
			for c := 0; c < 3; c++ {
				v00, v10 := pixel(m, ix, iy, c), pixel(m, ix+1, iy, c)
				v01, v11 := pixel(m, ix, iy+1, c), pixel(m, ix+1, iy+1, c)
				top := v00 + (v10-v00)*ax
				bot := v01 + (v11-v01)*ax
				o[c] = (top+(bot-top)*ay)*s.scale + s.offset
			}
		}
	}
}

// TestSamplerFastPath compares the sampler with the oracle on random
// images (some sub-images with a non-zero origin and a wider stride) and
// random rotated regions inside, across and beyond them, with and without
// border replication: every value must be identical.
func TestSamplerFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for k := range 200 {
		w, h := 1+rng.IntN(40), 1+rng.IntN(40)
		full := image.NewRGBA(image.Rect(-3, 2, w+5, h+9))
		for i := range full.Pix {
			full.Pix[i] = uint8(rng.IntN(256))
		}
		m := full
		if k%2 == 1 {
			m = full.SubImage(image.Rect(-1, 4, w-1, h+4)).(*image.RGBA)
		}
		r := Rect{CX: rng.Float64()*float64(w)*1.6 - 0.3*float64(w), CY: rng.Float64()*float64(h)*1.6 - 0.3*float64(h),
			W: 1 + rng.Float64()*float64(2*w), H: 1 + rng.Float64()*float64(2*h), Rotation: (rng.Float64()*2 - 1) * math.Pi}
		for _, replicate := range []bool{false, true} {
			s := sampler{n: 1 + rng.IntN(24), scale: 1 / 127.5, offset: -1, replicate: replicate}
			got := make([]float32, s.n*s.n*3+1)
			want := make([]float32, s.n*s.n*3+1)
			got[len(got)-1], want[len(want)-1] = 42, 42 // a guard after the output
			s.sample(got[:s.n*s.n*3], m, r)
			sampleOracle(&s, want[:s.n*s.n*3], m, r)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("case %d (%dx%d at %v, region %+v, n %d, replicate %v): value %d = %v, oracle %v",
						k, m.Rect.Dx(), m.Rect.Dy(), m.Rect.Min, r, s.n, replicate, i, got[i], want[i])
				}
			}
		}
	}
}

// BenchmarkSampler samples a rotated 256x256 region of a 1280x720 frame,
// as tracking does for every frame.
func BenchmarkSampler(b *testing.B) {
	m := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range m.Pix {
		m.Pix[i] = uint8(rng.IntN(256))
	}
	s := sampler{n: landmarkInput, scale: 1.0 / 255, replicate: true}
	dst := make([]float32, landmarkInput*landmarkInput*3)
	r := Rect{CX: 640, CY: 380, W: 600, H: 600, Rotation: 0.1}
	b.ReportAllocs()
	for b.Loop() {
		s.sample(dst, m, r)
	}
}
