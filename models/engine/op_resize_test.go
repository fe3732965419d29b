package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kneescreen/kneescreen/models/onnxpb"
)

// TestResizeLinearPlaneMatchesScan checks resizeLinearPlane (each source
// row's horizontal lerp once, kernels.Taps.Lerp and kernels.Lerp) against
// resizeLinearScan, TensorFlow's arithmetic output by output, bit for bit
// (NaN as NaN): MoveNet's 2x upsamplings (6, 12 and 24 wide, half_pixel),
// rows beyond the vector kernel's 32 values, downsampling, odd sizes and
// other coordinate modes, with infinities and NaN in the planes.
func TestResizeLinearPlaneMatchesScan(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 5))
	for _, tc := range []struct {
		ih, iw, oh, ow int
		mode           string
	}{
		{6, 6, 12, 12, "half_pixel"}, {12, 12, 24, 24, "half_pixel"}, {24, 24, 48, 48, "half_pixel"},
		{40, 36, 80, 72, "half_pixel"}, {9, 7, 4, 3, "half_pixel"}, {5, 33, 11, 70, "align_corners"},
		{1, 1, 3, 5, "asymmetric"}, {3, 17, 3, 17, "pytorch_half_pixel"},
	} {
		t.Run(fmt.Sprintf("%dx%d_to_%dx%d_%s", tc.ih, tc.iw, tc.oh, tc.ow, tc.mode), func(t *testing.T) {
			g := single("Resize", []string{"x", "", "", "sz"}, []string{"y"}, []onnxpb.ValueInfo{in("x", onnxpb.Float, 1, 2, int64(tc.ih), int64(tc.iw))},
				[]onnxpb.Tensor{i64("sz", dims(4), 1, 2, int64(tc.oh), int64(tc.ow))},
				onnxpb.StringAttr("mode", "linear"), onnxpb.StringAttr("coordinate_transformation_mode", tc.mode))
			m := loadSpec(t, g)
			var k *resizeKernel
			for _, on := range m.plan.ops {
				if rk, ok := on.k.(*resizeKernel); ok {
					k = rk
				}
			}
			if k == nil || !k.linear {
				t.Fatal("no linear Resize kernel in the plan")
			}
			src := make([]float32, tc.ih*tc.iw)
			for i := range src {
				src[i] = float32(r.NormFloat64() * 10)
				switch r.IntN(40) {
				case 0:
					src[i] = float32(math.NaN())
				case 1:
					src[i] = float32(math.Inf(1 - 2*r.IntN(2)))
				}
			}
			want, got := make([]float32, tc.oh*tc.ow), make([]float32, tc.oh*tc.ow)
			resizeLinearScan(k, want, src)
			resizeLinearPlane(k, got, src)
			for i, w := range want {
				g := got[i]
				if (g != g) != (w != w) || (w == w && math.Float32bits(g) != math.Float32bits(w)) {
					t.Fatalf("output %d: %v, the scan gives %v", i, g, w)
				}
			}
		})
	}
}
