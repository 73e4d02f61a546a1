package health

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestDeep(t *testing.T) {
	cfg := Config{Dependencies: []Dependency{{"db", true}, {"cache", false}}, FailureThreshold: 2, StaleAfter: 10 * time.Second}
	tests := []struct {
		name   string
		setup  func(h *Checker)
		at     time.Duration
		status Status
	}{
		{"never checked", func(h *Checker) {}, 0, Unhealthy},
		{"all up", func(h *Checker) { h.Observe(0, "db", true); h.Observe(0, "cache", true) }, 0, Healthy},
		{"cache down", func(h *Checker) {
			h.Observe(0, "db", true)
			h.Observe(0, "cache", false)
		}, 0, Degraded},
		{"one db failure is not enough", func(h *Checker) {
			h.Observe(0, "db", true)
			h.Observe(0, "cache", true)
			h.Observe(1, "db", false)
		}, 1, Healthy},
		{"two db failures", func(h *Checker) {
			h.Observe(0, "db", true)
			h.Observe(0, "cache", true)
			h.Observe(1, "db", false)
			h.Observe(2, "db", false)
		}, 2, Unhealthy},
		{"stale", func(h *Checker) { h.Observe(0, "db", true); h.Observe(20*time.Second, "cache", true) }, 20 * time.Second, Unhealthy},
		{"process down", func(h *Checker) { h.Observe(0, "db", true); h.Observe(0, "cache", true); h.SetUp(false) }, 0, Unhealthy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			tt.setup(h)
			if got := h.Deep(tt.at); got.Status != tt.status {
				t.Fatalf("got %v (%+v), want %v", got.Status, got.Deps, tt.status)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	var c Config
	if err := c.Set("dependencies", "db:critical, cache"); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.Dependencies) != "[{db true} {cache false}]" {
		t.Fatalf("got %v", c.Dependencies)
	}
	if err := c.Set("dependencies", "db:optional"); err == nil {
		t.Fatal("db:optional accepted")
	}
	if _, err := New(Config{Dependencies: []Dependency{{"a", false}, {"a", true}}}); err == nil {
		t.Fatal("duplicate names accepted")
	}
	h, _ := New(Config{})
	if err := h.Observe(0, "nope", true); err == nil {
		t.Fatal("unknown dependency accepted")
	}
	if h.Shallow() != Healthy || h.Deep(0).Status != Healthy {
		t.Fatal("checker with no dependencies not healthy")
	}
}

// Deep is never better than Shallow, is unhealthy exactly when the process
// or a critical dependency is down, and healthy exactly when nothing is down.
func TestHealthProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 4).Draw(t, "deps")
		cfg := Config{FailureThreshold: rapid.IntRange(1, 3).Draw(t, "ft"), SuccessThreshold: rapid.IntRange(1, 3).Draw(t, "st")}
		for i := range n {
			cfg.Dependencies = append(cfg.Dependencies, Dependency{Name: fmt.Sprint("d", i), Critical: rapid.Bool().Draw(t, "critical")})
		}
		h, _ := New(cfg)
		for range rapid.IntRange(0, 50).Draw(t, "steps") {
			if n > 0 {
				h.Observe(0, fmt.Sprint("d", rapid.IntRange(0, n-1).Draw(t, "dep")), rapid.Bool().Draw(t, "ok"))
			}
			if rapid.IntRange(0, 9).Draw(t, "flip") == 0 {
				h.SetUp(!h.up)
			}
			r := h.Deep(0)
			critDown, anyDown := false, false
			for _, d := range r.Deps {
				anyDown = anyDown || !d.Up
				critDown = critDown || (!d.Up && d.Critical)
			}
			if r.Status < h.Shallow() {
				t.Fatalf("deep %v better than shallow %v", r.Status, h.Shallow())
			}
			if (r.Status == Unhealthy) != (!h.up || critDown) || (r.Status == Healthy) != (h.up && !anyDown) {
				t.Fatalf("status %v with up=%v deps %+v", r.Status, h.up, r.Deps)
			}
		}
	})
}

func Example() {
	h, _ := New(Config{Dependencies: []Dependency{{Name: "db", Critical: true}, {Name: "cache"}}})
	h.Observe(0, "db", true)
	h.Observe(0, "cache", false)
	r := h.Deep(0)
	fmt.Println("shallow:", h.Shallow(), "deep:", r.Status)
	for _, d := range r.Deps {
		fmt.Printf("%s up=%v reason=%q\n", d.Name, d.Up, d.Reason)
	}
	// Output:
	// shallow: healthy deep: degraded
	// db up=true reason=""
	// cache up=false reason="failing"
}
