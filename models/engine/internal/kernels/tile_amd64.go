//go:build !noasm

package kernels

import "math"

var avx512Kernels = kernelSet{narrow: true, k: [4][3]tileFunc{
	{gemm1x16AVX512, gemm1x32AVX512, gemm1x48AVX512},
	{gemm2x16AVX512, gemm2x32AVX512, gemm2x48AVX512},
	{gemm4x16AVX512, gemm4x32AVX512, gemm4x48AVX512},
	{gemm8x16AVX512, gemm8x32AVX512, gemm8x48AVX512},
}, k36: gemm8x36AVX512, tiles: gemm8x48TilesAVX512}

var avx2Kernels = fullOnly(gemmTileAVX2)

func tileKernels() *kernelSet {
	switch impl {
	case ImplAVX512:
		return &avx512Kernels
	case ImplAVX2:
		return &avx2Kernels
	}
	return &goKernels
}

func dwPlane() func(d *Depthwise, oh int, out, pad, w, res []float32, bias, lo, hi float32) {
	switch impl {
	case ImplAVX512:
		return dwPlaneAVX512
	case ImplAVX2:
		return dwPlaneAVX2
	}
	return dwPlaneGo
}

// dwPlaneAVX512 runs the generated row sweeps; tail columns of each row are
// stored under a mask, so nothing past the plane is written.
func dwPlaneAVX512(d *Depthwise, oh int, out, pad, w, res []float32, bias, lo, hi float32) {
	tail := d.ow % 16
	mask := (1 << tail) - 1
	// The kernel addresses the residual relative to the output; without a
	// residual it never reads there.
	rp, hasRes := &out[0], 0
	if res != nil {
		rp, hasRes = &res[0], 1
	}
	// Direct calls: through a function value the arguments would escape.
	switch {
	case d.k == 3 && d.stride == 1:
		dw3x3s1AVX512(&out[0], oh, d.ow/16, mask, d.ow, &pad[0], d.pw, &w[0], rp, hasRes, bias, lo, hi)
	case d.k == 3:
		dw3x3s2AVX512(&out[0], oh, d.ow/16, mask, d.ow, &pad[0], d.pw, &w[0], rp, hasRes, bias, lo, hi)
	case d.stride == 1:
		dw5x5s1AVX512(&out[0], oh, d.ow/16, mask, d.ow, &pad[0], d.pw, &w[0], rp, hasRes, bias, lo, hi)
	default:
		dw5x5s2AVX512(&out[0], oh, d.ow/16, mask, d.ow, &pad[0], d.pw, &w[0], rp, hasRes, bias, lo, hi)
	}
}

// copyRows copies h rows of w values between strided planes.
func copyRows(dst []float32, ldd int, src []float32, lds, w, h int) {
	if impl != ImplAVX512 || w <= 0 || h <= 0 {
		copyRowsGo(dst, ldd, src, lds, w, h)
		return
	}
	if len(dst) < (h-1)*ldd+w || len(src) < (h-1)*lds+w {
		panic("kernels: copyRows out of range")
	}
	copyRowsAVX512(&dst[0], ldd, &src[0], lds, w, h, (1<<(w%16))-1)
}

// dwPlaneAVX2 is dwPlaneAVX512 for AVX2, with the tail lanes as a vector
// mask.
func dwPlaneAVX2(d *Depthwise, oh int, out, pad, w, res []float32, bias, lo, hi float32) {
	tail := d.ow % 8
	var mask [8]int32
	for i := range tail {
		mask[i] = -1
	}
	rp, hasRes := &out[0], 0
	if res != nil {
		rp, hasRes = &res[0], 1
	}
	switch {
	case d.k == 3 && d.stride == 1:
		dw3x3s1AVX2(&out[0], oh, d.ow/8, &mask[0], tail, &pad[0], d.pw, &w[0], rp, hasRes, bias, lo, hi)
	case d.k == 3:
		dw3x3s2AVX2(&out[0], oh, d.ow/8, &mask[0], tail, &pad[0], d.pw, &w[0], rp, hasRes, bias, lo, hi)
	case d.stride == 1:
		dw5x5s1AVX2(&out[0], oh, d.ow/8, &mask[0], tail, &pad[0], d.pw, &w[0], rp, hasRes, bias, lo, hi)
	default:
		dw5x5s2AVX2(&out[0], oh, d.ow/8, &mask[0], tail, &pad[0], d.pw, &w[0], rp, hasRes, bias, lo, hi)
	}
}

