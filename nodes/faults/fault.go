package faults

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
)

// NodeID identifies a node.
type NodeID = nodes.NodeID

// Kind is a kind of fault.
type Kind uint8

// The fault kinds. Their text forms are in Syntax.
const (
	Partition Kind = iota + 1 // symmetric partition into groups
	OneWay                    // messages from one set of nodes to another are dropped
	Bridge                    // two groups that talk only through a third
	Ring                      // majority ring: each node hears a different majority
	Isolate                   // each listed node cut off from all others
	Heal                      // end every partition and link fault
	Crash                     // crash nodes; with a duration, restart them after
	Restart                   // restart crashed nodes
	Pause                     // stop-the-world pause for the duration
	Slow                      // gray failure: handling slowed by a factor
	Offset                    // set the clock offset
	Drift                     // set the clock drift
	Jump                      // jump the clock
	Loss                      // message loss probability on links
	Dup                       // message duplication probability on links
	Latency                   // latency distribution on links
	Clog                      // latency of links multiplied by a factor
	SlowDisk                  // syncs slowed by a factor
	WriteErr                  // appends and syncs fail with EIO at a rate
	DiskFull                  // appends fail with ENOSPC
	BitFlip                   // reads come back with a flipped bit at a rate
	BadSector                 // reads find latent sector errors at a rate
	LostWrite                 // appends acknowledged and never persisted at a rate
	Join                      // a spare, or a node that left, joins as a new node
	Leave                     // a node leaves: drained then stopped, or at once
	Replace                   // a node is replaced: new incarnation, empty disk
	Upgrade                   // nodes restart one by one on another version
)

// Kinds lists every kind, in order.
var Kinds = []Kind{Partition, OneWay, Bridge, Ring, Isolate, Heal, Crash, Restart, Pause, Slow, Offset, Drift, Jump, Loss, Dup, Latency, Clog,
	SlowDisk, WriteErr, DiskFull, BitFlip, BadSector, LostWrite, Join, Leave, Replace, Upgrade}

var kindNames = [...]string{"", "partition", "oneway", "bridge", "ring", "isolate", "heal", "crash", "restart", "pause", "slow", "offset", "drift", "jump", "loss", "dup", "latency", "clog",
	"slowdisk", "writeerr", "diskfull", "bitflip", "badsector", "lostwrite", "join", "leave", "replace", "upgrade"}

// String returns the kind's name as the text form spells it.
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Syntax gives the text form of each kind. NODES is a comma-separated
// list of node names (n1,n2) or * for all; LINKS is * for every link or
// NODES->NODES.
var Syntax = map[Kind]string{
	Partition: "partition NODES | NODES [| NODES ...] [for D]",
	OneWay:    "oneway NODES->NODES [for D]",
	Bridge:    "bridge NODES | NODES | NODES [for D]",
	Ring:      "ring [for D]",
	Isolate:   "isolate NODES [for D]",
	Heal:      "heal",
	Crash:     "crash NODES [for D]",
	Restart:   "restart NODES",
	Pause:     "pause NODES for D",
	Slow:      "slow NODES xFACTOR [for D]",
	Offset:    "offset NODES ±D [for D]",
	Drift:     "drift NODES ±Nppm [for D]",
	Jump:      "jump NODES ±D",
	Loss:      "loss LINKS P [for D]",
	Dup:       "dup LINKS P [for D]",
	Latency:   "latency LINKS DIST [for D]",
	Clog:      "clog LINKS xFACTOR [for D]",
	SlowDisk:  "slowdisk NODES xFACTOR [for D]",
	WriteErr:  "writeerr NODES P [for D]",
	DiskFull:  "diskfull NODES [for D]",
	BitFlip:   "bitflip NODES P [for D]",
	BadSector: "badsector NODES P [for D]",
	LostWrite: "lostwrite NODES P [for D]",
	Join:      "join NODES [as VERSION]",
	Leave:     "leave NODES [drain D] [for D]",
	Replace:   "replace NODES [as VERSION]",
	Upgrade:   "upgrade NODES to VERSION [every D]",
}

// targets says what a kind aims at.
type targets uint8

const (
	tNone   targets = iota
	tGroups         // Groups
	tNodes          // Nodes
	tLinks          // From, To
)

func (k Kind) targets() targets {
	switch k {
	case Partition, Bridge:
		return tGroups
	case Ring, Heal:
		return tNone
	case OneWay, Loss, Dup, Latency, Clog:
		return tLinks
	}
	return tNodes
}

// partition reports whether k sets a grudge on the network.
func (k Kind) partition() bool {
	return k == Partition || k == OneWay || k == Bridge || k == Ring || k == Isolate
}

