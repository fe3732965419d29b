//go:build !noasm

package kernels

func tileKernel() tileFunc {
	switch impl {
	case ImplAVX512:
		return gemmTileAVX512
	case ImplAVX2:
		return gemmTileAVX2
	}
	return tileGo
}
