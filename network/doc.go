// Package network models the links between simulated nodes.
//
// Every directed link has its own parameters (Link): a latency
// distribution (Dist: constant, uniform, normal truncated at 0, lognormal,
// Pareto), loss, duplication, reordering, bandwidth with a bounded queue,
// and corruption. New sets the defaults of all links, SetLink overrides one
// link, and ParseLink reads the spec a scenario's `--set net=...` or
// `--set link.n1-n2=...` gives.
//
// On top of the links: partitions expressed as grudges (Split, OneWay,
// Isolate, Bridge, MajorityRing, Union, Heal), clogging (Clog, ClogNode),
// hold and release (Hold, Held, ReleaseOne, ReleaseAll) and scoped fault
// rules (AddRule with Pass, Drop, Delay). Send applies, in order: rules,
// the partition, the bandwidth queue, loss, corruption, latency (with
// reordering and clogging), duplication. On arrival a message is held if
// its link is held, dropped if a partition now cuts the link or the
// receiver is down, and otherwise handed to the Receiver.
//
// The network counts messages and bytes by outcome, in total (Totals, in
// O(1)), per node (NodeStats) and, while per-link counting is on
// (CountLinks: by default up to 256 nodes), per link (Stats, LinkCosts);
// the totals are the run's transport cost (CostMetrics). Every
// send, drop (with its cause), duplicate, corruption, reorder, partition,
// heal, clog, hold and release is a sim.Record in the world's trace.
//
// All draws come from the world's "net" stream, in a fixed order per
// message. The fast path (no partition, no rules, no held link) does no
// map lookups; worlds of up to 256 nodes keep their links in one slice,
// larger ones in a map holding only the links that differ from the
// defaults now (overrides, clogs, holds, busy bandwidth queues). Messages come from
// slabs; with Recycle on they are reused after delivery, and then a
// Receiver must not keep the *Message (it may keep the payload).
//
// docs/network.md describes each knob, its syntax, and the partition
// shapes.
package network
