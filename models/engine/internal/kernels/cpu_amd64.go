//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// bestImpl picks the widest implementation the CPU and OS support.
// x/sys/cpu honours GODEBUG=cpu.avx512f=off and friends. The AVX-512 set
// also uses AVX512DQ (the sigmoid clears a ZMM with VXORPS), which every
// AVX-512 CPU since Skylake has and Knights Landing lacks.
func bestImpl() Impl {
	switch {
	case cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512DQ && cpu.X86.HasFMA:
		return ImplAVX512
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return ImplAVX2
	}
	return ImplGo
}
