package cli

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/faultline/faultline/scenarios"
)

// byteSize is a flag value in bytes: a count with an optional binary
// unit, e.g. 512MiB or 4GiB.
type byteSize uint64

// defaultMaxMemory bounds the heap of a run: far above what the built-in
// scenarios need at their defaults, well below the memory of a small
// machine.
const defaultMaxMemory byteSize = 4 << 30

var byteUnits = []struct {
	suffix string
	shift  uint
}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}

func (b *byteSize) String() string { return scenarios.FormatBytes(uint64(*b)) }

func (b *byteSize) Type() string { return "size" }

func (b *byteSize) Set(s string) error {
	num, shift := s, uint(0)
	for _, u := range byteUnits {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, shift = n, u.shift
			break
		}
	}
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil || n > math.MaxUint64>>shift {
		return fmt.Errorf("want a size in bytes: an integer with an optional unit B, KiB, MiB, GiB or TiB, e.g. 512MiB")
	}
	*b = byteSize(n << shift)
	return nil
}

// softMemoryLimit asks the garbage collector to keep the heap under
// limit, so that garbage alone does not trip --max-memory; it returns
// the function that restores the previous setting. GOMEMLIMIT wins.
func softMemoryLimit(limit byteSize) (restore func()) {
	if limit == 0 || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	prev := debug.SetMemoryLimit(int64(min(uint64(limit), math.MaxInt64)))
	return func() { debug.SetMemoryLimit(prev) }
}
