//go:build !unix

package main

import "time"

// processCPU is the CPU time the process has used so far; unknown here.
func processCPU() (time.Duration, bool) { return 0, false }
