package network

import (
	"maps"
	"slices"
)

// Stats returns a copy of the counters of the link from → to.
func (nw *Network) Stats(from, to NodeID) LinkStats {
	l, ok := nw.links[key(from, to)]
	if !ok {
		return LinkStats{Dropped: map[string]uint64{}}
	}
	s := l.stats
	s.Dropped = maps.Clone(l.stats.Dropped)
	return s
}

// Totals sums the counters of every link.
func (nw *Network) Totals() LinkStats {
	t := LinkStats{Dropped: map[string]uint64{}}
	for _, k := range slices.Sorted(maps.Keys(nw.links)) {
		s := nw.links[k].stats
		t.Sent += s.Sent
		t.Delivered += s.Delivered
		t.Duplicated += s.Duplicated
		t.BytesSent += s.BytesSent
		t.BytesDelivered += s.BytesDelivered
		for c, v := range s.Dropped {
			t.Dropped[c] += v
		}
	}
	return t
}

// CostMetrics returns the transport cost as metrics: net_messages_sent,
// net_bytes_sent, net_messages_delivered, net_messages_duplicated and
// net_dropped_CAUSE, in total.
func (nw *Network) CostMetrics() map[string]float64 {
	t := nw.Totals()
	m := map[string]float64{
		"net_messages_sent":       float64(t.Sent),
		"net_bytes_sent":          float64(t.BytesSent),
		"net_messages_delivered":  float64(t.Delivered),
		"net_bytes_delivered":     float64(t.BytesDelivered),
		"net_messages_duplicated": float64(t.Duplicated),
	}
	for c, v := range t.Dropped {
		m["net_dropped_"+c] = float64(v)
	}
	return m
}
