//go:build noasm || !amd64

package models

// Other architectures and -tags noasm use the Go kernels
// (resample_kernels.go).
