//go:build !noasm && amd64 && amd64.v3

package kernels

// goFusesFMA reports whether the Go compiler may fuse x*y + z into one FMA
// on this build (GOAMD64=v3 or above), which the kernels that promise the
// Go expression's bits must then follow.
const goFusesFMA = true
