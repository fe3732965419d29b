// Package kernels holds the engine's hot loops: a cache-blocked single-precision
// matrix multiply (used for 1x1 convolutions, im2col convolutions and MatMul),
// direct depthwise 3x3 and 5x5 convolutions, and their fused epilogues (bias,
// clamp, residual add).
//
// Each kernel has a portable pure-Go path and, on amd64, Go assembly generated
// by ./asmgen with github.com/mmcloughlin/avo in AVX-512 and AVX2+FMA flavours.
// The path is chosen once at start-up with golang.org/x/sys/cpu, so
// GODEBUG=cpu.avx512f=off or cpu.avx2=off forces a narrower path, and the build
// tag noasm removes the assembly entirely.
//
// Every entry point writes into a caller-provided destination and scratch
// buffer and allocates nothing, so the engine can plan memory once per model
// and split work across its own worker pool by blocks of output.
package kernels

//go:generate go run ./asmgen -out kernels_amd64.s -stubs stubs_amd64.go -pkg kernels
