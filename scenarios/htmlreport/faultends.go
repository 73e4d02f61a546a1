package htmlreport

import (
	"slices"
	"strings"
)

// faultEnds ends the bars of scheduled faults that have no end of their
// own in the trace (no fault_end) when what the fault did is over: a
// crash when every node it crashed has restarted, a pause when every
// node it paused has resumed, a partition or a link fault at the next
// heal. A heal, a restart and a clock jump are instants. Other faults
// without an end (an offset, a drift, a slowdown, a disk fault) last to
// the end of the run, as their effect does.
type faultEnds struct {
	healable []spanKey     // open partition and link faults
	waiting  []waitingNode // crash and pause faults, by the nodes still down
	last     *spanKey      // the crash or pause fault opened last, at lastAt
	lastKind string
	lastAt   int64
}

type waitingNode struct {
	fault spanKey
	kind  string // "crash" or "pause"
	node  int32
}

// faultVerb returns the fault's kind as its line spells it: "crash" for
// "at 2s crash n2".
func faultVerb(line string) string {
	if f := strings.Fields(line); len(f) > 2 {
		return f[2]
	}
	return ""
}

// openFault opens the bar of the fault line at t; an instant closes at once.
func (b *builder) openFault(line string, t int64) {
	k := spanKey{"fault", -1, -1, line}
	b.openSpan(k, t)
	e := &b.faultEnds
	switch verb := faultVerb(line); verb {
	case "heal":
		for _, h := range e.healable {
			b.closeSpan(h, t)
		}
		e.healable = e.healable[:0]
		b.closeSpan(k, t)
	case "restart", "jump":
		b.closeSpan(k, t)
	case "partition", "oneway", "bridge", "ring", "isolate", "loss", "dup", "latency", "clog":
		e.healable = append(e.healable, k)
	case "crash", "pause":
		e.last, e.lastKind, e.lastAt = &k, verb, t
	}
}

// down notes that node went down (kind "crash" or "pause") at t: by the
// fault opened just before at the same time, if that is one of its kind.
func (e *faultEnds) down(kind string, node int32, t int64) {
	if e.last != nil && e.lastKind == kind && e.lastAt == t {
		e.waiting = append(e.waiting, waitingNode{*e.last, kind, node})
	}
}

// up notes that node came back from kind, and returns the faults that no
// longer have a node down.
func (e *faultEnds) up(kind string, node int32) []spanKey {
	var ended []spanKey
	for i := range e.waiting {
		w := e.waiting[i]
		if w.kind != kind || w.node != node {
			continue
		}
		e.waiting[i].node = -1
		if !slices.ContainsFunc(e.waiting, func(x waitingNode) bool { return x.fault == w.fault && x.node >= 0 }) {
			ended = append(ended, w.fault)
		}
	}
	e.waiting = slices.DeleteFunc(e.waiting, func(x waitingNode) bool { return x.node < 0 })
	return ended
}
