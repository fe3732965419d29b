//go:build noasm || !amd64

package kernels

func bestImpl() Impl { return ImplGo }
