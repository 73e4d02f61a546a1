package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/faultline/faultline/sim"
)

func TestWindowsOf(t *testing.T) {
	for _, tc := range []struct {
		params map[string]string
		notes  []string
		want   string
	}{
		{map[string]string{"slow_at": "10s", "slow_for": "15s", "rate": "60"}, nil, "[{10 25 slow}]"},
		{map[string]string{"trigger_at": "20s", "trigger_for": "5s", "outage_at": "1s", "outage_for": "2s"}, nil, "[{1 3 outage} {20 25 trigger}]"},
		{map[string]string{"fail_at": "5s"}, nil, "[]"},                    // no _for: not a window
		{map[string]string{"slow_at": "bad", "slow_for": "1s"}, nil, "[]"}, // not a duration
		{nil, []string{"fault: at 166ms isolate n2 for 148ms", "nemesis: kinds crash"}, "[{0.166 0.314 isolate n2}]"},
		// Joins, leaves, replaces and upgrades: an instant, a drain, a
		// rollout of every D per node (the parameter nodes for *).
		{map[string]string{"nodes": "5"}, []string{"fault: at 2s upgrade * to v2 every 2s"}, "[{2 10 upgrade * to v2 every 2s}]"},
		{nil, []string{"fault: at 1s upgrade n1,n2 to v2 every 500ms"}, "[{1 1.5 upgrade n1,n2 to v2 every 500ms}]"},
		{nil, []string{"fault: at 1s upgrade n1,n2 to v2"}, "[{1 1 upgrade n1,n2 to v2}]"},
		{nil, []string{"fault: at 100ms join n6", "fault: at 200ms replace n4 as v2"}, "[{0.1 0.1 join n6} {0.2 0.2 replace n4 as v2}]"},
		{nil, []string{"fault: at 1s leave n2 drain 250ms"}, "[{1 1.25 leave n2 drain 250ms}]"},
		{nil, []string{"fault: at 1s leave n2 drain 250ms for 1s"}, "[{1 2 leave n2 drain 250ms}]"},
	} {
		if got := fmt.Sprint(WindowsOf(tc.params, tc.notes)); got != tc.want && !(tc.want == "[]" && got == "[]") {
			t.Errorf("WindowsOf(%v, %v) = %s, want %s", tc.params, tc.notes, got, tc.want)
		}
	}
}

// Every panel has a legend and the same x range; the breaker's levels are
// named; shaded windows and the number of seeds are said.
func TestPlotPolish(t *testing.T) {
	pts := func(vals ...float64) []sim.Point {
		out := make([]sim.Point, len(vals))
		for i, v := range vals {
			out[i] = sim.Point{T: float64(i), V: v}
		}
		return out
	}
	lines := []Line{
		{Label: "breaker=on", Seeds: 5, Series: map[string][]sim.Point{"goodput_rps": pts(10, 2, 9), "breaker_state": pts(0, 2, 1, 0)}, Shade: []Window{{From: 1, To: 2, Label: "slow"}}},
		{Label: "breaker=off", Seeds: 5, Series: map[string][]sim.Point{"goodput_rps": pts(10, 1, 1)}, Shade: []Window{{From: 1, To: 2, Label: "slow"}}},
	}
	var buf bytes.Buffer
	if err := WritePlot(&buf, ".svg", "cascade", lines); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	for _, want := range []string{"closed", "half-open", "open", "the mean over 5 seeds", "shaded: slow"} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q", want)
		}
	}
	// breaker=off has no breaker_state: its legend entry is on one panel.
	if on, off := strings.Count(svg, "breaker=on"), strings.Count(svg, "breaker=off"); on != 2 || off != 1 {
		t.Errorf("legend entries: breaker=on %d times, breaker=off %d; want 2 and 1", on, off)
	}
	if n := strings.Count(svg, "shaded: slow"); n != 2 {
		t.Errorf("shading named %d times, want once per panel (2)", n)
	}
}

// Joins, leaves, replaces and upgrades are shaded in their own colour,
// with their own legend entry; an instant still shows.
func TestPlotShadesTopology(t *testing.T) {
	lines := []Line{{Label: "seed 1", Series: map[string][]sim.Point{"goodput_rps": {{T: 0, V: 1}, {T: 10, V: 2}}},
		Shade: WindowsOf(nil, []string{"fault: at 1s crash n1 for 2s", "fault: at 4s join n6", "fault: at 5s upgrade n1,n2 to v2 every 1s"})}}
	var buf bytes.Buffer
	if err := WritePlot(&buf, ".svg", "t", lines); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	for _, want := range []string{"shaded: crash n1", "shaded: join n6, upgrade n1,n2 to v2 every 1s"} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q", want)
		}
	}
	// Three rectangles: the crash in red, the join and the upgrade in teal
	// (#1E888C as the SVG writes it), and a legend entry.
	if n := strings.Count(svg, "fill:#1E888C"); n < 3 {
		t.Errorf("teal shapes: %d, want the join, the upgrade and a legend entry", n)
	}
}
