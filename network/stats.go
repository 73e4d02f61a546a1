package network

import (
	"cmp"
	"slices"
)

// LinkStats counts what happened on one directed link. Every message sent,
// and every copy the link made, ends up delivered, dropped, in flight or
// held:
//
//	Sent + Duplicated = Delivered + ΣDropped + InFlight + Held
type LinkStats struct {
	Sent, Delivered, Duplicated uint64
	Corrupted                   uint64 // delivered or not, with Corrupted set
	Reordered                   uint64 // given a reorder delay
	BytesSent, BytesDelivered   uint64
	Dropped                     map[string]uint64 // by cause; every cause has a key
	InFlight, Held              uint64            // now
}

// DroppedTotal sums the drops over every cause.
func (s LinkStats) DroppedTotal() uint64 {
	var t uint64
	for _, c := range Causes {
		t += s.Dropped[c]
	}
	return t
}

func emptyStats() LinkStats {
	d := make(map[string]uint64, numCauses)
	for _, c := range Causes {
		d[c] = 0
	}
	return LinkStats{Dropped: d}
}

func (l *linkState) stats() LinkStats {
	s := emptyStats()
	c := &l.c
	s.Sent, s.Delivered, s.Duplicated, s.Corrupted, s.Reordered = c.sent, c.delivered, c.duplicated, c.corrupted, c.reordered
	s.BytesSent, s.BytesDelivered = c.bytesSent, c.bytesDelivered
	s.InFlight, s.Held = uint64(c.inFlight), uint64(len(l.held))
	for i, name := range Causes {
		s.Dropped[name] = c.dropped[i]
	}
	return s
}

// Stats returns the counters of the link from → to. They count only while
// per-link counting is on (see CountLinks); off, only Held is counted.
func (nw *Network) Stats(from, to NodeID) LinkStats {
	if l := nw.peek(from, to); l != nil {
		return l.stats()
	}
	return emptyStats()
}

// Totals returns the counters of the whole network, in O(1): the sum over
// every link, whether per-link counting is on or not.
func (nw *Network) Totals() LinkStats {
	s := emptyStats()
	c := &nw.tot
	s.Sent, s.Delivered, s.Duplicated, s.Corrupted, s.Reordered = c.sent, c.delivered, c.duplicated, c.corrupted, c.reordered
	s.BytesSent, s.BytesDelivered = c.bytesSent, c.bytesDelivered
	s.InFlight, s.Held = uint64(nw.inFlight), uint64(nw.held)
	for i, name := range Causes {
		s.Dropped[name] = c.dropped[i]
	}
	return s
}

// NodeStats is one node's traffic: the messages (and their bytes) it sent,
// and those delivered to it. A duplicate counts as delivered, not as sent.
type NodeStats struct {
	Sent, BytesSent           uint64
	Delivered, BytesDelivered uint64
}

// NodeStats returns the traffic of node id; they are always counted.
func (nw *Network) NodeStats(id NodeID) NodeStats {
	if id < 0 || int(id) >= nw.n {
		return NodeStats{}
	}
	c := nw.nodes[id]
	return NodeStats{Sent: c.sent, BytesSent: c.bytesSent, Delivered: c.delivered, BytesDelivered: c.bytesDelivered}
}

// InFlight returns the number of messages scheduled for delivery and not
// yet arrived, over all links (held messages are not in flight).
func (nw *Network) InFlight() int { return int(nw.inFlight) }

// LinkCost is the counters of one directed link.
type LinkCost struct {
	From, To NodeID
	LinkStats
}

// LinkCosts returns the counters of every link that carried or dropped a
// message, sorted by (From, To), for per-link cost reports. It is empty
// when per-link counting is off (see CountLinks).
func (nw *Network) LinkCosts() []LinkCost {
	var out []LinkCost
	for _, l := range nw.all {
		if l.c.sent > 0 || len(l.held) > 0 {
			out = append(out, LinkCost{From: l.from, To: l.to, LinkStats: l.stats()})
		}
	}
	slices.SortFunc(out, func(a, b LinkCost) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	return out
}

// CostMetrics returns the transport cost as metrics, in total:
// net_messages_sent, net_bytes_sent, net_messages_delivered,
// net_bytes_delivered, net_messages_duplicated, net_messages_corrupted,
// net_messages_reordered, and net_dropped_CAUSE for every cause in Causes.
func (nw *Network) CostMetrics() map[string]float64 {
	t := nw.Totals()
	m := map[string]float64{
		"net_messages_sent":       float64(t.Sent),
		"net_bytes_sent":          float64(t.BytesSent),
		"net_messages_delivered":  float64(t.Delivered),
		"net_bytes_delivered":     float64(t.BytesDelivered),
		"net_messages_duplicated": float64(t.Duplicated),
		"net_messages_corrupted":  float64(t.Corrupted),
		"net_messages_reordered":  float64(t.Reordered),
	}
	for _, c := range Causes {
		m["net_dropped_"+c] = float64(t.Dropped[c])
	}
	return m
}
