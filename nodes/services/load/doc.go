// Package load describes offered load over time: a Shape scales a
// scenario's base rate (constant, step, ramp, spike, diurnal sine) or
// replays requests per second from a file. It is pure: no clock, no
// randomness, no I/O; the client draws arrivals from it by thinning.
package load
