//go:build noasm || !amd64

package yuv

// Other architectures and -tags noasm convert in Go (rowsGo).

func usesAsm() bool { return false }
