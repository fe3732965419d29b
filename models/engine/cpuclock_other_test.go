//go:build !linux

package engine

import "time"

func threadCPUTime() (time.Duration, bool) { return 0, false }

func processCPUTime() (time.Duration, bool) { return 0, false }