// sigmoid runs the AVX-512 kernel on whole blocks of 16 and a masked tail;
// other implementations use the scalar loop.
func sigmoid(dst, src []float32) {
	if impl != ImplAVX512 || len(src) == 0 {
		sigmoidGo(dst, src)
		return
	}
	sigmoidAVX512(&dst[0], &src[0], len(src)/16, (1<<(len(src)%16))-1)
}

// sqrt is Sqrt on the AVX-512 kernel, or the scalar loop.
func sqrt(dst, src []float32) {
	if impl != ImplAVX512 || len(src) == 0 {
		sqrtGo(dst, src)
		return
	}
	sqrtAVX512(&dst[0], &src[0], len(src)/16, (1<<(len(src)%16))-1)
}

// evens sets dst[i] = src[2*i]; src must hold 2*len(dst)-1 values.
func evens(dst, src []float32) {
	n := len(dst)
	if impl != ImplAVX512 || n == 0 {
		evensGo(dst, src)
		return
	}
	_ = src[2*n-2]
	// A whole block reads 32 values, one past its last even one: when src
	// ends there, the last block goes as the tail. The tail's t outputs
	// read 2t-1 values, up to 16 in the first half, the rest in the second.
	nb, t := n/16, n%16
	if nb > 0 && 32*nb > len(src) {
		nb, t = nb-1, t+16
	}
	in := max(2*t-1, 0)
	evensAVX512(&dst[0], &src[0], nb, (1<<min(in, 16))-1, (1<<max(in-16, 0))-1, (1<<t)-1)
}

// dwDirect1Enabled lets tests compare the in-place stride-1 kernels with
// the copy and sweep they replace.
var dwDirect1Enabled = true

// dwDirect computes output rows [oy0, oy1) of channels [c0, c1) as
// Depthwise.run on the in-place AVX-512 kernels, which need no
// zero-bordered copy of the input, and reports whether d takes that path.
func dwDirect(d *Depthwise, dst []float32, sb srcBand, weights, bias, res []float32, c0, c1, oy0, oy1 int, lo, hi float32) bool {
	if impl != ImplAVX512 || d.k != 3 || (d.stride == 1 && (!d.direct1 || !dwDirect1Enabled)) {
		return false
	}
	// The kernel reads the band as a plane of sb.rows rows: rows outside
	// it are outside the image (RunBand checks), which it reads as zero.
	src := sb.src
	ip, op := sb.rows*d.w, d.oh*d.ow
	iy := oy0*d.stride - d.padTop - sb.y0
	for c := c0; c < c1; c++ {
		var b float32
		if bias != nil {
			b = bias[c]
		}
		out := dst[c*op+oy0*d.ow : c*op+oy1*d.ow]
		rp, hasRes := &out[0], 0
		if res != nil {
			rp, hasRes = &res[c*op+oy0*d.ow : c*op+oy1*d.ow][0], 1
		}
		in, wt := &src[c*sb.ldp : c*sb.ldp+ip][0], &weights[9*c : 9*c+9][0]
		// Direct calls: through a function value the arguments would
		// escape.
		switch {
		case d.stride == 2:
			dw3x3s2DirectAVX512(&out[0], oy1-oy0, d.blocks, d.ow, in, d.w, sb.rows, iy, d.padLft,
				&d.zero[0], &d.masks[0], wt, rp, hasRes, b, lo, hi)
		case d.padLft == 0:
			dw3x3s1p0DirectAVX512(&out[0], oy1-oy0, d.blocks, d.ow, in, d.w, sb.rows, iy, 0,
				&d.zero[0], &d.masks[0], wt, rp, hasRes, b, lo, hi)
		case d.padLft == 1:
			dw3x3s1p1DirectAVX512(&out[0], oy1-oy0, d.blocks, d.ow, in, d.w, sb.rows, iy, 1,
				&d.zero[0], &d.masks[0], wt, rp, hasRes, b, lo, hi)
		default:
			dw3x3s1p2DirectAVX512(&out[0], oy1-oy0, d.blocks, d.ow, in, d.w, sb.rows, iy, 2,
				&d.zero[0], &d.masks[0], wt, rp, hasRes, b, lo, hi)
		}
	}
	return true
}

