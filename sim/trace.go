package sim

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
)

// Record is one semantic trace event: a send, a drop, a delivery, a timer,
// a crash, a partition. Node and Peer are node ids, or -1.
type Record struct {
	At     Time   `json:"t_ns"`
	Kind   string `json:"kind"`
	Node   int32  `json:"node"`
	Peer   int32  `json:"peer"`
	ID     uint64 `json:"id,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Sink receives trace records. r is valid only during the call: a sink
// that keeps a record keeps a copy.
type Sink interface {
	Record(r *Record)
}

// Trace feeds r into the trace hash and passes it to the sink, if any.
// r.At is set to now.
func (w *World) Trace(r Record) {
	r.At = w.now
	h := mix(w.hash, uint64(r.At))
	h = mix(h, w.kindHash(r.Kind))
	h = mix(h, uint64(uint32(r.Node))<<32|uint64(uint32(r.Peer)))
	h = mix(h, r.ID)
	if r.Detail != "" {
		h = mix(h, fnv64(r.Detail))
	}
	w.hash = h
	if w.opts.Sink != nil {
		// One record reused for every call, so tracing to a sink does not
		// allocate per record (r itself would escape).
		w.rec = r
		w.opts.Sink.Record(&w.rec)
	}
}

// kindCache memoizes fnv64 of the few record kinds a run uses. A slot is
// chosen by length and first byte and checked by content, so a collision
// only costs a recompute.
type kindCache [16]struct {
	s string
	h uint64
}

func (w *World) kindHash(s string) uint64 {
	if len(s) == 0 {
		return fnv64(s)
	}
	e := &w.kinds[(uint(len(s))+uint(s[0]))&15]
	if e.s != s {
		e.s, e.h = s, fnv64(s)
	}
	return e.h
}

// Tracing reports whether a sink is attached, so callers can skip building
// expensive details. The hash must not depend on it: build the same Record
// either way, or none.
func (w *World) Tracing() bool { return w.opts.Sink != nil }

// MemorySink keeps records in memory.
type MemorySink struct {
	Records []Record
}

// Record appends r.
func (s *MemorySink) Record(r *Record) { s.Records = append(s.Records, *r) }

// JSONLSink writes one JSON object per line. Call Flush at the end and
// check its error.
type JSONLSink struct {
	w   *bufio.Writer
	buf []byte
	err error
}

// NewJSONLSink writes to w.
func NewJSONLSink(w io.Writer) *JSONLSink {
	return &JSONLSink{w: bufio.NewWriterSize(w, 64<<10)}
}

// Record writes r as one line. Fields keep a fixed order so the output is
// byte-for-byte stable.
func (s *JSONLSink) Record(r *Record) {
	if s.err != nil {
		return
	}
	b := s.buf[:0]
	b = append(b, `{"t_ns":`...)
	b = strconv.AppendInt(b, int64(r.At), 10)
	b = append(b, `,"kind":`...)
	b = strconv.AppendQuote(b, r.Kind)
	b = append(b, `,"node":`...)
	b = strconv.AppendInt(b, int64(r.Node), 10)
	b = append(b, `,"peer":`...)
	b = strconv.AppendInt(b, int64(r.Peer), 10)
	if r.ID != 0 {
		b = append(b, `,"id":`...)
		b = strconv.AppendUint(b, r.ID, 10)
	}
	if r.Detail != "" {
		d, _ := json.Marshal(r.Detail)
		b = append(b, `,"detail":`...)
		b = append(b, d...)
	}
	b = append(b, "}\n"...)
	s.buf = b
	_, s.err = s.w.Write(b)
}

// Flush writes buffered records and returns the first write error.
func (s *JSONLSink) Flush() error {
	if s.err != nil {
		return s.err
	}
	return s.w.Flush()
}

// MultiSink fans records out to several sinks.
type MultiSink []Sink

// Record passes r to each sink.
func (m MultiSink) Record(r *Record) {
	for _, s := range m {
		s.Record(r)
	}
}
