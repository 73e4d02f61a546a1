package htmlreport

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// Defaults of Options.
const (
	DefaultMaxMessages      = 50_000
	DefaultMaxLogs          = 20_000
	DefaultMaxArtifactBytes = 8 << 20
	// Buckets is how many equal time windows the run is cut into for the
	// message counts (drawn above the diagram) and for sampling.
	Buckets = 1000
)

// Options shape a report. The zero value is usable.
type Options struct {
	// MaxMessages bounds the message arrows the file holds; 0 means
	// DefaultMaxMessages. Past it, the run is cut into equal windows (at
	// most Buckets, at most MaxMessages/20) and each keeps its first
	// messages up to one shared quota, so quiet windows keep all of
	// theirs; the counts per window (Buckets of them) stay exact.
	MaxMessages int
	// MaxLogs bounds the node log lines and other marks kept (the first
	// ones); 0 means DefaultMaxLogs.
	MaxLogs int
	// Dir is the directory the report is written to, so that links to a
	// check's artifact are relative to it. Empty: the working directory.
	Dir string
	// MaxArtifactBytes bounds a check's artifact (e.g. the linearizability
	// visualization) embedded in the report; a larger one is only linked.
	// 0 means DefaultMaxArtifactBytes; negative: never embed.
	MaxArtifactBytes int
}

// Data is everything the report shows. Its JSON form is embedded in the
// HTML file and drawn by the file's own script.
type Data struct {
	Scenario  string      `json:"scenario"`
	Seed      uint64      `json:"seed"`
	Status    string      `json:"status"`
	Params    [][2]string `json:"params"`
	TraceHash string      `json:"trace_hash"`
	Replay    string      `json:"replay"`
	SimTimeNs int64       `json:"sim_time_ns"`
	Events    uint64      `json:"events"`
	Error     string      `json:"error,omitempty"`
	Notes     []string    `json:"notes,omitempty"`
	Checks    []Check     `json:"checks"`
	Metrics   []Metric    `json:"metrics"`
	Nodes     []string    `json:"nodes"`
	Faults    []Span      `json:"faults"`
	Spans     []Span      `json:"spans"`
	Messages  []Message   `json:"messages"`
	Counts    Counts      `json:"counts"`
	Logs      []Mark      `json:"logs"`
	Marks     []Mark      `json:"marks"`
	Series    []Series    `json:"series"`
	Windowing Windowing   `json:"windowing"`
}

// Check is a check's outcome, with its artifact linked and, when small
// enough, embedded.
type Check struct {
	Name     string `json:"name"`
	OK       bool   `json:"ok"`
	Outcome  string `json:"outcome"`
	Detail   string `json:"detail,omitempty"`
	Artifact string `json:"artifact,omitempty"` // link, relative to the report
	Embed    string `json:"embed,omitempty"`    // the artifact's HTML
}

// Metric is one final metric value.
type Metric struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// Span is something that lasts: a scheduled fault ("fault"), a node down
// ("crash"), paused ("pause"), slowed ("slow"), a clogged or held link,
// or a partition (Node -1). End is the run's end if it never ended.
type Span struct {
	Kind  string `json:"kind"`
	Node  int32  `json:"node"`
	Peer  int32  `json:"peer"`
	Start int64  `json:"start"`
	End   int64  `json:"end"`
	Label string `json:"label,omitempty"`
}

// Message is one arrow: a send and its arrival, or its drop. A duplicate
// copy is a Message of its own with Dup set.
type Message struct {
	ID      uint64 `json:"id"`
	From    int32  `json:"f"`
	To      int32  `json:"t"`
	Sent    int64  `json:"s"`
	At      int64  `json:"a"`           // arrival or drop; -1: in flight at the end
	Drop    string `json:"d,omitempty"` // drop cause
	Dup     bool   `json:"u,omitempty"` // the link's extra copy
	Late    string `json:"l,omitempty"` // reorder, delay, held or queued
	Corrupt bool   `json:"c,omitempty"`
	Payload string `json:"p,omitempty"`
}

// Counts are per-window message counts over the whole run, sampled or not.
type Counts struct {
	WidthNs int64    `json:"width_ns"`
	Sent    []uint32 `json:"sent"`
	Dropped []uint32 `json:"dropped"`
}

// Mark is a point event on a node's lane (or the world's, Node -1): a log
// line, a clock change, a BUGGIFY site.
type Mark struct {
	At   int64  `json:"t"`
	Node int32  `json:"n"`
	Kind string `json:"k,omitempty"`
	Text string `json:"x"`
}

