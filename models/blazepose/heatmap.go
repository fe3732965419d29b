package blazepose

// Heatmap refinement of MediaPipe's pose landmark graph
// (RefineLandmarksFromHeatmapCalculator): each landmark moves to the
// confidence-weighted mean position of the heatmap cells in a 7x7 window
// around it, when the window's largest confidence reaches 0.5.
const (
	heatmapKernel   = 7
	heatmapMinScore = 0.5
)

// refineFromHeatmap refines the normalised positions xy (2 per landmark, in
// 0..1 of the landmark input) with an NHWC heatmap [1, hh, hw, channels],
// channel k belonging to landmark k. A cell (row, col) stands for the
// position (col/hw, row/hh), as in MediaPipe.
func refineFromHeatmap(xy []float64, hm []float32, hh, hw, channels int) {
	off := (heatmapKernel - 1) / 2
	for k := 0; k < channels && 2*k+1 < len(xy); k++ {
		col, row := int(xy[2*k]*float64(hw)), int(xy[2*k+1]*float64(hh))
		if xy[2*k] < 0 || xy[2*k+1] < 0 || col >= hw || row >= hh {
			continue // outside the crop: kept as it is
		}
		var sum, wc, wr, best float64
		for r := max(0, row-off); r < min(hh, row+off+1); r++ {
			for c := max(0, col-off); c < min(hw, col+off+1); c++ {
				v := float64(hm[(r*hw+c)*channels+k])
				sum += v
				best = max(best, v)
				wc += float64(c) * v
				wr += float64(r) * v
			}
		}
		if best >= heatmapMinScore && sum > 0 {
			xy[2*k] = wc / float64(hw) / sum
			xy[2*k+1] = wr / float64(hh) / sum
		}
	}
}
