package network

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// LinkSyntax describes the link spec ParseLink accepts, for help texts and
// error messages.
const LinkSyntax = "comma-separated FIELD=VALUE: latency=DIST, loss=P, dup=P, reorder=P, " +
	"reorder_delay=DIST, bandwidth=BYTES_PER_SEC, queue=BYTES, corrupt=P " +
	"(P a probability in [0, 1]; DIST one of " + DistSyntax + ")"

// linkFields are the field names of a link spec, in the order String
// writes them.
var linkFields = []string{"latency", "loss", "dup", "reorder", "reorder_delay", "bandwidth", "queue", "corrupt"}

// ParseLink parses a link spec, e.g.
//
//	latency=uniform:1ms-5ms,loss=0.01,dup=0.001,reorder=0.05,bandwidth=1000000,queue=65536,corrupt=0.001
//
// Fields left out are zero (see Link). "duplicate" is accepted for "dup".
// A comma followed by text without "=" continues the previous value, so
// "latency=normal:10ms,2ms,loss=0.1" works. Errors name the field and the
// values it accepts.
func ParseLink(s string) (Link, error) { return Link{}.Override(s) }

// Override returns l with the fields named in spec replaced; spec has the
// syntax of ParseLink. It is how a per-link setting such as
// `link.n1-n2=loss=0.5` applies on top of the defaults.
func (l Link) Override(spec string) (Link, error) {
	fields, err := splitSpec(spec)
	if err != nil {
		return Link{}, err
	}
	seen := map[string]bool{}
	for _, f := range fields {
		k, v := f[0], f[1]
		if k == "duplicate" {
			k = "dup"
		}
		if seen[k] {
			return Link{}, fmt.Errorf("link spec %q: field %q given twice", spec, k)
		}
		seen[k] = true
		if err := l.set(k, v); err != nil {
			return Link{}, fmt.Errorf("link spec %q: %w", spec, err)
		}
	}
	if err := l.Validate(); err != nil {
		return Link{}, fmt.Errorf("link spec %q: %w", spec, err)
	}
	return l, nil
}

// splitSpec splits "a=1,b=x,y,c=2" into [[a 1] [b x,y] [c 2]].
func splitSpec(spec string) ([][2]string, error) {
	var out [][2]string
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	for part := range strings.SplitSeq(spec, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			if len(out) == 0 {
				return nil, fmt.Errorf("link spec %q: %q is not FIELD=VALUE (accepted: %s)", spec, part, LinkSyntax)
			}
			out[len(out)-1][1] += "," + part
			continue
		}
		out = append(out, [2]string{strings.TrimSpace(k), v})
	}
	return out, nil
}

func (l *Link) set(k, v string) error {
	var err error
	switch k {
	case "latency":
		l.Latency, err = ParseDist(v)
	case "reorder_delay":
		l.ReorderDelay, err = ParseDist(v)
	case "loss":
		l.Loss, err = parseProb(k, v)
	case "dup":
		l.Duplicate, err = parseProb(k, v)
	case "reorder":
		l.Reorder, err = parseProb(k, v)
	case "corrupt":
		l.Corrupt, err = parseProb(k, v)
	case "bandwidth":
		l.BandwidthBytesPerSec, err = parseBytes(k, v, "bytes per second ≥ 0 (0 = unlimited)")
	case "queue":
		l.QueueBytes, err = parseBytes(k, v, "bytes ≥ 0 (0 = unbounded)")
	default:
		return fmt.Errorf("unknown field %q (accepted: %s)", k, strings.Join(linkFields, ", "))
	}
	if err != nil {
		return fmt.Errorf("%s: %w", k, err)
	}
	return nil
}

func parseProb(name, v string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || !(f >= 0 && f <= 1) {
		return 0, fmt.Errorf("%q: want a probability in [0, 1]", v)
	}
	return f, nil
}

func parseBytes(name, v, want string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q: want an integer number of %s", v, want)
	}
	return n, nil
}

// String gives the spec ParseLink accepts; zero fields are left out, so the
// zero Link prints as "latency=0s".
func (l Link) String() string {
	var b strings.Builder
	b.WriteString("latency=")
	b.WriteString(l.Latency.String())
	prob := func(k string, v float64) {
		if v != 0 {
			b.WriteString("," + k + "=" + strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	prob("loss", l.Loss)
	prob("dup", l.Duplicate)
	prob("reorder", l.Reorder)
	if l.ReorderDelay != (Dist{}) {
		b.WriteString(",reorder_delay=" + l.ReorderDelay.String())
	}
	if l.BandwidthBytesPerSec != 0 {
		b.WriteString(",bandwidth=" + strconv.FormatInt(l.BandwidthBytesPerSec, 10))
	}
	if l.QueueBytes != 0 {
		b.WriteString(",queue=" + strconv.FormatInt(l.QueueBytes, 10))
	}
	prob("corrupt", l.Corrupt)
	return b.String()
}

// LinkName returns the name of the directed link from → to, e.g. "n1-n2",
// the form ParseLinkName accepts (and a `link.n1-n2` setting uses).
func LinkName(from, to NodeID) string { return Name(from) + "-" + Name(to) }

// ParseLinkName parses "n1-n2" into the ids of its two ends (0 and 1) and
// checks them against a world of n nodes.
func ParseLinkName(s string, n int) (from, to NodeID, err error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("link %q: want FROM-TO, e.g. n1-n2", s)
	}
	if from, err = parseNode(a, n); err != nil {
		return 0, 0, fmt.Errorf("link %q: %w", s, err)
	}
	if to, err = parseNode(b, n); err != nil {
		return 0, 0, fmt.Errorf("link %q: %w", s, err)
	}
	return from, to, nil
}

// ParseNode parses a node name "nK" (K in 1..n) into its id K-1.
func ParseNode(s string, n int) (NodeID, error) { return parseNode(s, n) }

func parseNode(s string, n int) (NodeID, error) {
	digits, ok := strings.CutPrefix(strings.TrimSpace(s), "n")
	k, err := strconv.Atoi(digits)
	if !ok || err != nil || k < 1 || k > n || k > math.MaxInt32 {
		return 0, fmt.Errorf("node %q: want a name n1..n%d", s, n)
	}
	return NodeID(k - 1), nil
}

// SetLinkSpec applies spec (ParseLink syntax) on top of the parameters in
// force on the link named name ("n1-n2"): the handler of a scenario's
// `link.n1-n2=SPEC` setting.
func (nw *Network) SetLinkSpec(name, spec string) error {
	from, to, err := ParseLinkName(name, nw.n)
	if err != nil {
		return err
	}
	l, err := nw.LinkParams(from, to).Override(spec)
	if err != nil {
		return fmt.Errorf("link %s: %w", name, err)
	}
	return nw.SetLink(from, to, l)
}
