package htmlreport

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/report"
	"github.com/faultline/faultline/sim"
)

// Defaults of Options.
const (
	DefaultMaxMessages      = 10_000
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
	// most Buckets, at most MaxMessages/20) and each keeps messages up to
	// one shared quota (its dropped, duplicated and delayed ones first,
	// then its first others), so quiet windows keep all of theirs; the
	// counts per window (Buckets of them) stay exact.
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
	// SeriesFromTrace: the scenario records no series, and Series is the
	// message traffic counted from the trace (TrafficSeries).
	SeriesFromTrace bool `json:"series_from_trace,omitempty"`
	// Triggers are the scenario's own trigger windows, from its parameters
	// NAME_at and NAME_for (e.g. retry-storm's trigger, cascade's slow B).
	Triggers  []Span    `json:"triggers"`
	Windowing Windowing `json:"windowing"`
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

// Span is something that lasts: a scheduled fault ("fault", or
// "topology" for join, leave, replace and upgrade), a node down
// ("crash"), paused ("pause"), slowed ("slow"), running a version after
// an upgrade or a join ("version", Label the version), draining
// ("drain"), out of the cluster ("left"), a clogged or held link, or a
// partition (Node -1). End is the run's end if it never ended.
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
	Unrecorded     uint64 `json:"messages_unrecorded"` // past Recorder.MaxRecorded
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
	d.Triggers = []Span{}
	for _, w := range report.WindowsOf(res.Params, nil) {
		d.Triggers = append(d.Triggers, Span{Kind: "trigger", Node: -1, Peer: -1, Start: int64(w.From * 1e9), End: int64(w.To * 1e9), Label: w.Label})
	}
	var tr *traffic
	if len(d.Series) == 0 && rec != nil {
		// The scenario records no series: draw the traffic the trace
		// shows, counted in sample's pass over the arrows.
		tr = rec.newTraffic(sim.Time(res.SimTimeNs))
	}
	end := res.SimTimeNs
	maxNode := int32(-1)
	var all *builder
	if rec != nil && rec.started {
		b := &rec.b
		end = max(end, b.end)
		maxNode = b.maxNode
		d.Windowing.Unrecorded, d.Windowing.Timers = b.dropped, b.timers
		d.Windowing.LogsTotal, d.Windowing.MarksTotal = b.logs, b.marks
		all = b
		d.Faults = closed(b.faults, end)
		for i := range d.Faults {
			if f := &d.Faults[i]; f.Kind == "topology" && b.faults[i].End < 0 {
				// No end of its own: a join or a replace is an instant,
				// an upgrade lasts until its last node restarted.
				f.End = f.Start
				if strings.Fields(f.Label)[2] == "upgrade" {
					f.End = max(f.Start, b.lastUpgrade)
				}
			}
		}
		d.Spans = closed(b.spans, end)
		d.Logs = append(d.Logs, b.logList...)
		d.Marks = append(d.Marks, b.markList...)
	}
	d.SimTimeNs = end
	for id := int32(0); id <= maxNode; id++ {
		d.Nodes = append(d.Nodes, sim.NodeName(id))
	}
	slices.SortStableFunc(d.Spans, func(x, y Span) int { return cmp.Compare(x.Start, y.Start) })
	d.Windowing.MaxMessages, d.Windowing.MaxLogs = opts.MaxMessages, opts.MaxLogs
	if len(d.Logs) > opts.MaxLogs {
		d.Logs = d.Logs[:opts.MaxLogs]
	}
	if len(d.Marks) > opts.MaxLogs {
		d.Marks = d.Marks[:opts.MaxLogs]
	}
	if all == nil {
		all = &builder{}
	}
	kept := sample(d, all, opts.MaxMessages, tr)
	if tr != nil {
		d.Series = seriesOf(tr.series())
		d.SeriesFromTrace = len(d.Series) > 0
	}
	// Duplicate copies were recorded when they arrived: put the arrows
	// kept in send order (sorting pointers, not the larger messages).
	slices.SortStableFunc(kept, func(a, b *arrow) int {
		return cmp.Or(cmp.Compare(a.sent, b.sent), cmp.Compare(all.idOf(a), all.idOf(b)))
	})
	d.Messages = all.messages(kept)
	return d
}

// topologyFault reports whether a fault line ("at 2s upgrade * to v2")
// changes the cluster's membership or versions: join, leave, replace or
// upgrade. Its effect is drawn on the lanes of the nodes it targets.
func topologyFault(line string) bool {
	f := strings.Fields(line)
	return len(f) > 2 && slices.Contains([]string{"join", "leave", "replace", "upgrade"}, f[2])
}

