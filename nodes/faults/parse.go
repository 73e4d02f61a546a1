package faults

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/network"
)

// Error is a bad line of a schedule text.
type Error struct {
	File string // set by ParseFile; "" otherwise
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// MaxFaults bounds the faults of one schedule.
const MaxFaults = 100_000

// Parse reads a schedule in the text form for a cluster of nodes nodes
// (n1..nN). With nodes ≤ 0 node names are only checked for form, which
// lets a caller check a file before it knows the cluster size. The error,
// an *Error, names the line and what the line should look like.
func Parse(text string, nodes int) (*Schedule, error) {
	s := &Schedule{Nodes: max(nodes, 0)}
	for i, line := range strings.Split(text, "\n") {
		if c := strings.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len(s.Faults) == MaxFaults {
			return nil, &Error{Line: i + 1, Msg: fmt.Sprintf("more than %d faults", MaxFaults)}
		}
		f, err := parseLine(line, nodes)
		if err != nil {
			return nil, &Error{Line: i + 1, Msg: err.Error()}
		}
		f.Line = i + 1
		s.Faults = append(s.Faults, f)
	}
	return s, nil
}

// ParseFile is Parse with the file name in errors ("FILE:LINE: ...").
func ParseFile(name, text string, nodes int) (*Schedule, error) {
	s, err := Parse(text, nodes)
	if e, ok := err.(*Error); ok {
		e.File = name
	}
	return s, err
}

// MustParse is Parse for schedules written in code; it panics on error.
func MustParse(text string, nodes int) *Schedule {
	s, err := Parse(text, nodes)
	if err != nil {
		panic(err)
	}
	return s
}

func kindNamesList() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = k.String()
	}
	return strings.Join(names, ", ")
}

func parseLine(line string, nodes int) (Fault, error) {
	f, rest, err := parseHead(strings.Fields(line))
	if err != nil {
		return f, err
	}
	syntax := "want '" + Syntax[f.Kind] + "'"
	if rest, err = parseFor(&f, rest, syntax); err != nil {
		return f, err
	}
	if f.Kind.topology() {
		return f, parseTopology(&f, rest, nodes, syntax)
	}
	// The argument, if the kind takes one, is the last token.
	var arg string
	switch f.Kind {
	case Slow, Clog, Loss, Dup, Latency, Offset, Drift, Jump, SlowDisk, WriteErr, BitFlip, BadSector, LostWrite:
		if len(rest) < 2 {
			return f, fmt.Errorf("%s needs targets and an argument; %s", f.Kind, syntax)
		}
		arg, rest = rest[len(rest)-1], rest[:len(rest)-1]
	}
	if err := parseTargets(&f, strings.Join(rest, ""), nodes, syntax); err != nil {
		return f, err
	}
	return f, parseArg(&f, arg)
}

// parseHead reads "at TIME KIND" and returns the tokens after it.
func parseHead(tok []string) (Fault, []string, error) {
	var f Fault
	if tok[0] != "at" || len(tok) < 3 {
		return f, nil, fmt.Errorf("want 'at TIME KIND ...', e.g. 'at 1s crash n2 for 3s'")
	}
	at, err := time.ParseDuration(tok[1])
	if err != nil || at < 0 {
		return f, nil, fmt.Errorf("time %q: want a duration ≥ 0 such as 1s or 250ms", tok[1])
	}
	f.At = at
	for _, k := range Kinds {
		if k.String() == tok[2] {
			f.Kind = k
		}
	}
	if f.Kind == 0 {
		return f, nil, fmt.Errorf("unknown fault kind %q (accepted: %s)", tok[2], kindNamesList())
	}
	return f, tok[3:], nil
}

