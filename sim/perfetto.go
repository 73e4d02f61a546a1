package sim

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// DefaultPerfettoMaxRecords bounds the records a PerfettoSink buffers.
const DefaultPerfettoMaxRecords = 2_000_000

// PerfettoSink buffers trace records and writes them as Chrome Trace Event
// JSON, which ui.perfetto.dev and chrome://tracing open. Each node is a
// track (thread "nN" of process "faultline"); records without a node go on
// the "world" track. Sends and deliveries are 1 ns slices, so that flow
// arrows ("s" at the send, "f" at the first delivery, matched by message
// id) have slices to bind to; every other record is an instant event.
// Timestamps are microseconds with nanosecond decimals.
type PerfettoSink struct {
	// MaxRecords bounds the buffer; 0 means DefaultPerfettoMaxRecords.
	// Records past it are counted, not kept.
	MaxRecords int
	recs       []Record
	dropped    uint64
	maxNode    int32
}

// NewPerfettoSink returns an empty sink.
func NewPerfettoSink() *PerfettoSink { return &PerfettoSink{maxNode: -1} }

// Record buffers r.
func (s *PerfettoSink) Record(r *Record) {
	limit := s.MaxRecords
	if limit == 0 {
		limit = DefaultPerfettoMaxRecords
	}
	if len(s.recs) >= limit {
		s.dropped++
		return
	}
	s.recs = append(s.recs, *r)
	if last := &s.recs[len(s.recs)-1]; last.Value != nil {
		// Render now: the payload may change after the send.
		if last.Payload == "" {
			last.Payload = RenderPayload(last.Value)
		}
		last.Value = nil
	}
	s.maxNode = max(s.maxNode, r.Node, r.Peer)
}

// Dropped returns how many records did not fit the buffer.
func (s *PerfettoSink) Dropped() uint64 { return s.dropped }

type traceEvent struct {
	Name string         `json:"name"`
	Cat  string         `json:"cat,omitempty"`
	Ph   string         `json:"ph"`
	Ts   float64        `json:"ts"`
	Dur  float64        `json:"dur,omitempty"`
	Pid  int            `json:"pid"`
	Tid  int32          `json:"tid"`
	ID   uint64         `json:"id,omitempty"`
	S    string         `json:"s,omitempty"`
	Bp   string         `json:"bp,omitempty"`
	Args map[string]any `json:"args,omitempty"`
}

func nodeName(id int32) string { return NodeName(id) }

// WriteTo writes the buffered records as one JSON object with a
// traceEvents array. The output depends only on the records.
func (s *PerfettoSink) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: bufio.NewWriterSize(w, 64<<10)}
	enc := json.NewEncoder(cw)
	enc.SetEscapeHTML(false) // keep "n1->n2" readable
	first := true
	emit := func(e traceEvent) error {
		if !first {
			if _, err := cw.Write([]byte(",\n")); err != nil {
				return err
			}
		}
		first = false
		return enc.Encode(e) // Encode appends a newline, which JSON allows
	}
	if _, err := io.WriteString(cw, `{"displayTimeUnit":"ns","otherData":{"generator":"faultline","records_dropped":`+fmt.Sprint(s.dropped)+`},"traceEvents":[`+"\n"); err != nil {
		return cw.n, err
	}
	meta := []traceEvent{
		{Name: "process_name", Ph: "M", Pid: 1, Args: map[string]any{"name": "faultline"}},
		{Name: "thread_name", Ph: "M", Pid: 1, Tid: 0, Args: map[string]any{"name": "world"}},
		{Name: "thread_sort_index", Ph: "M", Pid: 1, Tid: 0, Args: map[string]any{"sort_index": 0}},
	}
	for id := int32(0); id <= s.maxNode; id++ {
		meta = append(meta,
			traceEvent{Name: "thread_name", Ph: "M", Pid: 1, Tid: id + 1, Args: map[string]any{"name": nodeName(id)}},
			traceEvent{Name: "thread_sort_index", Ph: "M", Pid: 1, Tid: id + 1, Args: map[string]any{"sort_index": id + 1}})
	}
	for _, e := range meta {
		if err := emit(e); err != nil {
			return cw.n, err
		}
	}
	delivered := map[uint64]bool{}
	var evs []traceEvent
	for i := range s.recs {
		evs = recordEvents(evs[:0], &s.recs[i], delivered)
		for _, e := range evs {
			if err := emit(e); err != nil {
				return cw.n, err
			}
		}
	}
	if _, err := io.WriteString(cw, "]}\n"); err != nil {
		return cw.n, err
	}
	return cw.n, cw.w.(*bufio.Writer).Flush()
}

// recordEvents appends the trace events of one record to evs: a slice
// for every record, and a flow arrow from a send to its first delivery.
func recordEvents(evs []traceEvent, r *Record, delivered map[uint64]bool) []traceEvent {
	ts := float64(r.At) / 1e3
	args := map[string]any{}
	if r.Peer >= 0 {
		args["peer"] = nodeName(r.Peer)
	}
	if r.ID != 0 {
		args["id"] = r.ID
	}
	if r.Detail != "" {
		args["detail"] = r.Detail
	}
	if r.Payload != "" {
		args["payload"] = r.Payload
	}
	if len(args) == 0 {
		args = nil
	}
	tid := r.Node + 1 // -1 (no node) is the world track, 0
	name := r.Kind
	if r.Peer >= 0 && (r.Kind == "send" || r.Kind == "deliver" || r.Kind == "drop") {
		name = r.Kind + " " + nodeName(r.Node) + "→" + nodeName(r.Peer)
		if r.Kind == "deliver" {
			name = r.Kind + " " + nodeName(r.Peer) + "→" + nodeName(r.Node)
		}
	}
	switch {
	case r.Kind == "send" && r.ID != 0:
		return append(evs,
			traceEvent{Name: name, Cat: "net", Ph: "X", Ts: ts, Dur: 0.001, Pid: 1, Tid: tid, Args: args},
			traceEvent{Name: "message", Cat: "flow", Ph: "s", Ts: ts, Pid: 1, Tid: tid, ID: r.ID})
	case r.Kind == "deliver" && r.ID != 0:
		evs = append(evs, traceEvent{Name: name, Cat: "net", Ph: "X", Ts: ts, Dur: 0.001, Pid: 1, Tid: tid, Args: args})
		if !delivered[r.ID] {
			delivered[r.ID] = true
			evs = append(evs, traceEvent{Name: "message", Cat: "flow", Ph: "f", Bp: "e", Ts: ts, Pid: 1, Tid: tid, ID: r.ID})
		}
		return evs
	}
	scope := "t"
	if r.Node < 0 {
		scope = "g"
	}
	return append(evs, traceEvent{Name: name, Cat: "sim", Ph: "i", S: scope, Ts: ts, Pid: 1, Tid: tid, Args: args})
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
