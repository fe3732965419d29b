// Package yuv converts RGBA frames to planar 4:2:0 Y'CbCr (I420, ffmpeg's
// yuv420p), the layout H.264 encodes, so that vision's ffmpeg encoder can be
// sent a third of the bytes of an RGBA frame and spared swscale's
// conversion. It is integer fixed-point arithmetic with an AVX2 kernel on
// amd64 and a Go version that gives the same bytes (-tags noasm, or
// GODEBUG=cpu.avx2=off, selects it).
package yuv
