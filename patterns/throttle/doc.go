// Package throttle is client-side adaptive throttling, from Google's SRE book
// ("Handling Overload"): the client rejects calls itself, before they reach a
// backend that is already refusing them.
//
// Over a sliding window the client counts requests (every call it was asked
// to make, including those it rejected locally) and accepts (calls the
// backend accepted). A new call is rejected locally with probability
//
//	max(0, (requests − k·accepts) / (requests + 1))
//
// With k = 2 the client sends about twice what the backend accepts, so the
// backend still sees enough traffic to notice it has recovered. Lower k is
// more aggressive. The window is kept in 10 buckets.
//
// What counts as accepted is the caller's choice; the pipeline counts every
// response except overloaded, unavailable and timeout as an accept.
//
// # Parameters (--set keys with the "throttle." prefix)
//
//	k       2     the multiplier, >= 1
//	window  2m    the counting window (the SRE book uses two minutes)
package throttle
