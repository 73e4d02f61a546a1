package httpsim

// CallsInFlight is how many requests of n's Transports wait for their
// head: chunks that overtake a head are kept only for these.
func CallsInFlight(n *Net) int { return len(n.calls) }
