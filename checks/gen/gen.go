package gen

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/patterns/pipeline"
)

// ScheduleOptions shape the schedules Schedule draws. Zero fields take
// the defaults their comments give.
type ScheduleOptions struct {
	_     struct{}
	Nodes int // cluster size; required, ≥ 2
	// Kinds are the fault kinds to draw from, the first the one faults
	// shrink toward; default DefaultKinds.
	Kinds []faults.Kind
	// MaxFaults bounds the faults of a schedule; default 6.
	MaxFaults int
	// Step is the granularity of times and durations; default 100ms.
	Step time.Duration
	// Horizon is the latest start of a fault; default 5s.
	Horizon time.Duration
	// MaxFor is the longest fault; default 3s. Every fault has a duration,
	// so every schedule heals by Horizon+MaxFor.
	MaxFor time.Duration
}

// DefaultKinds are the kinds Schedule draws by default, in the order
// they shrink toward: network faults first, then node faults.
var DefaultKinds = []faults.Kind{faults.Partition, faults.Isolate, faults.OneWay, faults.Loss, faults.Clog, faults.Crash, faults.Pause, faults.Slow}

func (o ScheduleOptions) withDefaults() (ScheduleOptions, error) {
	if o.Nodes < 2 {
		return o, fmt.Errorf("gen: nodes %d: want ≥ 2", o.Nodes)
	}
	if o.Kinds == nil {
		o.Kinds = DefaultKinds
	}
	for _, k := range o.Kinds {
		if !slices.Contains(DefaultKinds, k) {
			return o, fmt.Errorf("gen: kind %s: accepted kinds are %v", k, DefaultKinds)
		}
	}
	if o.MaxFaults <= 0 {
		o.MaxFaults = 6
	}
	if o.Step <= 0 {
		o.Step = 100 * time.Millisecond
	}
	if o.Horizon <= 0 {
		o.Horizon = 5 * time.Second
	}
	if o.MaxFor <= 0 {
		o.MaxFor = 3 * time.Second
	}
	if o.MaxFor < o.Step {
		return o, fmt.Errorf("gen: max_for %v: want ≥ step %v", o.MaxFor, o.Step)
	}
	return o, nil
}

// Schedule returns a generator of fault schedules for o.Nodes nodes,
// sorted by start time. It panics on bad options, which are a bug in the
// test.
func Schedule(o ScheduleOptions) *rapid.Generator[*faults.Schedule] {
	o, err := o.withDefaults()
	if err != nil {
		panic(err)
	}
	fault := Fault(o)
	return rapid.Custom(func(t *rapid.T) *faults.Schedule {
		fs := rapid.SliceOfN(fault, 0, o.MaxFaults).Draw(t, "faults")
		// Apply orders faults by time and keeps the order of faults at the
		// same time, so a stable sort changes nothing but readability.
		slices.SortStableFunc(fs, func(a, b faults.Fault) int { return int(a.At - b.At) })
		return &faults.Schedule{Nodes: o.Nodes, Faults: fs}
	})
}

// Fault returns a generator of one fault of the kinds in o.
func Fault(o ScheduleOptions) *rapid.Generator[faults.Fault] {
	o, err := o.withDefaults()
	if err != nil {
		panic(err)
	}
	n := o.Nodes
	steps := func(t *rapid.T, label string, lo int, hi time.Duration) time.Duration {
		return time.Duration(rapid.IntRange(lo, int(hi/o.Step)).Draw(t, label)) * o.Step
	}
	node := rapid.IntRange(0, n-1)
	return rapid.Custom(func(t *rapid.T) faults.Fault {
		f := faults.Fault{Kind: rapid.SampledFrom(o.Kinds).Draw(t, "kind")}
		f.At = steps(t, "at", 0, o.Horizon)
		f.For = steps(t, "for", 1, o.MaxFor)
		switch f.Kind {
		case faults.Partition:
			// Each node on side 0 or 1; shrinking moves nodes to side 0,
			// and the last node stays on side 1 so both sides exist.
			var a, b []faults.NodeID
			for id := range n - 1 {
				if rapid.Bool().Draw(t, "side of "+network.Name(network.NodeID(id))) {
					b = append(b, faults.NodeID(id))
				} else {
					a = append(a, faults.NodeID(id))
				}
			}
			b = append(b, faults.NodeID(n-1))
			if len(a) == 0 {
				a, b = b[:1], b[1:]
			}
			f.Groups = [][]faults.NodeID{a, b}
		case faults.Isolate, faults.Crash, faults.Pause:
			f.Nodes = []faults.NodeID{faults.NodeID(node.Draw(t, "node"))}
		case faults.Slow:
			f.Nodes = []faults.NodeID{faults.NodeID(node.Draw(t, "node"))}
			f.Factor = float64(rapid.IntRange(2, 20).Draw(t, "factor"))
		case faults.OneWay:
			from := int32(node.Draw(t, "from"))
			f.From = []faults.NodeID{faults.NodeID(from)}
			for id := range int32(n) {
				if id != from {
					f.To = append(f.To, faults.NodeID(id))
				}
			}
		case faults.Loss:
			f.Prob = float64(rapid.IntRange(1, 10).Draw(t, "loss_tenths")) / 10
		case faults.Clog:
			f.Factor = float64(rapid.IntRange(2, 100).Draw(t, "factor"))
		}
		return f
	})
}

