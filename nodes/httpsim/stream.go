package httpsim

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/proc"
)

// Chunk is a part of a streamed response body on the simulated wire: a
// handler that flushes sends its status, header and the body so far as
// the Response (with More set), and each later flush, and the end of
// ServeHTTP, as a Chunk. N counts the chunks of request Seq from 1.
type Chunk struct {
	Seq  uint64
	N    int
	Data []byte
	End  bool // the last chunk: ServeHTTP returned
}

// Size is the chunk's size in bytes, with chunked encoding's framing.
func (c *Chunk) Size() int { return len(c.Data) + 10 }

// errBodyClosed is what Read returns after Close, as net/http's does.
var errBodyClosed = errors.New("httpsim: read on closed response body")

// outStream is the serving side of a request, in a recorder: what Flush
// needs to send the head and the chunks.
type outStream struct {
	env   *nodes.Env // nil when the recorder serves no request
	to    NodeID
	m     *proc.Request
	seq   uint64
	parts int // chunks sent after the head; -1 before the head
}

// flush sends what the handler wrote so far: the head (status, header,
// body) the first time, then a chunk.
func (w *recorder) flush() {
	o := w.out
	if o.parts < 0 {
		status := w.status
		r := w.response() // resets the recorder, out included
		r.More = true
		r.send(o.env, o.to, o.m)
		o.parts = 0
		w.out, w.status = o, status // later WriteHeader calls change nothing
		return
	}
	if len(w.buf) == 0 {
		return // nothing new: net/http sends nothing either
	}
	o.parts++
	w.out.parts = o.parts
	o.env.Send(o.to, &Chunk{Seq: o.seq, N: o.parts, Data: bytes.Clone(w.buf)}, len(w.buf)+10)
	w.buf = w.buf[:0]
}

// finish sends the response when ServeHTTP has returned: whole, or the
// last chunk of a flushed one. The recorder is then ready for the next
// request.
func (w *recorder) finish() {
	o := w.out
	if o.parts < 0 {
		w.response().send(o.env, o.to, o.m)
		return
	}
	c := &Chunk{Seq: o.seq, N: o.parts + 1, Data: bytes.Clone(w.buf), End: true}
	o.env.Send(o.to, c, c.Size())
	w.reset()
}

// inStream is a streamed response body on the client: the chunks come
// as messages to the client's node, which hands them to Net.chunk, and
// Read parks the process that sent the request until the next arrives.
type inStream struct {
	net     *Net
	p       *proc.P
	ctx     context.Context
	peer    NodeID
	seq     uint64
	what    string
	next    int            // the chunk expected next
	held    map[int]*Chunk // chunks that came early; looked up only
	buf     []byte
	ended   bool
	closed  bool
	waiting bool // parked in Read
	ringing bool // a timer to wake it is set
}

// call is a request of this Net's Transports still waiting for its
// response head, and the chunks of its body that overtook the head:
// each chunk and the head are separate messages, with their own latency.
type call struct {
	peer  NodeID
	early []*Chunk // in arrival order, at most maxEarlyChunks, no two alike
}

// maxEarlyChunks bounds the chunks kept for a request or a body ahead of
// the one expected next; more are dropped, and the body stalls on them
// as on a lost chunk.
const maxEarlyChunks = 64

// expect records request seq to peer as in flight, so that chunks of its
// body that overtake the head are kept for it.
func (n *Net) expect(seq uint64, peer NodeID) {
	if n.calls == nil {
		n.calls = map[uint64]call{}
	}
	n.calls[seq] = call{peer: peer}
}

// forget ends request seq's wait for its head: its early chunks are
// dropped, and later ones go to its body, if any, or nowhere.
func (n *Net) forget(seq uint64) { delete(n.calls, seq) }