// closed returns a copy of spans with the open ones ended at end.
func closed(spans []Span, end int64) []Span {
	out := make([]Span, len(spans))
	for i, s := range spans {
		if s.End < 0 {
			s.End = end
		}
		out[i] = s
	}
	return out
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

// builder folds trace records into arrows, spans and marks as they come,
// so a recorder holds one small struct per message, not every record.
type builder struct {
	maxMsgs     int
	eager       int // payloads that may change, rendered as sent
	eagerUsed   int
	types       frozenTypes
	chunks      [][]arrow // fixed-size chunks: growing never copies
	n           int
	texts       chunked[string] // payloads rendered as sent
	values      chunked[any]    // payloads kept as values, rendered by Build
	names       []string        // drop causes and delay notes, by code
	nameCode    map[string]uint8
	idx         [][]int32 // message id → index of its first arrow + 1, in pages
	idBase      uint64    // the first message's id: arrows keep offsets from it
	farIDs      map[*arrow]uint64
	farAts      map[*arrow]int64
	far         map[uint64]int32 // ids too large for idx
	faults      []Span
	faultEnds   faultEnds
	spans       []Span
	open        map[spanKey]int // index into spans, or -1-index into faults
	logList     []Mark
	markList    []Mark
	logs, marks int
	maxLogs     int
	maxNode     int32
	end         int64
	dropped     uint64
	timers      uint64
	lastUpgrade int64
}

const (
	maxDenseID = 1 << 24
	idxPage    = 1 << 14
	chunkLen   = 4096
)

// chunked is an append-only list in fixed-size chunks: growing it never
// copies, which matters for lists of a million pointers.
type chunked[T any] struct {
	chunks [][]T
	n      int
}

// add appends v and returns its index.
func (c *chunked[T]) add(v T) int {
	if c.n%chunkLen == 0 {
		c.chunks = append(c.chunks, make([]T, chunkLen))
	}
	c.chunks[c.n/chunkLen][c.n%chunkLen] = v
	c.n++
	return c.n - 1
}

func (c *chunked[T]) at(i int) T { return c.chunks[i/chunkLen][i%chunkLen] }

// arrow is a recorded message, small and free of pointers so that a
// large run costs the collector nothing: strings live in the builder.
// It is 32 bytes: the id is an offset from the first one recorded and
// the arrival an offset from the send, 32 bits each, with the rare
// values that do not fit kept aside (farIDs, farAts). Writing each new
// arrow into fresh memory is most of what recording costs.
type arrow struct {
	sent       int64
	id         uint32 // message id - builder.idBase, or farID
	dt         uint32 // arrival or drop - sent, or inFlight, or farAt
	from, to   int32
	drop, late uint8 // codes into builder.names; 0: none
	dup, corr  bool
	payload    int32 // > 0: texts[payload-1]; < 0: values[-payload-1]; 0: none
}

const (
	inFlight = math.MaxUint32     // not arrived or dropped (yet)
	farAt    = math.MaxUint32 - 1 // the arrival is in builder.farAts
	farID    = math.MaxUint32     // the id is in builder.farIDs
)

func (b *builder) setID(a *arrow, id uint64) {
	if b.n == 1 {
		b.idBase = id
	}
	if id >= b.idBase && id-b.idBase < farID {
		a.id = uint32(id - b.idBase)
		return
	}
	a.id = farID
	if b.farIDs == nil {
		b.farIDs = map[*arrow]uint64{}
	}
	b.farIDs[a] = id
}

func (b *builder) idOf(a *arrow) uint64 {
	if a.id == farID {
		return b.farIDs[a]
	}
	return b.idBase + uint64(a.id)
}

// setAt sets a's arrival (or drop) time, t ≥ a.sent.
func (b *builder) setAt(a *arrow, t int64) {
	if d := t - a.sent; d >= 0 && d < farAt {
		a.dt = uint32(d)
		return
	}
	a.dt = farAt
	if b.farAts == nil {
		b.farAts = map[*arrow]int64{}
	}
	b.farAts[a] = t
}

// atOf returns a's arrival or drop time, -1 if neither happened.
func (b *builder) atOf(a *arrow) int64 {
	switch a.dt {
	case inFlight:
		return -1
	case farAt:
		return b.farAts[a]
	}
	return a.sent + int64(a.dt)
}

// push returns a new arrow at index b.n.
func (b *builder) push() *arrow {
	if b.n%chunkLen == 0 {
		b.chunks = append(b.chunks, make([]arrow, chunkLen))
	}
	a := &b.chunks[b.n/chunkLen][b.n%chunkLen]
	b.n++
	return a
}

func (b *builder) msg(i int) *arrow { return &b.chunks[i/chunkLen][i%chunkLen] }

// code interns s (a drop cause, a delay note) as a small code.
func (b *builder) code(s string) uint8 {
	if s == "" {
		return 0
	}
	if c, ok := b.nameCode[s]; ok {
		return c
	}
	if len(b.names) >= 255 {
		return 255 // shown as the last name interned; only delay notes vary
	}
	if b.nameCode == nil {
		b.nameCode = map[string]uint8{}
	}
	b.names = append(b.names, s)
	c := uint8(len(b.names))
	b.nameCode[s] = c
	return c
}

func (b *builder) name(c uint8) string {
	if c == 0 {
		return ""
	}
	return b.names[c-1]
}

// eachChunk calls f with the recorded arrows, a chunk at a time, in
// recording order.
func (b *builder) eachChunk(f func(c []arrow)) {
	left := b.n
	for _, c := range b.chunks {
		f(c[:min(len(c), left)])
		left -= len(c)
		if left <= 0 {
			return
		}
	}
}

// messages returns the arrows as the report shows them, payloads
// rendered. Payloads kept as values are rendered into a buffer that
// becomes a string each time it is nearly full, which their messages
// share: an allocation per 32 KB of text, not one per message.
func (b *builder) messages(arrows []*arrow) []Message {
	const flushAt = 32<<10 - 2*sim.MaxPayloadBytes
	out := make([]Message, len(arrows))
	text := make([]byte, 0, 32<<10)
	ends := make([]int32, len(arrows)) // of each payload rendered into text
	pending := 0                       // the first arrow whose payload may be in text
	flush := func(upTo int) {
		all, start := string(text), int32(0)
		for i := pending; i < upTo; i++ {
			if arrows[i].payload < 0 {
				out[i].Payload, start = all[start:ends[i]], ends[i]
			}
		}
		text, pending = text[:0], upTo
	}
	for i, a := range arrows {
		out[i] = Message{ID: b.idOf(a), From: a.from, To: a.to, Sent: a.sent, At: b.atOf(a), Drop: b.name(a.drop), Late: b.name(a.late), Dup: a.dup, Corrupt: a.corr}
		switch {
		case a.payload > 0:
			out[i].Payload = b.texts.at(int(a.payload) - 1)
		case a.payload < 0:
			text = sim.AppendPayload(text, b.values.at(int(-a.payload)-1))
			ends[i] = int32(len(text))
			if len(text) >= flushAt {
				flush(i + 1)
			}
		}
	}
	flush(len(arrows))
	return out
}

func (b *builder) index(id uint64) (int, bool) {
	if i, ok := b.indexed(id); ok {
		return i, true
	}
	if off := id - b.idBase; id >= b.idBase && off < uint64(b.n) {
		if a := b.msg(int(off)); a.id == uint32(off) && !a.dup {
			return int(off), true
		}
	}
	return 0, false
}

// indexed looks id up in idx and far only.
func (b *builder) indexed(id uint64) (int, bool) {
	if id < maxDenseID {
		if p := id / idxPage; p < uint64(len(b.idx)) && b.idx[p] != nil {
			i := b.idx[p][id%idxPage]
			return int(i) - 1, i > 0
		}
		return 0, false
	}
	i, ok := b.far[id]
	return int(i), ok
}

func (b *builder) setIndex(id uint64, i int) {
	if id < maxDenseID {
		p := id / idxPage
		for uint64(len(b.idx)) <= p {
			b.idx = append(b.idx, nil)
		}
		if b.idx[p] == nil {
			b.idx[p] = make([]int32, idxPage)
		}
		b.idx[p][id%idxPage] = int32(i) + 1
		return
	}
	if b.far == nil {
		b.far = map[uint64]int32{}
	}
	b.far[id] = int32(i)
}

func (b *builder) add(r *sim.Record) {
	t := int64(r.At)
	b.end = max(b.end, t)
	b.maxNode = max(b.maxNode, r.Node, r.Peer)
	// Sends and deliveries are most records: compared first, inline,
	// before the switch's search over every kind.
	switch {
	case r.Kind == "send":
		b.send(r, t)
	case r.Kind == "deliver": // Node is the receiver
		if a := b.arrow(r.ID); a != nil {
			b.setAt(a, t)
		}
	default:
		b.addOther(r, t)
	}
}

func (b *builder) send(r *sim.Record, t int64) {
	if b.n >= b.maxMsgs {
		b.dropped++
		return
	}
	i := b.n
	a := b.push()
	*a = arrow{from: r.Node, to: r.Peer, sent: t, dt: inFlight}
	b.setID(a, r.ID)
	if _, ok := b.indexed(r.ID); ok || a.id != uint32(i) {
		b.setIndex(r.ID, i) // not where index looks first, or sent before
	}
	switch {
	case r.Payload != "":
		a.payload = int32(b.texts.add(r.Payload)) + 1
	case r.Value == nil:
	case b.types.frozen(r.Value): // rendered by Build if the report keeps it
		a.payload = -int32(b.values.add(r.Value)) - 1
	case b.eagerUsed < b.eager:
		b.eagerUsed++
		if c, ok := b.types.copyOf(r.Value); ok { // rendered by Build if the report keeps it
			a.payload = -int32(b.values.add(c)) - 1
			break
		}
		a.payload = int32(b.texts.add(sim.RenderPayload(r.Value))) + 1
	default: // rendered by Build if the report keeps it
		a.payload = -int32(b.values.add(r.Value)) - 1
	}
}

func (b *builder) addOther(r *sim.Record, t int64) {
	switch r.Kind {
	case "timer":
		b.timers++
	case "drop":
		if a := b.arrow(r.ID); a != nil {
			b.setAt(a, t)
			a.drop = b.code(cmp.Or(r.Detail, "dropped"))
		}
	case "duplicate", "corrupt", "reorder", "held", "delay", "queue", "release":
		b.flag(r)
	case "fault":
		b.openFault(r.Detail, t)
	case "fault_end":
		b.closeSpan(spanKey{"fault", -1, -1, r.Detail}, t)
	case "upgrade", "join", "drain", "leave", "replace":
		b.membership(r, t)
	case "crash", "pause":
		b.openSpan(spanKey{r.Kind, r.Node, -1, ""}, t)
		b.faultEnds.down(r.Kind, r.Node, t)
	case "restart", "resume":
		kind := "crash"
		if r.Kind == "resume" {
			kind = "pause"
		}
		b.closeSpan(spanKey{kind, r.Node, -1, ""}, t)
		for _, k := range b.faultEnds.up(kind, r.Node) {
			b.closeSpan(k, t)
		}
	case "slow":
		b.closeSpan(spanKey{"slow", r.Node, -1, ""}, t)
		if r.Detail != "x1" {
			b.openSpan(spanKey{"slow", r.Node, -1, ""}, t)
			b.spans[len(b.spans)-1].Label = "slow " + r.Detail
		}
	case "partition":
		b.closeSpan(spanKey{"partition", -1, -1, ""}, t)
		b.openSpan(spanKey{"partition", -1, -1, ""}, t)
		b.spans[len(b.spans)-1].Label = r.Detail
	case "heal":
		b.closeSpan(spanKey{"partition", -1, -1, ""}, t)
	case "clog":
		b.closeSpan(spanKey{"clog", r.Node, r.Peer, ""}, t)
		b.openSpan(spanKey{"clog", r.Node, r.Peer, ""}, t)
		b.spans[len(b.spans)-1].Label = "clog " + r.Detail
	case "unclog":
		b.closeSpan(spanKey{"clog", r.Node, r.Peer, ""}, t)
	case "hold":
		b.openSpan(spanKey{"hold", r.Node, r.Peer, ""}, t)
	case "log":
		b.logs++
		if len(b.logList) < b.maxLogs {
			b.logList = append(b.logList, Mark{At: t, Node: r.Node, Text: r.Detail})
		}
	default: // clock changes, BUGGIFY sites, rules
		b.addMark(r, t)
	}
}

func (b *builder) addMark(r *sim.Record, t int64) {
	b.marks++
	if len(b.markList) < b.maxLogs {
		text := r.Kind
		if r.Detail != "" {
			text += " " + r.Detail
		}
		b.markList = append(b.markList, Mark{At: t, Node: r.Node, Kind: r.Kind, Text: text})
	}
}

// arrow returns the arrow an arrival or a drop of message id ends: the
// message's own if it has not ended yet, else a new duplicate copy.
func (b *builder) arrow(id uint64) *arrow {
	i, ok := b.index(id)
	if !ok {
		return nil // sent before the recorder was attached, or past its bound
	}
	a := b.msg(i)
	if a.dt == inFlight {
		return a
	}
	if b.n >= b.maxMsgs {
		b.dropped++
		return nil
	}
	c := b.push()
	*c = *a
	c.dt, c.drop, c.dup = inFlight, 0, true
	if c.id == farID {
		b.farIDs[c] = b.farIDs[a]
	}
	return c
}

func (b *builder) flag(r *sim.Record) {
	i, ok := b.index(r.ID)
	if !ok || r.ID == 0 {
		if r.Kind == "release" && r.ID == 0 { // a held link released
			b.closeSpan(spanKey{"hold", r.Node, r.Peer, ""}, int64(r.At))
		}
		return
	}
	a := b.msg(i)
	switch r.Kind {
	case "corrupt":
		a.corr = true
	case "reorder":
		a.late = b.code("reordered")
	case "delay":
		a.late = b.code("delayed " + r.Detail)
	case "held":
		a.late = b.code("held")
	case "queue":
		a.late = b.code("queued while the node was paused")
	}
}

// membership folds a node's upgrade, join, drain, leave or replace into
// spans on its own lane: the version it runs from an upgrade (or a join
// with a version) on, its drain, and its time out of the cluster. The
// record stays a mark too.
func (b *builder) membership(r *sim.Record, t int64) {
	n := r.Node
	switch r.Kind {
	case "upgrade":
		b.lastUpgrade = t
		b.versionSpan(n, r.Detail, t)
	case "join":
		if _, ok := b.open[spanKey{"left", n, -1, ""}]; !ok {
			// Not back from a leave: a spare, out of the cluster
			// from the start.
			b.openSpan(spanKey{"left", n, -1, ""}, 0)
		}
		b.closeSpan(spanKey{"left", n, -1, ""}, t)
		if r.Detail != "" {
			b.versionSpan(n, r.Detail, t)
		}
	case "drain":
		b.openSpan(spanKey{"drain", n, -1, ""}, t)
	case "leave":
		b.closeSpan(spanKey{"drain", n, -1, ""}, t)
		b.openSpan(spanKey{"left", n, -1, ""}, t)
	}
	b.addMark(r, t)
}

// versionSpan starts node n's span of running version v, ending the one
// before, unless n already runs v.
func (b *builder) versionSpan(n int32, v string, t int64) {
	k := spanKey{"version", n, -1, ""}
	if i, ok := b.open[k]; ok && b.spans[i].Label == v {
		return
	}
	b.closeSpan(k, t)
	b.openSpan(k, t)
	b.spans[len(b.spans)-1].Label = v
}

func (b *builder) openSpan(k spanKey, t int64) {
	if _, ok := b.open[k]; ok {
		return
	}
	if b.open == nil {
		b.open = map[spanKey]int{}
	}
	s := Span{Kind: k.kind, Node: k.node, Peer: k.peer, Start: t, End: -1, Label: k.label}
	if k.kind == "fault" {
		if topologyFault(k.label) {
			s.Kind = "topology"
		}
		b.faults = append(b.faults, s)
		b.open[k] = -1 - (len(b.faults) - 1)
		return
	}
	b.open[k] = len(b.spans)
	b.spans = append(b.spans, s)
}

func (b *builder) closeSpan(k spanKey, t int64) {
	i, ok := b.open[k]
	if !ok {
		return
	}
	delete(b.open, k)
	if i < 0 {
		b.faults[-1-i].End = t
	} else {
		b.spans[i].End = t
	}
}

// sample keeps at most max arrows: the run is cut into windows and each
// keeps arrows up to a quota, the largest that fits max: its drops,
// duplicates and delayed ones first, then the first others. There
// are at most max/minQuota sampling windows, so a quota is never below
// minQuota for lack of room. Counts always cover every arrow, in Buckets
// windows. The pass that counts them counts tr too, if not nil.
func sample(d *Data, all *builder, maxMsgs int, tr *traffic) []*arrow {
	const minQuota = 20
	d.Windowing.MessagesTotal = all.n
	if all.n <= maxMsgs {
		d.Counts = newCounts(d.SimTimeNs, Buckets)
		cw := newWindows(d.Counts.WidthNs, len(d.Counts.Sent))
		kept := make([]*arrow, 0, all.n)
		all.eachChunk(func(c []arrow) {
			for i := range c {
				d.Counts.addIn(cw.of(c[i].sent), c[i].drop != 0)
				kept = append(kept, &c[i])
				if tr != nil {
					tr.add(&c[i])
				}
			}
		})
		d.Windowing.MessagesKept = all.n
		return kept
	}
	// One pass counts the arrows per window, for the page (Buckets
	// windows) and for sampling (sc), and the unusual ones per sampling
	// window.
	d.Counts = newCounts(d.SimTimeNs, Buckets)
	sc := newCounts(d.SimTimeNs, max(1, min(Buckets, maxMsgs/minQuota)))
	cw, sw := newWindows(d.Counts.WidthNs, len(d.Counts.Sent)), newWindows(sc.WidthNs, len(sc.Sent))
	unusualIn := make([]int, len(sc.Sent))
	all.eachChunk(func(c []arrow) {
		for i := range c {
			a := &c[i]
			d.Counts.addIn(cw.of(a.sent), a.drop != 0)
			if tr != nil {
				tr.add(a)
			}
			w := sw.of(a.sent)
			sc.Sent[w]++
			if a.unusual() {
				unusualIn[w]++
			}
		}
	})
	lo, hi := 0, all.n // the largest q with sum(min(count, q)) <= maxMsgs
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
	// Each window keeps its unusual arrows first (drops, duplicates,
	// delays, corruption: what a failure is usually about), then its
	// first others: as many as the quota leaves after its unusual ones.
	// Unusual ones are listed first, as the page has always had them.
	keptUnusual, keptOther := make([]int, len(sc.Sent)), make([]int, len(sc.Sent))
	unusual, other := make([]*arrow, 0, maxMsgs), make([]*arrow, 0, maxMsgs)
	all.eachChunk(func(c []arrow) {
		for i := range c {
			a := &c[i]
			w := sw.of(a.sent)
			switch {
			case a.unusual():
				if keptUnusual[w] < lo {
					keptUnusual[w]++
					unusual = append(unusual, a)
				}
			case keptOther[w] < lo-min(unusualIn[w], lo):
				keptOther[w]++
				other = append(other, a)
			}
		}
	})
	kept := append(unusual, other...)
	d.Windowing.MessagesKept = len(kept)
	d.Windowing.QuotaPerWindow = lo
	d.Windowing.SampleWindowNs = sc.WidthNs
	return kept
}

// unusual: dropped, duplicated, delayed or corrupted.
func (a *arrow) unusual() bool { return a.drop != 0 || a.dup || a.late != 0 || a.corr }

// newCounts returns empty counts of n equal windows of [0, end].
func newCounts(end int64, n int) Counts {
	width := max(1, (end+int64(n)-1)/int64(n))
	n = int(min(int64(n), end/width+1))
	return Counts{WidthNs: width, Sent: make([]uint32, n), Dropped: make([]uint32, n)}
}

// add counts a message sent at sent and returns its window.
func (c *Counts) add(sent int64, dropped bool) int {
	i := min(len(c.Sent)-1, int(sent/c.WidthNs))
	c.addIn(i, dropped)
	return i
}

// addIn counts a message in window i.
func (c *Counts) addIn(i int, dropped bool) {
	c.Sent[i]++
	if dropped {
		c.Dropped[i]++
	}
}

// windows finds the window of a time, min(n-1, t/width) for t ≥ 0,
// without a division while times stay in the window of the last one:
// arrows come mostly in send order.
type windows struct {
	width  int64
	n, w   int
	lo, hi int64 // the last window: [lo, hi)
}

func newWindows(width int64, n int) windows { return windows{width: width, n: n, hi: -1} }

func (x *windows) of(t int64) int {
	if t >= x.lo && t < x.hi {
		return x.w
	}
	x.w = min(x.n-1, int(t/x.width))
	x.lo, x.hi = int64(x.w)*x.width, int64(x.w+1)*x.width
	if x.w == x.n-1 {
		x.hi = math.MaxInt64
	}
	return x.w
}

// countsOf counts msgs by send time in n equal windows of [0, end].
func countsOf(times func(f func(sent int64, dropped bool)), end int64, n int) Counts {
	c := newCounts(end, n)
	times(func(sent int64, dropped bool) { c.add(sent, dropped) })
	return c
}

// Title is the report's title line.
func (d *Data) Title() string {
	return fmt.Sprintf("%s seed %d: %s", d.Scenario, d.Seed, strings.ToUpper(d.Status))
}
