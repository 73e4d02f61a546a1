// Package ratelimit is a token-bucket rate limiter, smooth or bursty.
//
// It is kept as GCRA (the generic cell rate algorithm): one "theoretical
// arrival time" in integer nanoseconds instead of a float token count, which
// is exactly a token bucket of capacity burst refilled at rate_per_sec, with no
// rounding drift. The bucket starts full.
//
// Modes: bursty lets up to burst calls through at once, then rate_per_sec
// (Envoy's local rate limit, Go's x/time/rate). smooth has a bucket of one
// token, so calls are spaced 1/rate apart and never bunch up (the shape of a
// leaky bucket as a meter). Allow rejects a call that finds no token;
// Reserve takes a token anyway and says how long to wait for it (like
// x/time/rate's Reserve), for callers that queue instead of rejecting.
//
// # Parameters (--set keys with the "ratelimit." prefix)
//
//	rate_per_sec  100     tokens added per second, > 0
//	burst         10      bucket capacity in bursty mode, >= 1
//	mode          bursty  bursty or smooth
package ratelimit
