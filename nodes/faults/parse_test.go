package faults

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/network"
)

const sample = `# a schedule with every kind
at 0s drift n3 +200ppm
at 0s offset n2 -5ms for 10s
at 1s crash n2 for 3s   # restarts at 4s
at 2s partition n1,n2 | n3,n4,n5 for 5s
at 2500ms oneway n1->n2,n3 for 1s
at 3s jump n1 -500ms
at 3s bridge n1,n2 | n3 | n4,n5 for 1s
at 3s ring for 2s
at 3s isolate n4 for 1s
at 4s clog n1->n2 x10 for 2s
at 4s slow n5 x3.5 for 1s
at 4s pause n4 for 250ms
at 5s loss * 0.2 for 1s
at 5s dup n1,n2->* 0.05
at 5s latency *->n3 uniform:1ms-9ms for 1s
at 6s restart n2
at 9s heal
`

func TestParseSample(t *testing.T) {
	s, err := Parse(sample, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Faults) != 17 {
		t.Fatalf("%d faults, want 17", len(s.Faults))
	}
	crash := s.Faults[2]
	if crash.Kind != Crash || crash.At != time.Second || crash.For != 3*time.Second || !reflect.DeepEqual(crash.Nodes, []NodeID{1}) || crash.Line != 4 {
		t.Fatalf("crash parsed as %+v", crash)
	}
	part := s.Faults[3]
	if !reflect.DeepEqual(part.Groups, [][]NodeID{{0, 1}, {2, 3, 4}}) {
		t.Fatalf("partition groups %v", part.Groups)
	}
	if d := s.Faults[14].Latency; d != (network.Dist{Kind: network.Uniform, Min: time.Millisecond, Max: 9 * time.Millisecond}) {
		t.Fatalf("latency %v", d)
	}
	if s.Faults[13].To != nil || !reflect.DeepEqual(s.Faults[13].From, []NodeID{0, 1}) {
		t.Fatalf("dup links %v->%v", s.Faults[13].From, s.Faults[13].To)
	}
	// The text form is canonical: formatting and parsing again is stable.
	again, err := Parse(s.String(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if again.String() != s.String() {
		t.Fatalf("not stable:\n%s\nvs\n%s", s, again)
	}
	if !strings.Contains(s.String(), "at 2.5s oneway n1->n2,n3 for 1s\n") {
		t.Fatalf("canonical text:\n%s", s)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		want       string
	}{
		{"unknown kind", "at 1s crsh n1", 1, `unknown fault kind "crsh" (accepted: partition, oneway`},
		{"unknown node", "# c\n\nat 1s crash n7", 3, `unknown node "n7": the cluster has 5 nodes (accepted: n1..n5)`},
		{"bad node name", "at 1s crash node1", 1, `unknown node "node1"`},
		{"node zero", "at 1s crash n0", 1, `unknown node "n0"`},
		{"negative duration", "at 1s crash n1 for -2s", 1, "want a duration > 0"},
		{"zero duration", "at 1s crash n1 for 0s", 1, "want a duration > 0"},
		{"negative time", "at -1s crash n1", 1, "time \"-1s\": want a duration ≥ 0"},
		{"bad time", "at soon crash n1", 1, "time \"soon\""},
		{"prob above 1", "at 1s\tloss * 1.5", 1, `probability "1.5": want a number in [0, 1]`},
		{"prob below 0", "at 1s dup * -0.1 for 1s", 1, `probability "-0.1"`},
		{"prob NaN", "at 1s loss * NaN", 1, `probability "NaN"`},
		{"overlapping groups", "at 1s partition n1,n2 | n2,n3", 1, "overlapping partition groups: n2 is in two groups"},
		{"overlapping bridge", "at 1s bridge n1 | n2 | n1", 1, "overlapping partition groups"},
		{"overlapping oneway", "at 1s oneway n1,n2->n2", 1, "overlapping partition groups: n2 is on both sides"},
		{"one group", "at 1s partition n1,n2", 1, "two or more groups"},
		{"bridge two groups", "at 1s bridge n1 | n2", 1, "three groups"},
		{"star group", "at 1s partition * | n1", 1, "list nodes by name"},
		{"no at", "crash n1", 1, "want 'at TIME KIND"},
		{"pause without for", "at 1s pause n1", 1, "pause needs a duration; want 'pause NODES for D'"},
		{"heal with for", "at 1s heal for 1s", 1, "heal takes no duration"},
		{"jump with for", "at 1s jump n1 +1s for 1s", 1, "jump takes no duration"},
		{"heal with targets", "at 1s heal n1", 1, "heal takes no targets"},
		{"crash without nodes", "at 1s crash", 1, "crash needs target nodes"},
		{"slow without factor", "at 1s slow n1", 1, "slow needs targets and an argument"},
		{"slow below 1", "at 1s slow n1 x0.5", 1, `factor "x0.5": want x followed by a number ≥ 1`},
		{"clog zero", "at 1s clog * x0", 1, `factor "x0"`},
		{"clog no x", "at 1s clog * 10", 1, `factor "10"`},
		{"jump unsigned", "at 1s jump n1 500ms", 1, "want a signed duration"},
		{"drift unit", "at 1s drift n1 +200", 1, `drift "+200"`},
		{"drift unsigned", "at 1s drift n1 200ppm", 1, `drift "200ppm"`},
		{"bad latency", "at 1s latency * fast", 1, `latency "fast"`},
		{"bad links", "at 1s loss n1 0.1", 1, `links "n1": want * or NODES->NODES`},
		{"duplicate node", "at 1s crash n1,n1", 1, "listed twice"},
		{"for in the middle", "at 1s crash n1 for 1s n2", 1, "'for' must be followed by one duration"},
		{"second line", "at 1s crash n1\nat 2s restart n9", 2, `unknown node "n9"`},
		{"upgrade without version", "at 1s upgrade n1", 1, "upgrade needs a version ('to VERSION')"},
		{"upgrade bad every", "at 1s upgrade n1,n2 to v2 every 5", 1, `'every 5': want a duration > 0 such as 5s`},
		{"upgrade zero every", "at 1s upgrade n1,n2 to v2 every 0s", 1, `'every 0s': want a duration > 0`},
		{"upgrade bad version", "at 1s upgrade n1 to v2!", 1, `version "v2!": want a name of letters`},
		{"upgrade node out of range", "at 1s upgrade n1,n6 to v2", 1, `unknown node "n6": the cluster has 5 nodes`},
		{"upgrade for", "at 1s upgrade n1 to v2 for 1s", 1, "upgrade takes no duration"},
		{"upgrade to twice", "at 1s upgrade n1 to v2 to v3", 1, `"to" given twice`},
		{"join unknown word", "at 1s join n1 with v2", 1, `unknown node "n1withv2"`},
		{"leave unknown word", "at 1s leave n1 drain 1s now", 1, `leave: unexpected "now"`},
		{"join for", "at 1s join n1 for 2s", 1, "join takes no duration"},
		{"join without nodes", "at 1s join as v2", 1, "join needs target nodes"},
		{"leave bad drain", "at 1s leave n1 drain soon", 1, `'drain soon': want a duration > 0`},
		{"leave drain without value", "at 1s leave n1 drain", 1, `leave: unexpected "drain"`},
		{"replace out of range", "at 1s replace n7", 1, `unknown node "n7"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFile("sched.txt", tc.text, 5)
			if err == nil {
				t.Fatalf("no error for %q", tc.text)
			}
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T, want *Error", err)
			}
			if e.Line != tc.line {
				t.Errorf("line %d, want %d (%v)", e.Line, tc.line, err)
			}
			prefix := "sched.txt:" + strconv.Itoa(tc.line) + ": "
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want prefix %q and %q", err, prefix, tc.want)
			}
		})
	}
}

func TestParseWithoutClusterSize(t *testing.T) {
	if _, err := Parse("at 1s crash n70", 0); err != nil {
		t.Fatalf("size-free check rejected n70: %v", err)
	}
	if _, err := Parse("at 1s crash n70", 5); err == nil {
		t.Fatal("n70 accepted for 5 nodes")
	}
}

// genSchedule generates valid schedules for n nodes.
func genSchedule(n int) *rapid.Generator[*Schedule] {
	node := rapid.Custom(func(t *rapid.T) NodeID { return NodeID(rapid.IntRange(0, n-1).Draw(t, "node")) })
	nodeSet := func(t *rapid.T, label string, allowAll bool) []NodeID {
		if allowAll && rapid.Bool().Draw(t, label+"_all") {
			return nil
		}
		return rapid.SliceOfNDistinct(node, 1, n, rapid.ID).Draw(t, label)
	}
	dur := rapid.Custom(func(t *rapid.T) time.Duration {
		return time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(t, "ns"))
	})
	fault := rapid.Custom(func(t *rapid.T) Fault {
		f := Fault{At: dur.Draw(t, "at"), Kind: rapid.SampledFrom(Kinds).Draw(t, "kind")}
		switch f.Kind.targets() {
		case tNodes:
			f.Nodes = nodeSet(t, "nodes", true)
		case tGroups:
			perm := rapid.Permutation(func() []NodeID {
				ids := make([]NodeID, n)
				for i := range ids {
					ids[i] = NodeID(i)
				}
				return ids
			}()).Draw(t, "perm")
			k := 3
			if f.Kind == Partition {
				k = rapid.IntRange(2, n).Draw(t, "groups")
			}
			for i := range k {
				f.Groups = append(f.Groups, perm[i*n/k:(i+1)*n/k])
			}
		case tLinks:
			if f.Kind == OneWay {
				split := rapid.IntRange(1, n-1).Draw(t, "split")
				f.From, f.To = []NodeID{NodeID(split - 1)}, []NodeID{NodeID(split)}
			} else if !rapid.Bool().Draw(t, "star") {
				f.From, f.To = nodeSet(t, "from", true), nodeSet(t, "to", true)
				if f.From == nil && f.To == nil {
					f.To = []NodeID{0}
				}
			}
		}
		switch f.Kind {
		case Slow, SlowDisk:
			f.Factor = rapid.Float64Range(1, 1e6).Draw(t, "factor")
		case WriteErr, BitFlip, BadSector, LostWrite:
			f.Prob = rapid.Float64Range(0, 1).Draw(t, "p")
		case Clog:
			f.Factor = rapid.Float64Range(1e-3, 1e6).Draw(t, "factor")
		case Loss, Dup:
			f.Prob = rapid.Float64Range(0, 1).Draw(t, "p")
		case Latency:
			f.Latency = rapid.SampledFrom([]network.Dist{
				network.Const(time.Duration(rapid.Int64Range(0, 1e9).Draw(t, "c"))),
				{Kind: network.Uniform, Min: time.Millisecond, Max: time.Duration(rapid.Int64Range(1e6, 1e9).Draw(t, "max"))},
				{Kind: network.LogNormal, Mean: 10 * time.Millisecond, Sigma: rapid.Float64Range(0, 3).Draw(t, "sigma")},
				{Kind: network.Pareto, Min: time.Millisecond, Alpha: rapid.Float64Range(0.1, 3).Draw(t, "alpha")},
			}).Draw(t, "dist")
		case Offset, Jump:
			f.Shift = time.Duration(rapid.Int64Range(-int64(time.Hour), int64(time.Hour)).Draw(t, "shift"))
		case Drift:
			f.PPM = rapid.Float64Range(-1e5, 1e5).Draw(t, "ppm")
		case Join, Replace, Upgrade:
			version := rapid.StringMatching(`[a-zA-Z0-9._-]{1,8}`)
			if f.Kind == Upgrade || rapid.Bool().Draw(t, "has_version") {
				f.Version = version.Draw(t, "version")
			}
			if f.Kind == Upgrade && rapid.Bool().Draw(t, "has_every") {
				f.Every = 1 + dur.Draw(t, "every")
			}
		case Leave:
			if rapid.Bool().Draw(t, "has_drain") {
				f.Drain = 1 + dur.Draw(t, "drain")
			}
		}
		switch f.Kind {
		case Heal, Restart, Jump, Join, Replace, Upgrade:
		case Pause:
			f.For = 1 + dur.Draw(t, "for")
		default:
			if rapid.Bool().Draw(t, "has_for") {
				f.For = 1 + dur.Draw(t, "for")
			}
		}
		return f
	})
	return rapid.Custom(func(t *rapid.T) *Schedule {
		return &Schedule{Nodes: n, Faults: rapid.SliceOfN(fault, 0, 20).Draw(t, "faults")}
	})
}

func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(3, 12).Draw(t, "n")
		s := genSchedule(n).Draw(t, "schedule")
		text := s.String()
		back, err := Parse(text, n)
		if err != nil {
			t.Fatalf("%v\n%s", err, text)
		}
		for i := range back.Faults {
			if back.Faults[i].Line != i+1 {
				t.Fatalf("fault %d has line %d", i, back.Faults[i].Line)
			}
			back.Faults[i].Line = 0
		}
		if len(s.Faults) == 0 {
			s.Faults = nil
		}
		if !reflect.DeepEqual(back, s) {
			t.Fatalf("round trip changed the schedule:\n%s\n%#v\n%#v", text, s, back)
		}
		if back.String() != text {
			t.Fatalf("text changed:\n%s\nvs\n%s", text, back)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, line := range strings.Split(sample, "\n") {
		f.Add(line, 5)
	}
	f.Add("at 1s partition n1 | n2 | n3 for 1s # c", 3)
	for _, line := range []string{"at 1s slowdisk n1 x4 for 1s", "at 0s writeerr * 0.5", "at 2s diskfull n2 for 1s",
		"at 1s bitflip n1,n2 1e-3 for 2s", "at 1s badsector n3 0.1", "at 1s lostwrite * 0 for 1ms",
		"at 5s join n3", "at 5s join n2,n3 as v2", "at 1s leave n1", "at 1s leave n2 drain 2s for 5s",
		"at 2s replace n1 as v1.1", "at 5s upgrade n1,n2,n3 to v2 every 5s", "at 0s upgrade * to v2",
		"at 1s upgrade n1 to v2 every 0s", "at 1s upgrade n9 to v2", "at 1s upgrade n1 to v/2", "at 1s leave n1 drain"} {
		f.Add(line, 3)
	}
	f.Fuzz(func(t *testing.T, text string, n int) {
		n = n%50 + 1
		if n < 1 {
			n = -n + 1
		}
		s, err := Parse(text, n)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T: %v", err, err)
			}
			return
		}
		// Whatever parses formats to text that parses to the same text.
		again, err := Parse(s.String(), n)
		if err != nil {
			t.Fatalf("formatted schedule does not parse: %v\n%s", err, s)
		}
		if again.String() != s.String() {
			t.Fatalf("format not stable:\n%s\nvs\n%s", s, again)
		}
	})
}
