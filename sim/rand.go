package sim

import "math/rand/v2"

// fnv64 hashes s with FNV-1a. It is stable across runs and machines, unlike
// hash/maphash, which is seeded per process.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// splitmix64 scrambles x so that nearby seeds give unrelated streams.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// NewStream returns the random stream called name for a run's seed. The same
// (seed, name) always gives the same sequence, and streams with different
// names are independent, so a draw in one never shifts another.
func NewStream(seed uint64, name string) *rand.Rand {
	h := fnv64(name)
	return rand.New(rand.NewPCG(splitmix64(seed^splitmix64(h)), splitmix64(h)))
}

// Rand returns the world's stream called name, creating it on first use.
// Use one name per component, e.g. "net", "client/3", "faults".
func (w *World) Rand(name string) *rand.Rand {
	if r, ok := w.streams[name]; ok {
		return r
	}
	r := NewStream(w.seed, name)
	w.streams[name] = r
	return r
}
