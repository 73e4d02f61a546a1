// Package services holds simulated request/response services built on the
// node runtime: a server with a worker pool and a queue, open-loop and
// closed-loop clients that send through a resilience pipeline, and the
// request accounting every overload scenario reports.
//
// A Server runs each call through a stack of Stages that wrap each other
// as net/http handlers do, one job each: an optional token-bucket rate
// limiter at the door (RateLimit, patterns/ratelimit) that rejects calls
// over the limit at once as overloaded; fault and chaos injection (Hang,
// ChaosError); W workers and a FIFO queue, bounded or not, or a load
// shedder from patterns/shed (Pool); a service time drawn from a Dist
// (exponential, constant, lognormal or bimodal), optionally stretched by a
// load-dependent slowdown (Work, ChaosDelay, Wait); injected errors (Fail);
// the server's downstream calls in order, so chains A→B→C exist (Deps);
// and the reply (Respond). Work whose caller already gave up is still done
// (zombie work) unless CheckDeadline is set. ServerConfig builds the
// default stack; NewStackServer runs one composed by hand.
//
// A Caller runs one node's outgoing requests through a patterns/pipeline
// state machine: it turns the pipeline's actions into messages and timers
// and feeds replies and timer firings back in simulated time.
//
// Stats is the shared accounting: requests, succeeded, failed, rejected,
// timed_out, attempts, amplification, goodput_rps and the latency
// histogram, plus the time series goodput_rps, latency_p99_ms, queue_len and
// breaker_state. Every draw comes from a named stream of the world
// ("client/3", "server/n2"), so a run is a pure function of its seed.
package services
