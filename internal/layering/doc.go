// Package layering holds the test that keeps kneescreen's layers apart:
// the packages below the edges (pose, models, screening, overlay) build
// without cgo and never import GoCV, and only the edges (vision,
// cmd/kneescreen) do. It has no code of its own.
package layering