// parseFor reads a trailing "for D" into f.For, checks that the kind
// takes (or needs) one, and returns the tokens before it.
func parseFor(f *Fault, rest []string, syntax string) ([]string, error) {
	if n := len(rest); n >= 2 && rest[n-2] == "for" {
		d, err := time.ParseDuration(rest[n-1])
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("duration 'for %s': want a duration > 0 such as 2s", rest[n-1])
		}
		if d > math.MaxInt64-f.At {
			// The end would wrap around, and the fault would never end.
			return nil, fmt.Errorf("duration 'for %s': the fault would end past the largest time, %v (want at + for within it)", rest[n-1], time.Duration(math.MaxInt64))
		}
		f.For = d
		rest = rest[:n-2]
	}
	if slices.Contains(rest, "for") {
		return nil, fmt.Errorf("'for' must be followed by one duration and end the line; %s", syntax)
	}
	switch f.Kind {
	case Heal, Restart, Jump, Join, Replace, Upgrade:
		if f.For > 0 {
			return nil, fmt.Errorf("%s takes no duration; %s", f.Kind, syntax)
		}
	case Pause:
		if f.For == 0 {
			return nil, fmt.Errorf("pause needs a duration; %s", syntax)
		}
	}
	return rest, nil
}

// parseTargets reads the nodes, groups or links that f hits.
func parseTargets(f *Fault, tgt string, nodes int, syntax string) error {
	var err error
	switch f.Kind.targets() {
	case tNone:
		if tgt != "" {
			return fmt.Errorf("%s takes no targets; %s", f.Kind, syntax)
		}
	case tNodes:
		if tgt == "" {
			return fmt.Errorf("%s needs target nodes; %s", f.Kind, syntax)
		}
		f.Nodes, err = parseNodes(tgt, nodes)
		return err
	case tGroups:
		if f.Groups, err = parseGroups(f.Kind, tgt, nodes); err != nil {
			return fmt.Errorf("%w; %s", err, syntax)
		}
	case tLinks:
		if f.From, f.To, err = parseLinks(f.Kind, tgt, nodes); err != nil {
			return fmt.Errorf("%w; %s", err, syntax)
		}
	}
	return nil
}

// parseArg reads the kind's argument: a factor, a probability, a latency
// distribution, a clock shift or a drift.
func parseArg(f *Fault, arg string) error {
	switch f.Kind {
	case Slow, Clog, SlowDisk:
		v, ok := strings.CutPrefix(arg, "x")
		x, err := strconv.ParseFloat(v, 64)
		lo := map[Kind]string{Slow: "≥ 1", Clog: "> 0", SlowDisk: "≥ 1"}[f.Kind]
		if !ok || err != nil || math.IsInf(x, 0) || math.IsNaN(x) || (f.Kind != Clog && x < 1) || (f.Kind == Clog && x <= 0) {
			return fmt.Errorf("factor %q: want x followed by a number %s, e.g. x10", arg, lo)
		}
		f.Factor = x
	case Loss, Dup, WriteErr, BitFlip, BadSector, LostWrite:
		p, err := strconv.ParseFloat(arg, 64)
		if err != nil || !(p >= 0 && p <= 1) {
			return fmt.Errorf("probability %q: want a number in [0, 1]", arg)
		}
		f.Prob = p
	case Latency:
		d, err := network.ParseDist(arg)
		if err != nil {
			return err
		}
		f.Latency = d
	case Offset, Jump:
		d, err := time.ParseDuration(arg)
		if arg == "" || (arg[0] != '+' && arg[0] != '-') || err != nil {
			return fmt.Errorf("shift %q: want a signed duration such as +200ms or -1s", arg)
		}
		f.Shift = d
	case Drift:
		v, ok := strings.CutSuffix(arg, "ppm")
		x, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || v == "" || (v[0] != '+' && v[0] != '-') || math.IsInf(x, 0) || math.IsNaN(x) || x <= -1e6 {
			return fmt.Errorf("drift %q: want a signed number of ppm above -1000000, e.g. +200ppm", arg)
		}
		f.PPM = x
	}
	return nil
}