// disk reports whether k is a storage fault.
func (k Kind) disk() bool { return k >= SlowDisk && k <= LostWrite }

// topology reports whether k changes the cluster's membership or versions.
func (k Kind) topology() bool { return k >= Join && k <= Upgrade }

// link reports whether k changes link parameters.
func (k Kind) link() bool { return k == Loss || k == Dup || k == Latency || k == Clog }

// Fault is one fault of a schedule. Which fields count depends on Kind.
type Fault struct {
	At   time.Duration // when it starts, since the start of the run
	Kind Kind
	// Groups are the groups of a partition (two or more) or a bridge
	// (exactly three: left, bridge, right).
	Groups [][]NodeID
	// Nodes are the targets of node faults and isolate; nil means every
	// node (*).
	Nodes []NodeID
	// From and To select links (every from → to with from ≠ to) for
	// oneway and link faults; nil means every node (*).
	From, To []NodeID
	Prob     float64       // loss, dup and the storage rates: a probability in [0, 1]
	Factor   float64       // slow, slowdisk, clog: ≥ 1 for slow and slowdisk, > 0 for clog
	Shift    time.Duration // offset, jump: signed
	PPM      float64       // drift: signed, parts per million
	Latency  network.Dist  // latency
	// Version is the version join, replace and upgrade switch nodes to;
	// "" keeps the version a node runs (join, replace).
	Version string
	// Drain is how long a leave drains the node before it stops; 0 is
	// an abrupt leave.
	Drain time.Duration
	// Every is the time between two nodes of an upgrade; 0 upgrades
	// every node at once.
	Every time.Duration
	// For is how long the fault lasts; 0 means it has no end of its own
	// (it lasts until healed, or is instantaneous, like a jump).
	For time.Duration
	// Line is the line of the schedule text the fault came from, or 0.
	Line int
}

// String returns the fault's line in the text form.
func (f Fault) String() string {
	var b strings.Builder
	b.WriteString("at ")
	b.WriteString(f.At.String())
	b.WriteString(" ")
	b.WriteString(f.Kind.String())
	switch f.Kind.targets() {
	case tGroups:
		parts := make([]string, len(f.Groups))
		for i, g := range f.Groups {
			parts[i] = nodeList(g)
		}
		b.WriteString(" " + strings.Join(parts, " | "))
	case tNodes:
		b.WriteString(" " + nodeList(f.Nodes))
	case tLinks:
		if f.From == nil && f.To == nil && f.Kind != OneWay {
			b.WriteString(" *")
		} else {
			b.WriteString(" " + nodeList(f.From) + "->" + nodeList(f.To))
		}
	}
	switch f.Kind {
	case Slow, Clog, SlowDisk:
		b.WriteString(" x" + formatFloat(f.Factor))
	case Loss, Dup, WriteErr, BitFlip, BadSector, LostWrite:
		b.WriteString(" " + formatFloat(f.Prob))
	case Latency:
		b.WriteString(" " + f.Latency.String())
	case Offset, Jump:
		b.WriteString(" " + signed(f.Shift))
	case Drift:
		s := formatFloat(f.PPM)
		if !math.Signbit(f.PPM) {
			s = "+" + s
		}
		b.WriteString(" " + s + "ppm")
	case Join, Replace:
		if f.Version != "" {
			b.WriteString(" as " + f.Version)
		}
	case Leave:
		if f.Drain > 0 {
			b.WriteString(" drain " + f.Drain.String())
		}
	case Upgrade:
		b.WriteString(" to " + f.Version)
		if f.Every > 0 {
			b.WriteString(" every " + f.Every.String())
		}
	}
	if f.For > 0 {
		b.WriteString(" for " + f.For.String())
	}
	return b.String()
}

// End returns when the fault ends, or -1 if it has no end of its own.
func (f Fault) End() time.Duration {
	if f.For > 0 {
		return f.At + f.For
	}
	return -1
}

func nodeList(ids []NodeID) string {
	if ids == nil {
		return "*"
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = network.Name(id)
	}
	return strings.Join(names, ",")
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func signed(d time.Duration) string {
	if d >= 0 {
		return "+" + d.String()
	}
	return d.String()
}

// Schedule is a list of faults for a cluster of Nodes nodes.
type Schedule struct {
	Nodes  int
	Faults []Fault
}

// String returns the schedule's text form, one fault per line, which
// Parse reads back to the same schedule.
func (s *Schedule) String() string {
	var b strings.Builder
	for _, f := range s.Faults {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Lines returns the schedule's text form as lines, for run notes.
func (s *Schedule) Lines() []string {
	out := make([]string, len(s.Faults))
	for i, f := range s.Faults {
		out[i] = f.String()
	}
	return out
}
