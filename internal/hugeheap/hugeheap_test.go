package hugeheap

import (
	"runtime"
	"testing"
)

// TestAdviseLeavesTheHeapWorking: advice, given twice, never changes what
// the program computes, whatever the kernel made of it.
func TestAdviseLeavesTheHeapWorking(t *testing.T) {
	sum := func() (s int) {
		xs := make([][]int, 0, 256)
		for i := range 256 {
			xs = append(xs, make([]int, 1024))
			xs[i][i] = i
		}
		for _, x := range xs {
			for _, v := range x {
				s += v
			}
		}
		return s
	}
	want := sum()
	Advise()
	Advise()
	runtime.GC()
	if got := sum(); got != want {
		t.Fatalf("sum after Advise = %d, want %d", got, want)
	}
}
