package sim

import (
	"bufio"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// Record is one semantic trace event: a send, a drop, a delivery, a timer,
// a crash, a partition. Node and Peer are node ids, or -1; NodeName gives
// the name fault files use for them.
type Record struct {
	At     Time   `json:"t_ns"`
	Kind   string `json:"kind"`
	Node   int32  `json:"node"`
	Peer   int32  `json:"peer"`
	ID     uint64 `json:"id,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Payload is a message's payload as text (RenderPayload). The network
	// leaves it empty and sets Value; sinks that write text render it.
	Payload string `json:"payload,omitempty"`
	// Value is a send's payload itself, set only while a sink is attached.
	// Neither it nor Payload feeds the trace hash: a run's hash is the same
	// with or without a sink. A sink that keeps Value past the call keeps
	// the payload as it is then, and sees later changes to it.
	Value any `json:"-"`
}

// NodeName returns the name of node id as fault files and trace output
// spell it: "n1" for id 0. It returns "" for -1 (no node).
func NodeName(id int32) string {
	if id < 0 {
		return ""
	}
	return "n" + strconv.Itoa(int(id)+1)
}

// MaxPayloadBytes bounds the text RenderPayload returns.
const MaxPayloadBytes = 512

// RenderPayload returns payload as text for a trace: its String method if
// it has one, else the form of fmt's %+v (struct fields named) with
// pointers followed rather than printed as addresses, cut to MaxPayloadBytes
// on a rune boundary and marked with "…". Call it only when World.Tracing is true: formatting
// costs more than the rest of a send.
func RenderPayload(payload any) string {
	var s string
	switch v := payload.(type) {
	case nil:
		return ""
	case string:
		s = v
	case fmt.Stringer:
		s = v.String()
	default:
		t := formatPooled(v)
		s = string(*t)
		releaseText(t)
	}
	if len(s) > MaxPayloadBytes {
		s = s[:payloadCut(s)] + "…"
	}
	return s
}

// AppendPayload appends RenderPayload(payload) to b, without making a
// string of it: for callers that render many payloads into one buffer.
func AppendPayload(b []byte, payload any) []byte {
	start := len(b)
	switch v := payload.(type) {
	case nil:
		return b
	case string:
		b = append(b, v...)
	case fmt.Stringer:
		b = append(b, v.String()...)
	default:
		// formatValue bounds the text by its buffer's length: a buffer of
		// its own, copied.
		t := formatPooled(v)
		b = append(b, *t...)
		releaseText(t)
	}
	if len(b)-start > MaxPayloadBytes {
		b = append(b[:start+payloadCut(b[start:])], "…"...)
	}
	return b
}

// formatPooled formats v (%+v, pointers followed) into a buffer from
// the pool; releaseText gives it back.
func formatPooled(v any) *textBuf {
	t := textBufs.Get().(*textBuf)
	formatValue(t, reflect.ValueOf(v), 0)
	return t
}

func releaseText(t *textBuf) {
	if cap(*t) <= 4*MaxPayloadBytes { // keep the pool's buffers small
		*t = (*t)[:0]
		textBufs.Put(t)
	}
}

// payloadCut is where a text longer than MaxPayloadBytes is cut: at
// MaxPayloadBytes or before, at the start of a rune.
func payloadCut[T string | []byte](s T) int {
	cut := MaxPayloadBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return cut
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

// Observe passes r to the sink, if any, without feeding the trace hash:
// for records that describe a run rather than decide it, such as a node's
// log lines. r.At is set to now. A run's hash is the same whether or not
// it observes, so code may log freely.
func (w *World) Observe(r Record) {
	if w.opts.Sink == nil {
		return
	}
	r.At = w.now
	w.rec = r
	w.opts.Sink.Record(&w.rec)
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

// MemorySink keeps records in memory, with their payload values (Value),
// unrendered.
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
// byte-for-byte stable. node and peer are ids (-1: none); node_name and
// peer_name name them as fault files do ("n1"), and are left out for -1. Strings
// are not HTML-escaped, so "a->b" stays as written.
func (s *JSONLSink) Record(r *Record) {
	if s.err != nil {
		return
	}
	b := s.buf[:0]
	b = append(b, `{"t_ns":`...)
	b = strconv.AppendInt(b, int64(r.At), 10)
	b = append(b, `,"kind":`...)
	b = AppendJSONString(b, r.Kind)
	b = append(b, `,"node":`...)
	b = strconv.AppendInt(b, int64(r.Node), 10)
	b = append(b, `,"peer":`...)
	b = strconv.AppendInt(b, int64(r.Peer), 10)
	if r.Node >= 0 {
		b = append(b, `,"node_name":"n`...)
		b = strconv.AppendInt(b, int64(r.Node)+1, 10)
		b = append(b, '"')
	}
	if r.Peer >= 0 {
		b = append(b, `,"peer_name":"n`...)
		b = strconv.AppendInt(b, int64(r.Peer)+1, 10)
		b = append(b, '"')
	}
	if r.ID != 0 {
		b = append(b, `,"id":`...)
		b = strconv.AppendUint(b, r.ID, 10)
	}
	if r.Detail != "" {
		b = append(b, `,"detail":`...)
		b = AppendJSONString(b, r.Detail)
	}
	if p := r.Payload; p != "" || r.Value != nil {
		if p == "" {
			p = RenderPayload(r.Value)
		}
		b = append(b, `,"payload":`...)
		b = AppendJSONString(b, p)
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

// AppendJSONString appends s to b as a JSON string. Unlike encoding/json
// it does not escape <, > and &: trace text such as "n1->n2" stays
// readable. Invalid UTF-8 becomes U+FFFD, as encoding/json does.
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but end lines in JavaScript.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
