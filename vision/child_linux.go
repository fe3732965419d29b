package vision

import "syscall"

// childAttr makes a child process receive SIGKILL when kneescreen dies.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
