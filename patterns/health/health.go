package health

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/patterns/params"
)

// Status is a health verdict.
type Status int

// The statuses, from best to worst.
const (
	Healthy Status = iota
	Degraded
	Unhealthy
)

func (s Status) String() string { return [...]string{"healthy", "degraded", "unhealthy"}[s] }

// Dependency is a named dependency of the service.
type Dependency struct {
	Name     string
	Critical bool // down makes the service unhealthy, not just degraded
}

// Config sets the checker.
type Config struct {
	// Dependencies are checked by Deep, reported in this order.
	Dependencies []Dependency
	// FailureThreshold is the consecutive failed checks before a dependency
	// is down. If FailureThreshold is 0, 1 is used.
	FailureThreshold int
	// SuccessThreshold is the consecutive good checks before it is up again.
	// If SuccessThreshold is 0, 1 is used.
	SuccessThreshold int
	// StaleAfter makes a check older than this count as down.
	// If StaleAfter is 0, checks never go stale.
	StaleAfter time.Duration
}

// Params lists the keys Set accepts (without the "health." prefix).
func (c *Config) Params() []params.Param {
	return []params.Param{
		{Name: "dependencies", Default: "", Help: "names, comma-separated; name:critical marks a critical one"},
		{Name: "failure_threshold", Default: "1", Help: "consecutive failed checks before a dependency is down"},
		{Name: "success_threshold", Default: "1", Help: "consecutive good checks before it is up again"},
		{Name: "stale_after", Default: "0s", Help: "a check older than this counts as down (0 = never)"},
	}
}

// Set sets one parameter by its key (without the "health." prefix).
func (c *Config) Set(key, value string) error {
	var err error
	switch key {
	case "dependencies":
		c.Dependencies = nil
		for _, f := range strings.Split(value, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			name, crit, has := strings.Cut(f, ":")
			if name == "" || (has && crit != "critical") {
				return params.Errorf(key, "bad entry %q (accepted: name or name:critical, comma-separated)", f)
			}
			c.Dependencies = append(c.Dependencies, Dependency{Name: name, Critical: has})
		}
	case "failure_threshold":
		c.FailureThreshold, err = params.IntRange(key, value, 1, 1000)
	case "success_threshold":
		c.SuccessThreshold, err = params.IntRange(key, value, 1, 1000)
	case "stale_after":
		c.StaleAfter, err = params.Duration(key, value)
	default:
		err = params.UnknownKey(key, c.Params())
	}
	return err
}

// Validate checks the fields and that dependency names are unique.
func (c Config) Validate() error {
	seen := map[string]bool{}
	for _, d := range c.Dependencies {
		if d.Name == "" || seen[d.Name] {
			return params.Errorf("dependencies", "names must be non-empty and unique, got %q", d.Name)
		}
		seen[d.Name] = true
	}
	if c.FailureThreshold < 0 || c.SuccessThreshold < 0 {
		return params.Errorf("failure_threshold", "thresholds must be >= 1")
	}
	if c.StaleAfter < 0 {
		return params.Errorf("stale_after", "must be >= 0, got %v", c.StaleAfter)
	}
	return nil
}

type depState struct {
	checked   bool
	lastCheck time.Duration
	up        bool
	streak    int // consecutive checks that disagree with up
}

// DepReport is one dependency in a deep report.
type DepReport struct {
	Name     string
	Critical bool
	Up       bool
	Reason   string // "", "never-checked", "stale", "failing"
}

// Report is a deep check.
type Report struct {
	Status Status
	Deps   []DepReport
}

// Checker holds the health state. It is not safe for concurrent use.
type Checker struct {
	c    Config
	up   bool
	deps []depState
}

// New returns a checker for a process that is up, or an error if c is invalid.
func New(c Config) (*Checker, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.FailureThreshold == 0 {
		c.FailureThreshold = 1
	}
	if c.SuccessThreshold == 0 {
		c.SuccessThreshold = 1
	}
	c.Dependencies = slices.Clone(c.Dependencies)
	return &Checker{c: c, up: true, deps: make([]depState, len(c.Dependencies))}, nil
}

// SetUp records whether the process is up.
func (h *Checker) SetUp(up bool) { h.up = up }

// Shallow is the liveness check.
func (h *Checker) Shallow() Status {
	if h.up {
		return Healthy
	}
	return Unhealthy
}

// Observe records a check of dependency name at now.
func (h *Checker) Observe(now time.Duration, name string, ok bool) error {
	i := slices.IndexFunc(h.c.Dependencies, func(d Dependency) bool { return d.Name == name })
	if i < 0 {
		return fmt.Errorf("health: unknown dependency %q", name)
	}
	d := &h.deps[i]
	if !d.checked {
		d.checked, d.up = true, ok
	} else if ok == d.up {
		d.streak = 0
	} else {
		d.streak++
		need := h.c.FailureThreshold
		if ok {
			need = h.c.SuccessThreshold
		}
		if d.streak >= need {
			d.up, d.streak = ok, 0
		}
	}
	d.lastCheck = now
	return nil
}

// Deep is the readiness check at now.
func (h *Checker) Deep(now time.Duration) Report {
	r := Report{Status: Healthy}
	if !h.up {
		r.Status = Unhealthy
	}
	for i, dep := range h.c.Dependencies {
		d := h.deps[i]
		dr := DepReport{Name: dep.Name, Critical: dep.Critical, Up: true}
		switch {
		case !d.checked:
			dr.Up, dr.Reason = false, "never-checked"
		case h.c.StaleAfter > 0 && now-d.lastCheck > h.c.StaleAfter:
			dr.Up, dr.Reason = false, "stale"
		case !d.up:
			dr.Up, dr.Reason = false, "failing"
		}
		if !dr.Up {
			worst := Degraded
			if dep.Critical {
				worst = Unhealthy
			}
			r.Status = max(r.Status, worst)
		}
		r.Deps = append(r.Deps, dr)
	}
	return r
}
