package hugeheap

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"syscall"
	"unsafe"
)

const (
	madvHugepage = 14 // MADV_HUGEPAGE
	madvCollapse = 25 // MADV_COLLAPSE (Linux 6.1)

	hugePage  = 2 << 20
	heapArena = 64 << 20 // the Go runtime's heap arena on 64-bit Linux

	// maxCollapse bounds the memory Advise collapses.
	maxCollapse = 32 << 20
)

// probe is a heap object whose address says where the heap is.
var probe *[64]byte

// Advise marks the heap arena the runtime allocates from as wanting huge
// pages, so that fresh memory there arrives 2 MB at a time, and collapses
// the part of the heap already mapped into huge pages (the kernel gives
// a huge page at fault time only to a 2 MB range none of whose 4 KB pages
// is there yet, and start-up has touched some).
//
// The runtime maps the arena to the heap a few megabytes at a time as the
// heap grows, and a mapping made after Advise gets 4 KB pages again: the
// gain is for the memory mapped at the time of the call, about the first
// world's worth when the start-up heap leaves it room (BENCHMARKS.md).
// Making the runtime map more ahead takes a collection, which costs more
// than it saves in a short command. Advise costs well under a
// millisecond.
func Advise() {
	if os.Getenv("FAULTLINE_HUGEPAGES") == "off" {
		return
	}
	probe = new([64]byte)
	at := uintptr(unsafe.Pointer(probe))
	probe = nil
	if madvise(at&^(heapArena-1), heapArena, madvHugepage) != nil {
		return // no THP, or not in madvise mode: nothing more to do
	}
	lo, hi, ok := mapping(at)
	if !ok {
		return
	}
	// Errors (a range with no page yet, a kernel without MADV_COLLAPSE)
	// leave 4 KB pages, which is no worse than before.
	for p := lo &^ (hugePage - 1); p < hi && p < lo+maxCollapse; p += hugePage {
		_ = madvise(p, hugePage, madvCollapse)
	}
}

func madvise(addr, n uintptr, advice int) error {
	_, _, errno := syscall.Syscall(syscall.SYS_MADVISE, addr, n, uintptr(advice))
	if errno != 0 {
		return errno
	}
	return nil
}

// mapping returns the bounds of the mapping that holds address at, from
// /proc/self/maps.
func mapping(at uintptr) (lo, hi uintptr, ok bool) {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Bytes()
		dash := bytes.IndexByte(line, '-')
		sp := bytes.IndexByte(line, ' ')
		if dash < 0 || sp < dash {
			continue
		}
		l, err1 := strconv.ParseUint(string(line[:dash]), 16, 64)
		h, err2 := strconv.ParseUint(string(line[dash+1:sp]), 16, 64)
		if err1 == nil && err2 == nil && uintptr(l) <= at && at < uintptr(h) {
			return uintptr(l), uintptr(h), true
		}
	}
	return 0, 0, false
}

// init advises before the packages that build large tables at start-up
// (scenario catalogues, fonts) have filled the first heap mapping with
// 4 KB pages: the start-up heap then lands in huge pages too, and the
// first world finds room beside it. A program that imports this package
// asks for huge pages by doing so.
func init() { Advise() }
