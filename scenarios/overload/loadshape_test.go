package overload

import (
	"math"
	"testing"
)

// Every request-path scenario takes the load shape, deterministically.
func TestLoadShapeDeterministic(t *testing.T) {
	for _, tc := range []struct{ name, shape string }{
		{"retry-storm", "ramp:0.5..2@0s+60s"},
		{"queue", "sine:0.5@20s"},
		{"timeout", "step:2@10s"},
		{"hedging", "spike:2@5s+5s"},
		{"health-check", "replay:0s=10;5s=40"},
		{"backpressure", "sine:0.8@10s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			deterministic(t, tc.name, map[string]string{LoadShapeParam: tc.shape})
			res := execute(t, tc.name, 1, map[string]string{LoadShapeParam: tc.shape})
			if _, ok := res.Series[OfferedSeries]; !ok {
				t.Fatalf("no %s series with a shaped load", OfferedSeries)
			}
		})
	}
}

// A constant shape draws exactly as the unshaped client did: the trace
// is the same as the default's, and no offered series is added.
func TestLoadShapeConstantKeepsTrace(t *testing.T) {
	for _, name := range []string{"retry-storm", "queue", "hedging", "rate-limit", "backpressure"} {
		a := execute(t, name, 3, nil)
		b := execute(t, name, 3, map[string]string{LoadShapeParam: "constant"})
		if a.TraceHash != b.TraceHash {
			t.Errorf("%s: constant shape changes the trace: %s vs %s", name, a.TraceHash, b.TraceHash)
		}
		if _, ok := a.Series[OfferedSeries]; ok {
			t.Errorf("%s: offered series recorded without a shape", name)
		}
	}
}

// The offered load follows the shape: a step to 2× doubles the arrivals
// after it, open-loop and closed-loop.
func TestLoadShapeFollowsShape(t *testing.T) {
	for _, name := range []string{"queue", "hedging", "backpressure"} {
		set := map[string]string{LoadShapeParam: "step:2@10s", "duration": "20s"}
		if name == "backpressure" {
			set["bound"] = "off" // a bounded queue would pause the producer
		}
		res := execute(t, name, 1, set)
		pts := res.Series[OfferedSeries]
		var before, after float64
		for _, p := range pts {
			switch {
			case p.T >= 2 && p.T < 10:
				before += p.V
			case p.T >= 12 && p.T < 20:
				after += p.V
			}
		}
		if r := after / before; math.Abs(r-2) > 0.3 {
			t.Errorf("%s: offered after/before the step = %.2f, want about 2", name, r)
		}
	}
}
