//go:build noasm || !amd64

package kernels

func tileKernels() *kernelSet { return &goKernels }

func dwPlane() func(d *Depthwise, oh int, out, pad, w, res []float32, bias, lo, hi float32) {
	return dwPlaneGo
}

func copyRows(dst []float32, ldd int, src []float32, lds, w, h int) {
	copyRowsGo(dst, ldd, src, lds, w, h)
}

func sigmoid(dst, src []float32) { sigmoidGo(dst, src) }

func evens(dst, src []float32) { evensGo(dst, src) }

func sqrt(dst, src []float32) { sqrtGo(dst, src) }

func dwDirect(d *Depthwise, dst []float32, sb srcBand, weights, bias, res []float32, c0, c1, oy0, oy1 int, lo, hi float32) bool {
	return false
}

func dwFlat(d *Depthwise, dst []float32, sb srcBand, weights, bias, res []float32, c0, c1, oy0, oy1 int, lo, hi float32) bool {
	return false
}

func arithScalar(op ArithOp, y []float32, c float32, rev bool) { arithScalarGo(op, y, c, rev) }

func arithVec(op ArithOp, y, x []float32, rev bool) { arithVecGo(op, y, x, rev) }

func argMaxCols(idx []int64, x []float32, rows, stride int) { argMaxColsGo(idx, x, rows, stride) }

func arithRows(op ArithOp, c []float32, n int, s []float32, ss int, v []float32, rev bool) {
	arithRowsGo(op, c, n, s, ss, v, rev)
}

func lerp(dst, a, b []float32, w float32) { lerpGo(dst, a, b, w) }

func gatherInt32(dst []float32, src []int32, off, stride int) { gatherInt32Go(dst, src, off, stride) }

func lerpTaps(dst, r []float32, i0, i1 []int32, w []float32) { lerpTapsGo(dst, r, i0, i1, w) }
