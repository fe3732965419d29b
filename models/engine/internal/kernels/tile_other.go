//go:build noasm || !amd64

package kernels

func tileKernel() tileFunc { return tileGo }
