//go:build unix

package vision

import "syscall"

// ownProcessGroup puts a child in a process group of its own (a, or new
// attributes when a is nil), so the terminal's Ctrl-C reaches kneescreen
// only: kneescreen decides whether a video being encoded is finished (a
// live session's recording, kept when the session is interrupted) or
// stopped (its context cancelled).
func ownProcessGroup(a *syscall.SysProcAttr) *syscall.SysProcAttr {
	if a == nil {
		a = &syscall.SysProcAttr{}
	}
	a.Setpgid = true
	return a
}