// Series is one metric over time: points (t seconds, value).
type Series struct {
	Name   string       `json:"name"`
	Points [][2]float64 `json:"points"`
}

// Windowing says what the report left out, so the page can say it too.
type Windowing struct {
	MessagesTotal  int    `json:"messages_total"`
	MessagesKept   int    `json:"messages_kept"`
	MaxMessages    int    `json:"max_messages"`
	QuotaPerWindow int    `json:"quota_per_window,omitempty"` // 0: nothing sampled
	SampleWindowNs int64  `json:"sample_window_ns,omitempty"`
	LogsTotal      int    `json:"logs_total"`
	MarksTotal     int    `json:"marks_total"`
	MaxLogs        int    `json:"max_logs"`
	RecordsDropped uint64 `json:"records_dropped"` // past Recorder.MaxRecords
	Timers         uint64 `json:"timers"`
}

// seriesOrder puts the usual series first, then the others by name.
var seriesOrder = []string{"goodput_rps", "latency_p99_ms", "queue_len", "breaker_state"}

// Build turns a run's result and its recorded trace into report data.
func Build(res *scenarios.Result, rec *Recorder, opts Options) *Data {
	if opts.MaxMessages <= 0 {
		opts.MaxMessages = DefaultMaxMessages
	}
	if opts.MaxLogs <= 0 {
		opts.MaxLogs = DefaultMaxLogs
	}
	d := &Data{
		Scenario: res.Scenario, Seed: res.Seed, Status: res.Status, TraceHash: res.TraceHash,
		Replay: res.Replay, SimTimeNs: res.SimTimeNs, Events: res.Events, Error: res.Error, Notes: res.Notes,
		Checks: []Check{}, Metrics: []Metric{}, Nodes: []string{}, Faults: []Span{}, Spans: []Span{},
		Messages: []Message{}, Logs: []Mark{}, Marks: []Mark{}, Series: []Series{},
	}
	for _, k := range slices.Sorted(maps.Keys(res.Params)) {
		d.Params = append(d.Params, [2]string{k, res.Params[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(res.Metrics)) {
		d.Metrics = append(d.Metrics, Metric{k, res.Metrics[k]})
	}
	for _, c := range res.Checks {
		d.Checks = append(d.Checks, checkOf(c, opts))
	}
	d.Series = seriesOf(res.Series)
	var recs []sim.Record
	if rec != nil {
		recs = rec.Records()
		d.Windowing.RecordsDropped, d.Windowing.Timers = rec.Dropped(), rec.timers
	}
	end := res.SimTimeNs
	for i := range recs {
		end = max(end, int64(recs[i].At))
	}
	d.SimTimeNs = end
	b := builder{d: d, end: end, byID: map[uint64]int{}, open: map[spanKey]int{}, maxLogs: opts.MaxLogs}
	maxNode := int32(-1)
	for i := range recs {
		maxNode = max(maxNode, recs[i].Node, recs[i].Peer)
		b.add(&recs[i])
	}
	for id := int32(0); id <= maxNode; id++ {
		d.Nodes = append(d.Nodes, sim.NodeName(id))
	}
	b.closeAll()
	slices.SortStableFunc(d.Messages, func(a, b Message) int {
		return cmp.Or(cmp.Compare(a.Sent, b.Sent), cmp.Compare(a.ID, b.ID))
	})
	d.Windowing.MaxMessages, d.Windowing.MaxLogs = opts.MaxMessages, opts.MaxLogs
	d.Windowing.LogsTotal, d.Windowing.MarksTotal = b.logs, b.marks
	sample(d, opts.MaxMessages)
	return d
}

func checkOf(c scenarios.CheckResult, opts Options) Check {
	out := Check{Name: c.Name, OK: c.OK, Outcome: c.Outcome, Detail: c.Detail}
	if c.Artifact == "" {
		return out
	}
	out.Artifact = filepath.ToSlash(c.Artifact)
	if abs, err := filepath.Abs(c.Artifact); err == nil {
		dir := opts.Dir
		if dir == "" {
			dir = "."
		}
		if absDir, err := filepath.Abs(dir); err == nil {
			if rel, err := filepath.Rel(absDir, abs); err == nil {
				out.Artifact = filepath.ToSlash(rel)
			}
		}
	}
	limit := opts.MaxArtifactBytes
	if limit == 0 {
		limit = DefaultMaxArtifactBytes
	}
	if fi, err := os.Stat(c.Artifact); err == nil && limit > 0 && fi.Size() <= int64(limit) {
		if b, err := os.ReadFile(c.Artifact); err == nil {
			out.Embed = string(b)
		}
	}
	return out
}

func seriesOf(m map[string][]sim.Point) []Series {
	names := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(names, func(a, b string) int {
		ia, ib := slices.Index(seriesOrder, a), slices.Index(seriesOrder, b)
		if ia < 0 {
			ia = len(seriesOrder)
		}
		if ib < 0 {
			ib = len(seriesOrder)
		}
		return cmp.Compare(ia, ib)
	})
	out := []Series{}
	for _, n := range names {
		pts := make([][2]float64, len(m[n]))
		for i, p := range m[n] {
			pts[i] = [2]float64{p.T, p.V}
		}
		out = append(out, Series{Name: n, Points: pts})
	}
	return out
}

type spanKey struct {
	kind       string
	node, peer int32
	label      string
}

// builder folds trace records into messages, spans and marks.
type builder struct {
	d           *Data
	end         int64
	byID        map[uint64]int // message id → index of its first arrow
	open        map[spanKey]int
	openOrder   []spanKey
	logs, marks int
	maxLogs     int
}

func (b *builder) add(r *sim.Record) {
	t := int64(r.At)
	switch r.Kind {
	case "send":
		b.byID[r.ID] = len(b.d.Messages)
		b.d.Messages = append(b.d.Messages, Message{ID: r.ID, From: r.Node, To: r.Peer, Sent: t, At: -1, Payload: r.Payload})
	case "deliver": // Node is the receiver
		if m := b.arrow(r.ID); m != nil {
			m.At = t
		}
	case "drop":
		if m := b.arrow(r.ID); m != nil {
			m.At, m.Drop = t, r.Detail
			if m.Drop == "" {
				m.Drop = "dropped"
			}
		}
	case "duplicate", "corrupt", "reorder", "held", "delay", "queue", "release":
		b.flag(r)
	case "fault":
		b.openSpan(spanKey{"fault", -1, -1, r.Detail}, t)
	case "fault_end":
		b.closeSpan(spanKey{"fault", -1, -1, r.Detail}, t)
	case "crash":
		b.openSpan(spanKey{"crash", r.Node, -1, ""}, t)
	case "restart":
		b.closeSpan(spanKey{"crash", r.Node, -1, ""}, t)
	case "pause":
		b.openSpan(spanKey{"pause", r.Node, -1, ""}, t)
	case "resume":
		b.closeSpan(spanKey{"pause", r.Node, -1, ""}, t)
	case "slow":
		b.closeSpan(spanKey{"slow", r.Node, -1, ""}, t)
		if r.Detail != "x1" {
			b.openSpan(spanKey{"slow", r.Node, -1, ""}, t)
			b.d.Spans[len(b.d.Spans)-1].Label = "slow " + r.Detail
		}
	case "partition":
		b.closeSpan(spanKey{"partition", -1, -1, ""}, t)
		b.openSpan(spanKey{"partition", -1, -1, ""}, t)
		b.d.Spans[len(b.d.Spans)-1].Label = r.Detail
	case "heal":
		b.closeSpan(spanKey{"partition", -1, -1, ""}, t)
	case "clog":
		b.closeSpan(spanKey{"clog", r.Node, r.Peer, ""}, t)
		b.openSpan(spanKey{"clog", r.Node, r.Peer, ""}, t)
		b.d.Spans[len(b.d.Spans)-1].Label = "clog " + r.Detail
	case "unclog":
		b.closeSpan(spanKey{"clog", r.Node, r.Peer, ""}, t)
	case "hold":
		b.openSpan(spanKey{"hold", r.Node, r.Peer, ""}, t)
	case "log":
		b.logs++
		if len(b.d.Logs) < b.maxLogs {
			b.d.Logs = append(b.d.Logs, Mark{At: t, Node: r.Node, Text: r.Detail})
		}
	default: // clock changes, BUGGIFY sites, rules, resume of a world
		b.marks++
		if len(b.d.Marks) < b.maxLogs {
			text := r.Kind
			if r.Detail != "" {
				text += " " + r.Detail
			}
			b.d.Marks = append(b.d.Marks, Mark{At: t, Node: r.Node, Kind: r.Kind, Text: text})
		}
	}
}

// arrow returns the arrow an arrival or a drop of message id ends: the
// message's own if it has not ended yet, else a new duplicate copy.
func (b *builder) arrow(id uint64) *Message {
	i, ok := b.byID[id]
	if !ok {
		return nil // sent before the recorder was attached, or past its bound
	}
	m := &b.d.Messages[i]
	if m.At < 0 {
		return m
	}
	c := Message{ID: m.ID, From: m.From, To: m.To, Sent: m.Sent, At: -1, Dup: true, Late: m.Late, Payload: m.Payload}
	b.d.Messages = append(b.d.Messages, c)
	return &b.d.Messages[len(b.d.Messages)-1]
}

func (b *builder) flag(r *sim.Record) {
	i, ok := b.byID[r.ID]
	if !ok || r.ID == 0 {
		if r.Kind == "release" && r.ID == 0 { // a held link released
			b.closeSpan(spanKey{"hold", r.Node, r.Peer, ""}, int64(r.At))
		}
		return
	}
	m := &b.d.Messages[i]
	switch r.Kind {
	case "corrupt":
		m.Corrupt = true
	case "reorder":
		m.Late = "reordered"
	case "delay":
		m.Late = "delayed " + r.Detail
	case "held":
		m.Late = "held"
	case "queue":
		m.Late = "queued while the node was paused"
	}
}

func (b *builder) openSpan(k spanKey, t int64) {
	if _, ok := b.open[k]; ok {
		return
	}
	b.open[k] = len(b.d.Spans)
	b.openOrder = append(b.openOrder, k)
	s := Span{Kind: k.kind, Node: k.node, Peer: k.peer, Start: t, End: -1, Label: k.label}
	if k.kind == "fault" {
		b.d.Faults = append(b.d.Faults, s)
		b.open[k] = -1 - (len(b.d.Faults) - 1) // negative: an index into Faults
		return
	}
	b.d.Spans = append(b.d.Spans, s)
}

func (b *builder) closeSpan(k spanKey, t int64) {
	i, ok := b.open[k]
	if !ok {
		return
	}
	delete(b.open, k)
	if i < 0 {
		b.d.Faults[-1-i].End = t
	} else {
		b.d.Spans[i].End = t
	}
}

// closeAll ends every open span at the end of the run, in the order they
// opened (never map order).
func (b *builder) closeAll() {
	for _, k := range b.openOrder {
		if _, ok := b.open[k]; ok {
			b.closeSpan(k, b.end)
		}
	}
	slices.SortStableFunc(b.d.Spans, func(x, y Span) int { return cmp.Compare(x.Start, y.Start) })
}

// sample keeps at most max arrows: the run is cut into windows and each
// keeps its first arrows up to a quota, the largest that fits max. There
// are at most max/minQuota sampling windows, so a quota is never below
// minQuota for lack of room. Counts always cover every arrow, in Buckets
// windows.
func sample(d *Data, maxMsgs int) {
	const minQuota = 20
	d.Counts = countsOf(d.Messages, d.SimTimeNs, Buckets)
	d.Windowing.MessagesTotal = len(d.Messages)
	d.Windowing.MessagesKept = len(d.Messages)
	if len(d.Messages) <= maxMsgs {
		return
	}
	sc := countsOf(d.Messages, d.SimTimeNs, max(1, min(Buckets, maxMsgs/minQuota)))
	lo, hi := 0, len(d.Messages) // the largest q with sum(min(count, q)) <= maxMsgs
	for lo < hi {
		q := (lo + hi + 1) / 2
		total := 0
		for _, s := range sc.Sent {
			total += min(int(s), q)
		}
		if total <= maxMsgs {
			lo = q
		} else {
			hi = q - 1
		}
	}
	kept := make([]int, len(sc.Sent))
	out := d.Messages[:0]
	for _, m := range d.Messages {
		i := min(len(kept)-1, int(m.Sent/sc.WidthNs))
		if kept[i] < lo {
			kept[i]++
			out = append(out, m)
		}
	}
	d.Messages = out
	d.Windowing.MessagesKept = len(out)
	d.Windowing.QuotaPerWindow = lo
	d.Windowing.SampleWindowNs = sc.WidthNs
}

// countsOf counts msgs by send time in n equal windows of [0, end].
func countsOf(msgs []Message, end int64, n int) Counts {
	width := max(1, (end+int64(n)-1)/int64(n))
	n = int(min(int64(n), end/width+1))
	c := Counts{WidthNs: width, Sent: make([]uint32, n), Dropped: make([]uint32, n)}
	for _, m := range msgs {
		i := min(n-1, int(m.Sent/width))
		c.Sent[i]++
		if m.Drop != "" {
			c.Dropped[i]++
		}
	}
	return c
}

// Title is the report's title line.
func (d *Data) Title() string {
	return fmt.Sprintf("%s seed %d: %s", d.Scenario, d.Seed, strings.ToUpper(d.Status))
}
