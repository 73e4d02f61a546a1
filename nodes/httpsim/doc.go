// Package httpsim runs ordinary net/http code in a simulated world: an
// http.Handler as a node, and an http.RoundTripper (so a plain
// *http.Client) that sends over the simulated network.
//
// # Server
//
// Net.Server turns a handler into a node. Each request arrives as a
// message and runs ServeHTTP in a process of its own (a proc coroutine),
// so a handler may block on a downstream call through the simulated
// client, and many requests may be in progress at once. A handler that
// never waits in simulated time may be marked Inline: it then runs in
// the node's event handler, without a process, which is cheaper, and a
// client call or Clock.Sleep from it returns ErrInline. The response
// travels back as a message: latency, loss, partitions and crashes apply
// to both directions. Headers, status codes and bodies are carried as
// they are, and each handler gets its own copy of the request header.
// A response is sent whole when ServeHTTP returns, unless the handler
// flushes (http.Flusher): then the first flush sends the head, later
// ones Chunk messages, and the client reads each chunk when it arrives.
// A request body is sent whole. r.Context() ends when
// ServeHTTP returns, and when the client gives up: a Transport whose
// deadline passes, or whose context is cancelled while it waits, sends
// an Abort, as closing the connection would.
//
// # Cancellation
//
// A process waiting in a Transport call, Clock.Sleep or a NetClock wait
// is woken when its context is cancelled (proc.P.Interrupt, from a
// zero-delay timer of its node, so at the same simulated time): by the
// cancel of WithCancel or WithTimeout, by an Abort reaching its handler,
// or by a parent context's cancellation. A context.WithCancel child is
// noticed only when the wait ends: the context package would tell of it
// from a goroutine. So a hedge's losing attempt (NetClock's WithCancel)
// stops at once and aborts its request, and a chain A→B→C unwinds hop by
// hop when its client leaves.
//
// # Client
//
// A Transport finds the calling process in the request's context. Inside
// a handler that is r.Context(); in a client process it is Context(p).
// RoundTrip blocks that process in simulated time until the response
// arrives or the context's deadline passes. The host of the URL names the
// node: "n2", or a name given with Net.Host.
//
// # Simulated deadlines
//
// context.WithTimeout reads the real clock and starts a real timer, so it
// cannot work inside a world. WithTimeout here is its simulated
// counterpart: its deadline is on the node's local clock, and Err turns
// to context.DeadlineExceeded once that clock passes it (checked when the
// process looks: Err, Done, or a Transport call). A Transport given a
// context whose deadline is on the real clock refuses the request with
// ErrRealDeadline instead of mixing the two clocks. Clock offers Now,
// Sleep and WithTimeout on the simulated clock; httpmw.Real is the same
// interface on the real one, so middleware code runs unchanged in both.
// Net.Clock adds what httpmw.Scheduler asks for, run later (a node timer)
// and run concurrently (a new process on the node), so an httpmw.Transport
// on it hedges and queues in its bulkhead as on the real clock.
//
// # What cannot work
//
// Inside a world the code must not start goroutines, use real sockets,
// read time.Now, call time.Sleep or wait on a channel another goroutine
// would fill. Such code runs on the real clock, outside the world's
// schedule: its results change from run to run, which the determinism
// self-check (scenarios.Options.CheckDeterminism) reports as a
// divergence. A handler or process that blocks for real stops the world
// from advancing; with Options.StallTimeout set, the stall is reported
// with the node and the request after that much wall-clock time, instead
// of hanging. The watchdog is the package's one goroutine: it reads two
// atomics and never touches the world.
package httpsim
