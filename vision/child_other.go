//go:build !linux

package vision

import (
	"os"
	"syscall"
)

// childAttr: only Linux can tie a child's life to its parent's.
func childAttr() *syscall.SysProcAttr { return nil }

// growPipe: only Linux lets a pipe's size be set.
func growPipe(*os.File, int) {}