// DrawSchedule draws a schedule and logs it in the fault-file text form,
// so that the failing case rapid reports (the minimal one) shows the
// schedule to save and replay with --faults.
func DrawSchedule(t *rapid.T, o ScheduleOptions, label string) *faults.Schedule {
	s := Schedule(o).Draw(t, label)
	text := s.String()
	if text == "" {
		text = "(no faults)\n"
	}
	t.Logf("%s, in the fault-file form (save it and replay with --faults FILE):\n%s", label, text)
	return s
}

// Dist returns a generator of latency distributions in whole
// milliseconds, shrinking toward a constant 0.
func Dist(maxLatency time.Duration) *rapid.Generator[network.Dist] {
	hi := max(int(maxLatency/time.Millisecond), 1)
	return rapid.Custom(func(t *rapid.T) network.Dist {
		ms := func(label string, lo, hi int) time.Duration {
			return time.Duration(rapid.IntRange(lo, hi).Draw(t, label)) * time.Millisecond
		}
		switch rapid.IntRange(0, 2).Draw(t, "dist") {
		case 0:
			return network.Const(ms("latency_ms", 0, hi))
		case 1:
			lo := ms("min_ms", 0, hi)
			return network.Dist{Kind: network.Uniform, Min: lo, Max: lo + ms("spread_ms", 0, hi)}
		default:
			return network.Dist{Kind: network.Normal, Mean: ms("mean_ms", 0, hi), Stddev: ms("stddev_ms", 0, hi)}
		}
	})
}

// Link returns a generator of valid link parameters: latency up to
// maxLatency, and loss, duplication and reordering up to 30%, bandwidth
// and a queue now and then. It shrinks toward a perfect link.
func Link(maxLatency time.Duration) *rapid.Generator[network.Link] {
	dist := Dist(maxLatency)
	pct := func(t *rapid.T, label string) float64 {
		return float64(rapid.IntRange(0, 30).Draw(t, label)) / 100
	}
	return rapid.Custom(func(t *rapid.T) network.Link {
		l := network.Link{Latency: dist.Draw(t, "latency")}
		l.Loss = pct(t, "loss_pct")
		l.Duplicate = pct(t, "dup_pct")
		l.Reorder = pct(t, "reorder_pct")
		if rapid.Bool().Draw(t, "bandwidth_on") {
			l.BandwidthBytesPerSec = int64(rapid.IntRange(1, 1000).Draw(t, "bandwidth_kbps")) * 1000
			if rapid.Bool().Draw(t, "queue_on") {
				l.QueueBytes = int64(rapid.IntRange(1, 1000).Draw(t, "queue_kb")) * 1000
			}
		}
		return l
	})
}

// stageKeys are the pipeline settings PipelineSettings draws, per stage,
// each with the values it draws from (the first is where it shrinks to).
var stageKeys = []struct {
	stage string
	keys  [][]string // key, then values
}{
	{"timeout", [][]string{{"timeout.per_attempt", "100ms", "50ms", "200ms", "500ms", "1s"}, {"timeout.overall", "0s", "1s", "2s", "5s"}}},
	{"retry", [][]string{{"retry.max_attempts", "2", "3", "4", "5"}, {"retry.backoff", "exponential", "constant", "full-jitter", "decorrelated-jitter", "none"}, {"backoff.base", "10ms", "50ms", "100ms", "200ms"}}},
	{"budget", [][]string{{"budget.kind", "token", "ratio"}}},
	{"hedge", [][]string{{"hedge.delay", "50ms", "10ms", "20ms", "100ms"}}},
	{"breaker", [][]string{{"breaker.failure_threshold", "5", "1", "2", "3", "10"}, {"breaker.open_duration", "5s", "100ms", "500ms", "1s"}}},
	{"bulkhead", [][]string{{"bulkhead.max_concurrent", "10", "1", "2", "5", "50"}}},
	{"throttle", [][]string{{"throttle.k", "2", "1.5", "3"}}},
	{"fallback", nil},
}

// PipelineSettings returns a generator of pipeline settings, key=value
// pairs as `--set` takes them: each stage is on or off (shrinking to
// off), and an on stage draws a few of its keys.
func PipelineSettings() *rapid.Generator[map[string]string] {
	return rapid.Custom(func(t *rapid.T) map[string]string {
		set := map[string]string{}
		for _, st := range stageKeys {
			if !rapid.Bool().Draw(t, st.stage) {
				continue
			}
			set[st.stage+".enabled"] = "true"
			for _, kv := range st.keys {
				set[kv[0]] = rapid.SampledFrom(kv[1:]).Draw(t, kv[0])
			}
		}
		return set
	})
}

// Pipeline returns a generator of valid pipeline configurations, built
// from PipelineSettings.
func Pipeline() *rapid.Generator[pipeline.Config] {
	settings := PipelineSettings()
	return rapid.Custom(func(t *rapid.T) pipeline.Config {
		set := settings.Draw(t, "settings")
		c, err := PipelineConfig(set)
		if err != nil {
			t.Fatalf("generated settings do not apply: %v", err)
		}
		return c
	})
}

// PipelineConfig applies settings to a zero pipeline.Config in a fixed
// order (enabled keys first) and validates it.
func PipelineConfig(set map[string]string) (pipeline.Config, error) {
	var c pipeline.Config
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	// "STAGE.enabled" first: a later "STAGE.enabled=false" must not be
	// undone by one of the stage's keys, which turns it on.
	slices.SortFunc(keys, func(a, b string) int {
		ea, eb := strings.HasSuffix(a, ".enabled"), strings.HasSuffix(b, ".enabled")
		if ea != eb {
			if ea {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys {
		if err := c.Set(k, set[k]); err != nil {
			return pipeline.Config{}, err
		}
	}
	if err := c.Validate(); err != nil {
		return pipeline.Config{}, err
	}
	return c, nil
}
