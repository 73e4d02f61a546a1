package hugeheap

import (
	"testing"
	"unsafe"
)

func TestMappingHoldsAHeapObject(t *testing.T) {
	x := new([1 << 10]byte)
	at := uintptr(unsafe.Pointer(x))
	lo, hi, ok := mapping(at)
	if !ok || lo > at || at >= hi {
		t.Fatalf("mapping(%#x) = %#x, %#x, %v: want a mapping that holds it", at, lo, hi, ok)
	}
	if _, _, ok := mapping(0); ok {
		t.Fatal("mapping(0) found a mapping")
	}
}
