package sim

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// perfettoRun makes a small world whose handler records sends, deliveries
// and a few other kinds into sink.
func perfettoRun(seed uint64, sink Sink) *World {
	w := New(seed, Options{Sink: sink, ShuffleTies: true})
	rng := w.Rand("test")
	var id uint64
	var h HandlerFunc
	h = func(ev *Event) {
		switch ev.Kind {
		case 1: // send
			id++
			to := int32(rng.IntN(3))
			w.Trace(Record{Kind: "send", Node: ev.Node, Peer: to, ID: id})
			w.After(time.Duration(1+rng.IntN(5))*time.Millisecond, h, Event{Kind: 2, Node: to, A: int64(id), B: int64(ev.Node)})
			if ev.A < 20 {
				w.After(time.Millisecond, h, Event{Kind: 1, Node: ev.Node, A: ev.A + 1})
			}
		case 2: // deliver
			w.Trace(Record{Kind: "deliver", Node: ev.Node, Peer: int32(ev.B), ID: uint64(ev.A)})
			if ev.A%7 == 0 {
				w.Trace(Record{Kind: "crash", Node: ev.Node, Peer: -1})
				w.Trace(Record{Kind: "partition", Node: -1, Peer: -1, Detail: `n1 | n2,"n3"`})
			}
		}
	}
	for n := range int32(3) {
		w.Schedule(0, h, Event{Kind: 1, Node: n})
	}
	_ = w.Run()
	return w
}

func TestPerfettoValidJSON(t *testing.T) {
	sink := NewPerfettoSink()
	perfettoRun(1, sink)
	var buf bytes.Buffer
	if _, err := sink.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		DisplayTimeUnit string `json:"displayTimeUnit"`
		TraceEvents     []struct {
			Name string         `json:"name"`
			Ph   string         `json:"ph"`
			Ts   float64        `json:"ts"`
			Pid  int            `json:"pid"`
			Tid  int            `json:"tid"`
			ID   uint64         `json:"id"`
			Bp   string         `json:"bp"`
			Args map[string]any `json:"args"`
		} `json:"traceEvents"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.String()[:min(buf.Len(), 2000)])
	}
	threads := map[int]string{}
	starts, finishes := map[uint64]int{}, map[uint64]int{}
	phases := map[string]int{}
	for _, e := range doc.TraceEvents {
		phases[e.Ph]++
		switch e.Ph {
		case "M":
			if e.Name == "thread_name" {
				threads[e.Tid] = e.Args["name"].(string)
			}
		case "s":
			starts[e.ID] = e.Tid
		case "f":
			if e.Bp != "e" {
				t.Fatalf("flow end without bp=e: %+v", e)
			}
			finishes[e.ID] = e.Tid
		}
		if e.Pid != 1 {
			t.Fatalf("pid %d", e.Pid)
		}
	}
	if threads[0] != "world" || threads[1] != "n1" || threads[3] != "n3" || len(threads) != 4 {
		t.Fatalf("threads %v", threads)
	}
	if len(starts) != 63 || len(finishes) != 63 {
		t.Fatalf("%d flow starts and %d ends, want 63 each", len(starts), len(finishes))
	}
	for id := range starts {
		if _, ok := finishes[id]; !ok {
			t.Fatalf("message %d has no flow end", id)
		}
	}
	if phases["X"] != 126 || phases["i"] != 18 {
		t.Fatalf("phases %v", phases)
	}
	if !strings.Contains(buf.String(), `"detail":"n1 | n2,\"n3\""`) {
		t.Fatal("detail not escaped as JSON")
	}
}

func TestPerfettoDeterministic(t *testing.T) {
	out := func() []byte {
		sink := NewPerfettoSink()
		perfettoRun(5, sink)
		var buf bytes.Buffer
		if _, err := sink.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	if a, b := out(), out(); !bytes.Equal(a, b) {
		t.Fatal("two runs of the same seed wrote different traces")
	}
	// The sink does not change the run.
	if perfettoRun(5, NewPerfettoSink()).TraceHash() != perfettoRun(5, nil).TraceHash() {
		t.Fatal("the perfetto sink changed the trace hash")
	}
}

func TestPerfettoLimit(t *testing.T) {
	sink := NewPerfettoSink()
	sink.MaxRecords = 10
	perfettoRun(1, sink)
	if sink.Dropped() == 0 || len(sink.recs) != 10 {
		t.Fatalf("kept %d, dropped %d", len(sink.recs), sink.Dropped())
	}
	var buf bytes.Buffer
	if _, err := sink.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(buf.Bytes()) {
		t.Fatal("truncated trace is not valid JSON")
	}
}