// stash keeps a chunk that came before its head, if its request is in
// flight to the node it came from.
func (n *Net) stash(from NodeID, c *Chunk) {
	cl, ok := n.calls[c.Seq]
	if !ok || cl.peer != from || len(cl.early) == maxEarlyChunks {
		return
	}
	for _, e := range cl.early {
		if e.N == c.N {
			return // a duplicate
		}
	}
	cl.early = append(cl.early, c)
	n.calls[c.Seq] = cl
}

// openStream starts the body of request seq from the head's part, first,
// and the chunks that came before the head, in order.
func (n *Net) openStream(p *proc.P, ctx context.Context, peer NodeID, seq uint64, what string, first []byte) *inStream {
	st := &inStream{net: n, p: p, ctx: ctx, peer: peer, seq: seq, what: what, next: 1, buf: first}
	if n.streams == nil {
		n.streams = map[uint64]*inStream{}
	}
	n.streams[seq] = st
	for _, c := range n.calls[seq].early {
		n.chunk(peer, c) // no reader waits yet: nothing to wake
	}
	n.forget(seq)
	return st
}

// chunk takes a chunk that arrived at a client node. Chunks are put in
// order (a late one is held, as is one that overtook the head);
// duplicates and chunks of closed bodies or ended requests are dropped.
func (n *Net) chunk(from NodeID, c *Chunk) {
	st := n.streams[c.Seq]
	if st == nil {
		n.stash(from, c)
		return
	}
	if st.peer != from || c.N < st.next {
		return
	}
	if c.N > st.next {
		if st.held == nil {
			st.held = map[int]*Chunk{}
		}
		if len(st.held) < maxEarlyChunks || st.held[c.N] != nil {
			st.held[c.N] = c
		}
		return
	}
	for c != nil {
		st.buf = append(st.buf, c.Data...)
		st.next++
		if c.End {
			st.ended = true
			delete(n.streams, st.seq)
			break
		}
		c = st.held[st.next]
		delete(st.held, st.next)
	}
	if st.waiting && !st.ringing {
		st.ringing = true
		st.p.Env().SetTimer(0, st) // a Net node hands it back to ring
	}
}

// ring wakes the reader, from an event of its node.
func (st *inStream) ring() {
	st.ringing = false
	if st.waiting {
		st.p.Unpark()
	}
}

// Read reads the body as it arrives. Call it from the process that sent
// the request: it parks that process until the next chunk, the
// context's deadline or its cancellation.
func (st *inStream) Read(b []byte) (int, error) {
	for len(st.buf) == 0 {
		switch {
		case st.closed:
			return 0, errBodyClosed
		case st.ended:
			return 0, io.EOF
		}
		if err := st.wait(); err != nil {
			return 0, err
		}
	}
	k := copy(b, st.buf)
	st.buf = st.buf[k:]
	return k, nil
}

func (st *inStream) wait() error {
	d, err := remaining(st.ctx, st.p, func() string { return st.what })
	if err != nil {
		st.Close() // tells the server, as closing the connection would
		return err
	}
	if d == 0 {
		d = -1 // no deadline
	}
	w := watch(st.ctx, st.p)
	st.waiting = true
	st.p.Park(d)
	st.waiting = false
	w.stop()
	return nil
}

// Close ends the body. Before its end it sends an Abort, so that the
// handler's context is cancelled.
func (st *inStream) Close() error {
	if st.closed {
		return nil
	}
	st.closed = true
	if !st.ended {
		delete(st.net.streams, st.seq)
		st.p.Send(st.peer, &Abort{Seq: st.seq}, 40)
	}
	st.buf = nil
	return nil
}

// streamed turns resp into a streamed response when the server said more
// follows.
func (t *Transport) streamed(hr *http.Response, r *Response, p *proc.P, ctx context.Context, peer NodeID, seq uint64, what func() string) {
	if !r.More {
		return
	}
	hr.Body = t.net.openStream(p, ctx, peer, seq, what(), bytes.Clone(r.Body))
	hr.ContentLength = -1
}
