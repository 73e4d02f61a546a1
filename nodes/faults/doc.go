// Package faults holds fault schedules and the nemesis that draws them.
//
// A fault schedule is data: a list of faults, each a time, a kind, its
// targets, its arguments and an optional duration. It has a text form,
// one fault per line, that Parse reads and String writes back:
//
//	# comments start with #
//	at 2s partition n1,n2 | n3,n4,n5 for 5s
//	at 1s crash n2 for 3s          # restarts at 4s
//	at 4s clog n1->n2 x10 for 2s
//	at 0s drift n3 +200ppm
//	at 3s jump n1 -500ms
//	at 5s loss * 0.2 for 1s
//	at 6s join n6                        # a spare slot starts
//	at 7s leave n4 drain 2s for 10s      # drained, rejoins at 17s
//	at 9s upgrade n1,n2,n3 to v2 every 5s
//
// Apply schedules every fault of a schedule, and the end of each fault
// with a duration, on a node runtime and its network. Generate is the
// random nemesis: from a seed's "faults" stream it enables a random subset
// of fault kinds (swarm testing), draws every knob, prints them, and ends
// with a quiet period in which every fault is healed.
//
// The faults, their text and their semantics are documented in
// docs/faults.md.
package faults
