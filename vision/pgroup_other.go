//go:build !unix

package vision

import "syscall"

// ownProcessGroup: process groups are a Unix notion; a is returned as is.
func ownProcessGroup(a *syscall.SysProcAttr) *syscall.SysProcAttr { return a }
