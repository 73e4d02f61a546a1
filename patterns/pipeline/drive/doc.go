// Package drive runs the requests of a patterns/pipeline against a host
// that owns time and I/O: it carries out every pipeline.Decision (sends,
// cancels, wake-ups, requests to wake, the end), owns the attempts'
// timeouts, matches answers to attempts and reuses its per-request state.
//
// A host implements Host: Now, Send an attempt, SetTimer and CancelTimer,
// and Done. It calls Driver.Start for a new request (a Call from
// Driver.New with its Data set), Driver.Result when an attempt answers,
// and Timer.Fire when one of the driver's timers fires. Every timer the
// driver sets carries a *Timer as its payload, so a host that shares its
// timers with other code switches on that type and hands it back.
//
// The driver re-enters itself: a decision may wake other requests, whose
// decisions it carries out before returning, and the host's Done may
// start new requests. Calls that ended are reused only once the outermost
// call into the driver has returned, so nothing still being carried out
// names a reused one. It is not safe for concurrent use; a host with
// several goroutines holds a lock around every call into the driver.
//
// The package sits beside patterns/pipeline and imports nothing but it
// and the standard library, so the simulator's nodes (nodes/services) and
// production middleware (patterns/httpmw) drive requests with the same
// code.
package drive
