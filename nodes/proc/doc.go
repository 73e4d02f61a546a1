// Package proc lets a node be written as a sequential process: code that
// blocks on Recv, Sleep and Call(peer, req, timeout) like ordinary Go,
// instead of a set of event handlers.
//
// A process runs as a coroutine (iter.Pull), never as a free goroutine. The
// node runtime calls the process's handlers one at a time, as it calls any
// node's; each handler resumes the coroutine, which runs until it blocks
// again and hands control back. Only one side runs at a time and every
// switch happens at a point fixed by the simulated events, so a process is
// as deterministic as an event handler: the same seed gives the same trace
// hash. A switch costs about the price of a function call through a
// coroutine (see BenchmarkProcSwitch).
//
// Blocking calls map onto the runtime: Sleep and timeouts are node timers
// (so they follow the node's local clock), Send is Env.Send, and Call sends
// a *Request and waits for the *Response with the same ID. A server, in
// either style, answers a *Request with Reply (or by sending a *Response
// with the request's ID), so both styles can talk to each other. The
// node's own handlers may end a wait early: Unpark ends a Park, and
// Interrupt ends a Call (ErrInterrupted), a Sleep or a Park, for a process
// whose wait is no longer wanted (httpsim uses it when a request's
// context is cancelled).
//
// A crashed node stops receiving events, and its suspended coroutine must
// be stopped or it stays parked until the program ends. Build processes
// through a Group: its Constructor stops the previous coroutine of a node
// when the node restarts, and Group.Close stops every coroutine still
// parked when the run ends. Stopping a coroutine unwinds the body with a
// panic that the package recovers, so the body's defers run.
package proc
