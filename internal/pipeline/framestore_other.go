//go:build !unix

package pipeline

// freeBytes reports the free space unknown where Statfs is not to be had:
// Run then keeps no frames rather than risk filling a disk.
func freeBytes(string) (int64, bool) { return 0, false }