// parseNodes reads "n1,n2" or "*" (nil).
func parseNodes(s string, nodes int) ([]NodeID, error) {
	if s == "*" {
		return nil, nil
	}
	var ids []NodeID
	for name := range strings.SplitSeq(s, ",") {
		id, err := parseNode(name, nodes)
		if err != nil {
			return nil, err
		}
		if slices.Contains(ids, id) {
			return nil, fmt.Errorf("node %s listed twice in %q", name, s)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func parseNode(name string, nodes int) (NodeID, error) {
	accepted := "n1, n2, ..."
	if nodes > 0 {
		accepted = fmt.Sprintf("n1..n%d", nodes)
	}
	num, ok := strings.CutPrefix(name, "n")
	v, err := strconv.ParseUint(num, 10, 31)
	if !ok || err != nil || v == 0 || num[0] == '0' || num[0] == '+' {
		return 0, fmt.Errorf("unknown node %q (accepted: %s, or * for all)", name, accepted)
	}
	if nodes > 0 && v > uint64(nodes) {
		return 0, fmt.Errorf("unknown node %q: the cluster has %d nodes (accepted: %s)", name, nodes, accepted)
	}
	return NodeID(v - 1), nil
}

func parseGroups(k Kind, s string, nodes int) ([][]NodeID, error) {
	parts := strings.Split(s, "|")
	switch {
	case k == Partition && len(parts) < 2:
		return nil, fmt.Errorf("a partition needs two or more groups separated by |")
	case k == Bridge && len(parts) != 3:
		return nil, fmt.Errorf("a bridge needs three groups: left | bridge | right")
	}
	var groups [][]NodeID
	seen := map[NodeID]bool{}
	for _, p := range parts {
		if p == "*" || p == "" {
			return nil, fmt.Errorf("each group must list nodes by name")
		}
		ids, err := parseNodes(p, nodes)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if seen[id] {
				return nil, fmt.Errorf("overlapping partition groups: %s is in two groups", network.Name(id))
			}
			seen[id] = true
		}
		groups = append(groups, ids)
	}
	return groups, nil
}

func parseLinks(k Kind, s string, nodes int) (from, to []NodeID, err error) {
	if s == "*" && k != OneWay {
		return nil, nil, nil
	}
	a, b, ok := strings.Cut(s, "->")
	if !ok || a == "" || b == "" {
		return nil, nil, fmt.Errorf("links %q: want * or NODES->NODES", s)
	}
	if from, err = parseNodes(a, nodes); err != nil {
		return nil, nil, err
	}
	if to, err = parseNodes(b, nodes); err != nil {
		return nil, nil, err
	}
	if k == OneWay {
		if from == nil && to == nil {
			return nil, nil, fmt.Errorf("a one-way partition needs at least one side listed")
		}
		for _, id := range from {
			if slices.Contains(to, id) {
				return nil, nil, fmt.Errorf("overlapping partition groups: %s is on both sides", network.Name(id))
			}
		}
	}
	return from, to, nil
}

// topologyWords are the keywords of the topology kinds, each followed by
// one value.
var topologyWords = map[Kind][]string{
	Join:    {"as"},
	Replace: {"as"},
	Leave:   {"drain"},
	Upgrade: {"to", "every"},
}

// parseTopology reads "NODES [KEYWORD VALUE ...]" of join, leave,
// replace and upgrade.
func parseTopology(f *Fault, rest []string, nodes int, syntax string) error {
	words := topologyWords[f.Kind]
	i := slices.IndexFunc(rest, func(t string) bool { return slices.Contains(words, t) })
	if i < 0 {
		i = len(rest)
	}
	if err := parseTargets(f, strings.Join(rest[:i], ""), nodes, syntax); err != nil {
		return err
	}
	seen := map[string]bool{}
	for kw := rest[i:]; len(kw) > 0; kw = kw[2:] {
		if !slices.Contains(words, kw[0]) || len(kw) < 2 {
			return fmt.Errorf("%s: unexpected %q; %s", f.Kind, strings.Join(kw, " "), syntax)
		}
		if seen[kw[0]] {
			return fmt.Errorf("%s: %q given twice; %s", f.Kind, kw[0], syntax)
		}
		seen[kw[0]] = true
		var err error
		switch kw[0] {
		case "as", "to":
			f.Version, err = parseVersion(kw[1])
		case "drain":
			f.Drain, err = parseStep("drain", kw[1])
		case "every":
			f.Every, err = parseStep("every", kw[1])
		}
		if err != nil {
			return err
		}
	}
	if f.Kind == Upgrade && f.Version == "" {
		return fmt.Errorf("upgrade needs a version ('to VERSION'); %s", syntax)
	}
	return upgradeFits(*f, nodes)
}

// upgradeFits reports an upgrade whose last step would come after the
// largest time.
func upgradeFits(f Fault, nodes int) error {
	if f.Kind != Upgrade || f.Every <= 0 {
		return nil
	}
	steps := int64(len(f.Nodes))
	if f.Nodes == nil {
		steps = int64(max(nodes, 1))
	}
	if (steps-1) > 0 && int64(f.Every) > (math.MaxInt64-int64(f.At))/(steps-1) {
		return fmt.Errorf("'every %v': the last node would be upgraded past the largest time, %v", f.Every, time.Duration(math.MaxInt64))
	}
	return nil
}

// parseVersion checks a version name: letters, digits, '.', '_' and '-'.
func parseVersion(s string) (string, error) {
	ok := s != "" && len(s) <= 64
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			ok = false
		}
	}
	if !ok {
		return "", fmt.Errorf("version %q: want a name of letters, digits, '.', '_' or '-' such as v2", s)
	}
	return s, nil
}

