package scenarios

import (
	"runtime"
	"testing"

	"github.com/faultline/faultline/sim"
)

// TestIdleArenasHandBackTheLastOne: a run gets the arena the run before
// it put back (a sync.Pool could miss it after the goroutine changed P),
// and the stack keeps no more than GOMAXPROCS of them.
func TestIdleArenasHandBackTheLastOne(t *testing.T) {
	var p idleArenas
	a := p.get()
	p.put(a)
	if b := p.get(); b != a {
		t.Fatal("get after put returned another arena")
	}
	n := runtime.GOMAXPROCS(0)
	held := make([]*sim.Arena, n+3)
	for i := range held {
		held[i] = p.get()
	}
	for _, a := range held {
		p.put(a)
	}
	if len(p.idle) != n {
		t.Fatalf("%d idle arenas kept, want GOMAXPROCS = %d", len(p.idle), n)
	}
}
