//go:build noasm || !amd64

package pipeline

// Other architectures and -tags noasm reduce in Go (reduce2Go).
