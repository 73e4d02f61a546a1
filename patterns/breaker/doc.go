// Package breaker is a circuit breaker: it stops calling a dependency that
// keeps failing, waits, then lets a few probes through to test it.
//
// States: closed (calls flow, outcomes are counted), open (every call is
// refused with ErrOpen until open_duration has passed), half-open (at most
// half_open_probes calls are admitted; further calls get ErrTooManyProbes).
//
// Closed → open when any enabled rule trips:
//
//   - consecutive failures >= failure_threshold (the classic breaker; the
//     default 6 is gobreaker's default ReadyToTrip, ConsecutiveFailures > 5);
//   - failure rate >= failure_rate_threshold over a sliding window, once the
//     window holds at least minimum_calls (Resilience4j);
//   - slow-call rate >= slow_call_rate_threshold, where a call is slow when
//     its latency >= slow_call_duration (Resilience4j).
//
// The window is count-based (the last window_size calls) or time-based (the
// calls of the last window_duration, kept in 10 buckets, so a call leaves the
// window between 0.9 and 1 window_duration after it ended).
//
// Half-open → closed after success_threshold successful probes; half-open →
// open on the first failed probe. This is gobreaker's and Polly's rule;
// Resilience4j instead computes a failure rate over the half-open calls.
// half_open_probes counts probes admitted in one half-open period, not probes
// in flight (gobreaker's MaxRequests, Resilience4j's
// permittedNumberOfCallsInHalfOpenState). A permit whose call was never made
// is given back with Cancel (like Resilience4j's releasePermission). A call
// that was made but whose result will never be known is ended with Abandon:
// it keeps its slot, and once every probe has ended the breaker closes if
// some succeeded and none failed, or opens again if none succeeded.
//
// Open → half-open happens when open_duration has passed; it is observed
// lazily at the next call of any method, but the transition is stamped with
// the exact time it became due.
//
// With interval set, a closed breaker clears its counts once the interval has
// passed and starts a new generation, as gobreaker's Interval does.
// evaluate_on says whether the rate rules are checked after every call
// (every-call, Resilience4j) or only after a failure (failure, gobreaker).
//
// A result the breaker must not count (a client error, say: gobreaker's
// IsExcluded, Resilience4j's ignoreExceptions) is given back with Cancel, as
// both libraries do: a half-open probe slot returns and another call may
// probe. Abandon is for a call whose result will never be known.
//
// Each admitted call gets a Permit stamped with the breaker's generation (as
// gobreaker does), so a result that arrives after the state changed is
// ignored and cannot close or trip the new state.
//
// State changes are reported both to Config.OnStateChange and to a log
// drained by Transitions, for counting and plotting.
//
// # Parameters (--set keys with the "breaker." prefix)
//
//	failure_threshold         6      consecutive failures that trip (0 = rule off)
//	failure_rate_threshold    0      failure rate in [0,1] that trips (0 = off)
//	slow_call_rate_threshold  0      slow-call rate in [0,1] that trips (0 = off)
//	slow_call_duration        1s     latency from which a call is slow (Resilience4j: 60s)
//	window                    count  count or time
//	window_size               100    count window: calls
//	window_duration           10s    time window: length
//	minimum_calls             10     calls in the window before a rate may trip (Resilience4j: 100)
//	open_duration             5s     time spent open (Polly's BreakDuration; gobreaker and Resilience4j: 60s)
//	half_open_probes          1      calls admitted in half-open (gobreaker's MaxRequests)
//	success_threshold         =half_open_probes  successful probes that close; <= half_open_probes
//	interval                  0      clear the closed counts this often (gobreaker's Interval; 0 = never)
//	evaluate_on               every-call  every-call (Resilience4j) or failure (gobreaker)
package breaker