// dwFlatEnabled lets tests compare the flat kernel with the copy and sweep
// it replaces.
var dwFlatEnabled = true

// zeroBias is the bias of channels without one: the flat kernel reads it
// with a step of 0 for every channel.
var zeroBias = [1]float32{}

// dwFlat computes output rows [oy0, oy1) of channels [c0, c1) as
// Depthwise.run on the flat AVX-512 kernel in one call, and reports whether
// it took them: only whole planes (every row, the input unbanded) of a
// geometry planFlat covered.
func dwFlat(d *Depthwise, dst []float32, sb srcBand, weights, bias, res []float32, c0, c1, oy0, oy1 int, lo, hi float32) bool {
	if impl != ImplAVX512 || !dwFlatEnabled || d.flatMasks == nil || oy0 != 0 || oy1 != d.oh || sb.y0 != 0 || sb.rows != d.h {
		return false
	}
	if c0 == c1 {
		return true
	}
	op := d.oh * d.ow
	out := &dst[c0*op]
	bp, bstep := &zeroBias[0], 0
	if bias != nil {
		bp, bstep = &bias[c0], 1
	}
	rp, hasRes := out, 0
	if res != nil {
		rp, hasRes = &res[c0*op], 1
	}
	dw3x3s1FlatAVX512(out, op, &sb.src[c0*sb.ldp], sb.ldp, d.w, d.flatShift, c1-c0, d.flatBlocks, &d.flatMasks[0],
		&weights[9*c0], bp, bstep, rp, hasRes, lo, hi)
	return true
}

// arithScalar runs the AVX-512 element-wise kernels on blocks of 16 and a
// masked tail (direct calls: through a function value the arguments would
// escape).
func arithScalar(op ArithOp, y []float32, c float32, rev bool) {
	if impl != ImplAVX512 || len(y) == 0 {
		arithScalarGo(op, y, c, rev)
		return
	}
	p, n, m := &y[0], len(y)/16, (1<<(len(y)%16))-1
	switch {
	case op == ArithAdd:
		arithVSAddAVX512(p, n, m, c)
	case op == ArithMul:
		arithVSMulAVX512(p, n, m, c)
	case op == ArithSub && !rev:
		arithVSSubAVX512(p, n, m, c)
	case op == ArithSub:
		arithSVSubAVX512(p, n, m, c)
	case op == ArithDiv && !rev:
		arithVSDivAVX512(p, n, m, c)
	case op == ArithDiv:
		arithSVDivAVX512(p, n, m, c)
	}
}

func arithVec(op ArithOp, y, x []float32, rev bool) {
	if impl != ImplAVX512 || len(y) == 0 {
		arithVecGo(op, y, x, rev)
		return
	}
	p, q, n, m := &y[0], &x[0], len(y)/16, (1<<(len(y)%16))-1
	switch {
	case op == ArithAdd:
		arithVVAddAVX512(p, q, n, m)
	case op == ArithMul:
		arithVVMulAVX512(p, q, n, m)
	case op == ArithSub && !rev:
		arithVVSubAVX512(p, q, n, m)
	case op == ArithSub:
		arithrVVSubAVX512(p, q, n, m)
	case op == ArithDiv && !rev:
		arithVVDivAVX512(p, q, n, m)
	case op == ArithDiv:
		arithrVVDivAVX512(p, q, n, m)
	}
}

