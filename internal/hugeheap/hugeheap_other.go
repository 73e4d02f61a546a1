//go:build !linux

package hugeheap

// Advise does nothing on this system.
func Advise() {}