// parseStep reads the duration after drain or every.
func parseStep(word, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("'%s %s': want a duration > 0 such as 5s", word, s)
	}
	return d, nil
}

// For returns s for a cluster of n nodes: s itself when it was parsed for
// n, otherwise a copy whose targets were checked against n1..nN as Parse
// checks them. A schedule parsed with nodes ≤ 0 (form only) is checked
// this way once the cluster size is known, without parsing it again. The
// error is an *Error that names the fault's line.
func (s *Schedule) For(n int) (*Schedule, error) {
	if s.Nodes == n {
		return s, nil
	}
	for i, f := range s.Faults {
		if err := f.fits(n); err != nil {
			line := f.Line
			if line == 0 {
				line = i + 1
			}
			return nil, &Error{Line: line, Msg: err.Error()}
		}
	}
	return &Schedule{Nodes: n, Faults: s.Faults}, nil
}

// fits reports the first target of f beyond n nodes, worded as Parse
// words it.
func (f Fault) fits(n int) error {
	over := func(ids []NodeID) error {
		for _, id := range ids {
			if int(id) >= n {
				_, err := parseNode(network.Name(id), n)
				return err
			}
		}
		return nil
	}
	syntax := "want '" + Syntax[f.Kind] + "'"
	switch f.Kind.targets() {
	case tNodes:
		return cmp.Or(over(f.Nodes), upgradeFits(f, n))
	case tGroups:
		for _, g := range f.Groups {
			if err := over(g); err != nil {
				return fmt.Errorf("%w; %s", err, syntax)
			}
		}
	case tLinks:
		if err := cmp.Or(over(f.From), over(f.To)); err != nil {
			return fmt.Errorf("%w; %s", err, syntax)
		}
	}
	return nil
}

// Source returns the schedule's text form with each fault on the line it
// was read from (Fault.Line), so that a schedule parsed again from it
// names the same lines in its errors; String when the lines are unknown.
func (s *Schedule) Source() string {
	var b strings.Builder
	line := 0
	for _, f := range s.Faults {
		if f.Line <= line {
			return s.String()
		}
		b.WriteString(strings.Repeat("\n", f.Line-line-1))
		b.WriteString(f.String())
		b.WriteByte('\n')
		line = f.Line
	}
	return b.String()
}
