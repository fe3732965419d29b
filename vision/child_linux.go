package vision

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// childAttr makes a child process receive SIGKILL when kneescreen dies.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// growPipe asks for pipe f to hold size bytes, at most 1 MiB (Linux's
// default limit for unprivileged processes); a refusal leaves it as it was.
func growPipe(f *os.File, size int) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_, _ = unix.FcntlInt(fd, unix.F_SETPIPE_SZ, min(size, 1<<20))
	})
}