// argMaxCols is ArgMaxCols on the AVX-512 kernel, 32 columns a call, or
// the scalar loop.
func argMaxCols(idx []int64, x []float32, rows, stride int) {
	if impl != ImplAVX512 || !argMaxColsFits(rows) {
		argMaxColsGo(idx, x, rows, stride)
		return
	}
	var rowOf [32]int32
	for c0 := 0; c0 < len(idx); c0 += 32 {
		n := min(32, len(idx)-c0)
		argMaxColsAVX512(&x[c0], rows, stride, 1<<min(n, 16)-1, 1<<max(n-16, 0)-1, &rowOf[0])
		for i, r := range rowOf[:n] {
			idx[c0+i] = int64(r)
		}
	}
}

// arithRowsKernels are the AVX-512 kernels of ArithRows by operation,
// v op s then s op v.
var arithRowsKernels = [4][2]func(c *float32, rows, nfull, mask int, s *float32, ssBytes int, v *float32, rowBytes int){
	ArithAdd: {arithRowsAddAVX512, arithRowsRAddAVX512},
	ArithSub: {arithRowsSubAVX512, arithRowsRSubAVX512},
	ArithMul: {arithRowsMulAVX512, arithRowsRMulAVX512},
	ArithDiv: {arithRowsDivAVX512, arithRowsRDivAVX512},
}

// arithRows is ArithRows on the AVX-512 kernels, or the scalar loops.
func arithRows(op ArithOp, c []float32, n int, s []float32, ss int, v []float32, rev bool) {
	if impl != ImplAVX512 {
		arithRowsGo(op, c, n, s, ss, v, rev)
		return
	}
	r := 0
	if rev {
		r = 1
	}
	arithRowsKernels[op][r](&c[0], len(c)/n, n/16, 1<<(n%16)-1, &s[0], 4*ss, &v[0], 4*n)
}

// lerp is Lerp on the AVX-512 kernel, or the scalar loop (also where the
// compiler fuses the Go expression, which the kernel does not).
func lerp(dst, a, b []float32, w float32) {
	if impl != ImplAVX512 || goFusesFMA {
		lerpGo(dst, a, b, w)
		return
	}
	lerpAVX512(&dst[0], &a[0], &b[0], len(dst)/16, 1<<(len(dst)%16)-1, w)
}

// gather3Perm are gather3AVX512's permute indices: lanes 0-10 take source
// 3j of the first two vectors (0-31), then lanes 11-15 take source 3j-32 of
// the third (as 16+) while lanes 0-10 keep their value.
var gather3Perm = func() (p [32]int32) {
	for j := range 16 {
		p[j] = int32(min(3*j, 31))
		p[16+j] = int32(j)
		if j >= 11 {
			p[16+j] = int32(16 + 3*j - 32)
		}
	}
	return p
}()

// gatherInt32 is GatherInt32 with stride 3 on the AVX-512 kernel for the
// blocks whose 48 source values lie inside src, the rest in the scalar
// loop.
func gatherInt32(dst []float32, src []int32, off, stride int) {
	if impl != ImplAVX512 || stride != 3 {
		gatherInt32Go(dst, src, off, stride)
		return
	}
	nb := min(len(dst), (len(src)-off)/3) / 16
	if nb > 0 {
		gather3AVX512(&dst[0], &src[off], nb, &gather3Perm[0])
	}
	gatherInt32Go(dst[16*nb:], src, off+48*nb, stride)
}

// lerpTaps is Taps.Lerp on the AVX-512 kernel for rows of up to 32 values,
// or the scalar loop.
func lerpTaps(dst, r []float32, i0, i1 []int32, w []float32) {
	if impl != ImplAVX512 || goFusesFMA || len(r) > 32 {
		lerpTapsGo(dst, r, i0, i1, w)
		return
	}
	n := len(dst)
	lerpTapsAVX512(&dst[0], &r[0], 1<<min(len(r), 16)-1, 1<<max(len(r)-16, 0)-1, &i0[0], &i1[0], &w[0], n/16, 1<<(n%16)-1)
}

// argMaxColsFits reports whether row indices fit the AVX-512 kernel's
// int32 lanes.
func argMaxColsFits(rows int) bool { return rows <= math.MaxInt32 }
