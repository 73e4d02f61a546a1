package benchpair_test

import (
	"fmt"
	"testing"

	"github.com/faultline/faultline/internal/benchpair"
)

// spin does about n units of work that the compiler cannot drop.
func spin(n int) {
	x := uint64(1)
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	sink = x
}

var sink uint64

// TestRunRatio checks that a side doing three times the work reads as
// about three times slower, and that each side ran every operation.
func TestRunRatio(t *testing.T) {
	defer benchpair.Lock()()
	var na, nb int
	r := benchpair.Run(200, 10, func(k int) { na += k; spin(k * 2000) }, func(k int) { nb += k; spin(k * 6000) })
	if na != 200 || nb != 200 || r.Ops != 200 {
		t.Fatalf("ran %d and %d operations (result %d), want 200 each", na, nb, r.Ops)
	}
	if r.Ratio < 1.5 || r.Ratio > 6 {
		t.Fatalf("ratio %.2f, want about 3", r.Ratio)
	}
	if r.ANsPerOp() <= 0 || r.BNsPerOp() <= r.ANsPerOp() {
		t.Fatalf("per op %.0f and %.0f ns: B should be the slower", r.ANsPerOp(), r.BNsPerOp())
	}
}

func ExampleRun() {
	defer benchpair.Lock()()
	var a, b int
	r := benchpair.Run(1000, 100, func(k int) { a += k }, func(k int) { b += k })
	fmt.Println(a, b, r.Ops)
	// Output: 1000 1000 1000
}
