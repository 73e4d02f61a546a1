// Package hugeheap asks the kernel to back the Go heap with 2 MB pages
// (transparent huge pages), where the kernel lets a process ask for them.
//
// Why: in some virtual machines the first touch of a fresh 4 KB page
// costs 10-25 µs (BENCHMARKS.md, "A flat cost per seed"), and the first
// world a process runs touches about 300 of them; a 2 MB page costs one
// fault instead of 512. The Go runtime asks for huge pages only for its
// own metadata, so on a kernel whose policy is "madvise" the heap gets
// none unless the program asks.
//
// Importing the package advises once, from its init, early in the
// program's start-up; cmd/faultline's cli imports it and advises again
// in Main, for the heap mapped during start-up. Advice is a hint: it
// never changes what a program computes, and it does nothing on other
// systems, when the kernel refuses (THP "never"), where it is moot (THP
// "always"), or when the environment sets FAULTLINE_HUGEPAGES=off.
package hugeheap
