package htmlreport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/golden"
	"github.com/faultline/faultline/sim"
)

func dataJSON(t testing.TB, d *Data) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(d); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The report's data for two real runs, compared with golden files
// (rewrite them with -faultline.update and read the diff). kv's planted
// bug with a small message bound covers faults, crashes, partitions,
// drops, duplicates and sampling.
func TestBuildGolden(t *testing.T) {
	for _, tc := range []struct {
		file     string
		scenario string
		seed     uint64
		set      map[string]string
		opts     Options
	}{
		{"testdata/pingpong-seed7.json", "pingpong", 7, map[string]string{"hops": "3", "latency": "uniform:1ms-3ms", "loss": "0.1"}, Options{}},
		{"testdata/kv-buggy-seed1.json", "kv", 1, map[string]string{"mode": "buggy", "duration": "400ms"}, Options{MaxMessages: 120}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			res, rec := runScenario(t, tc.scenario, tc.seed, tc.set, "")
			golden.Compare(t, tc.file, dataJSON(t, Build(res, rec, tc.opts)), "report data of "+res.Replay)
		})
	}
}

// Records fold into arrows and spans as the trace says: a duplicate is a
// second arrow, a drop ends its arrow, spans close at their end record or
// at the end of the run.
func TestBuildRecords(t *testing.T) {
	rec := &Recorder{EagerPayloads: 1} // the second payload is rendered by Build
	for _, r := range []sim.Record{
		{At: 0, Kind: "send", Node: 0, Peer: 1, ID: 1, Payload: "put x->1"},
		{At: 0, Kind: "duplicate", Node: 0, Peer: 1, ID: 1},
		{At: 1, Kind: "send", Node: 1, Peer: 2, ID: 2, Value: named{1, 2}},
		{At: 1, Kind: "drop", Node: 1, Peer: 2, ID: 2, Detail: "loss"},
		{At: 2, Kind: "fault", Node: -1, Peer: -1, Detail: "at 2ns crash n3 for 5ns"},
		{At: 2, Kind: "crash", Node: 2, Peer: -1},
		{At: 3, Kind: "deliver", Node: 1, Peer: 0, ID: 1},
		{At: 4, Kind: "deliver", Node: 1, Peer: 0, ID: 1},
		{At: 4, Kind: "partition", Node: -1, Peer: -1, Detail: "n1 | n2 n3"},
		{At: 5, Kind: "log", Node: 1, Peer: -1, Detail: "became leader"},
		{At: 5, Kind: "timer", Node: 1, Peer: -1, ID: 3},
		{At: 6, Kind: "send", Node: 2, Peer: 0, ID: 3},
		{At: 6, Kind: "reorder", Node: 2, Peer: 0, ID: 3},
		{At: 7, Kind: "fault_end", Node: -1, Peer: -1, Detail: "at 2ns crash n3 for 5ns"},
		{At: 7, Kind: "restart", Node: 2, Peer: -1},
		{At: 8, Kind: "clock_jump", Node: 0, Peer: -1, Detail: "1ms"},
	} {
		rec.Record(&r)
	}
	d := Build(&scenarios.Result{Scenario: "t", SimTimeNs: 10, Status: scenarios.StatusOK}, rec, Options{})
	got := fmt.Sprintf("%+v", d.Messages)
	want := "[{ID:1 From:0 To:1 Sent:0 At:3 Drop: Dup:false Late: Corrupt:false Payload:put x->1} " +
		"{ID:1 From:0 To:1 Sent:0 At:4 Drop: Dup:true Late: Corrupt:false Payload:put x->1} " +
		"{ID:2 From:1 To:2 Sent:1 At:1 Drop:loss Dup:false Late: Corrupt:false Payload:{A:1 B:2}} " +
		"{ID:3 From:2 To:0 Sent:6 At:-1 Drop: Dup:false Late:reordered Corrupt:false Payload:}]"
	if got != want {
		t.Errorf("messages\n got %s\nwant %s", got, want)
	}
	if got, want := fmt.Sprintf("%+v", d.Faults), "[{Kind:fault Node:-1 Peer:-1 Start:2 End:7 Label:at 2ns crash n3 for 5ns}]"; got != want {
		t.Errorf("faults %s, want %s", got, want)
	}
	if got, want := fmt.Sprintf("%+v", d.Spans), "[{Kind:crash Node:2 Peer:-1 Start:2 End:7 Label:} {Kind:partition Node:-1 Peer:-1 Start:4 End:10 Label:n1 | n2 n3}]"; got != want {
		t.Errorf("spans %s, want %s", got, want)
	}
	if len(d.Logs) != 1 || d.Logs[0].Text != "became leader" || len(d.Marks) != 1 || d.Marks[0].Text != "clock_jump 1ms" {
		t.Errorf("logs %+v, marks %+v", d.Logs, d.Marks)
	}
	if d.Windowing.Timers != 1 || len(d.Nodes) != 3 || d.Nodes[2] != "n3" {
		t.Errorf("timers %d, nodes %v", d.Windowing.Timers, d.Nodes)
	}
}

// Sampling keeps at most MaxMessages arrows, each window a prefix of its
// own in send order, the same quota for every window that had more; and
// the counts still cover every message.
func TestSampleProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		end := rapid.Int64Range(1, 1e9).Draw(t, "end")
		n := rapid.IntRange(0, 3000).Draw(t, "messages")
		maxMsgs := rapid.IntRange(1, 2000).Draw(t, "max")
		sends := make([]int64, n)
		for i := range sends {
			sends[i] = rapid.Int64Range(0, end).Draw(t, "sent")
		}
		rec := &Recorder{}
		for i, s := range sortedCopy(sends) {
			rec.Record(&sim.Record{At: sim.Time(s), Kind: "send", Node: 0, Peer: 1, ID: uint64(i + 1)})
		}
		d := Build(&scenarios.Result{SimTimeNs: end}, rec, Options{MaxMessages: maxMsgs})
		if len(d.Messages) > maxMsgs || d.Windowing.MessagesTotal != n || d.Windowing.MessagesKept != len(d.Messages) {
			t.Fatalf("kept %d of %d with max %d (windowing %+v)", len(d.Messages), n, maxMsgs, d.Windowing)
		}
		total := 0
		for _, c := range d.Counts.Sent {
			total += int(c)
		}
		if total != n {
			t.Fatalf("counts sum to %d, want %d", total, n)
		}
		q := d.Windowing.QuotaPerWindow
		if n <= maxMsgs && (q != 0 || len(d.Messages) != n) {
			t.Fatalf("%d messages under the bound %d: kept %d, quota %d", n, maxMsgs, len(d.Messages), q)
		}
		if n <= maxMsgs {
			return
		}
		windows := max(1, min(Buckets, maxMsgs/20)) // as sample cuts them
		sc := countsOf(timesOf(d.Messages), end, windows)
		all := make([]Message, n)
		for i, s := range sortedCopy(sends) {
			all[i].Sent = s
		}
		full := countsOf(timesOf(all), end, windows)
		if full.WidthNs != d.Windowing.SampleWindowNs {
			t.Fatalf("window width %d, sampling used %d", full.WidthNs, d.Windowing.SampleWindowNs)
		}
		room := 0
		for i := range full.Sent {
			if got, want := int(sc.Sent[i]), min(int(full.Sent[i]), q); got != want {
				t.Fatalf("window %d kept %d of %d, want min(count, quota %d)", i, got, full.Sent[i], q)
			}
			room += min(int(full.Sent[i]), q+1)
		}
		if q < 1 || room <= maxMsgs {
			t.Fatalf("quota %d is not the largest that fits %d", q, maxMsgs)
		}
	})
}

func timesOf(msgs []Message) func(f func(int64, bool)) {
	return func(f func(int64, bool)) {
		for _, m := range msgs {
			f(m.Sent, m.Drop != "")
		}
	}
}

func sortedCopy(s []int64) []int64 {
	c := append([]int64(nil), s...)
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && c[j] < c[j-1]; j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
	return c
}

// The same run gives the same file, and recording it does not change the
// run: the trace hash is the one of a run without a sink.
func TestReportDeterministic(t *testing.T) {
	set := map[string]string{"mode": "buggy", "duration": "300ms"}
	var files [2][]byte
	for i := range files {
		res, rec := runScenario(t, "kv", 4, set, "")
		var buf bytes.Buffer
		if err := Write(&buf, Build(res, rec, Options{})); err != nil {
			t.Fatal(err)
		}
		files[i] = buf.Bytes()
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("two reports of one seed differ")
	}
	res, _ := runScenario(t, "kv", 4, set, "")
	plain := runPlain(t, "kv", 4, set)
	if res.TraceHash != plain.TraceHash {
		t.Fatalf("recording changed the trace hash: %s with the recorder, %s without", res.TraceHash, plain.TraceHash)
	}
	// The SVG namespace is a name, not a request; nothing else may point
	// at the network.
	page := bytes.ReplaceAll(files[0], []byte("http://www.w3.org/2000/svg"), nil)
	for _, bad := range []string{"http:", "https:", "<link ", "src=", "fetch(", "XMLHttpRequest", "import("} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("the report contains %q: it must load nothing", bad)
		}
	}
}

type named struct{ A, B int }

// Sampling keeps a busy window's drops before its plain arrows.
func TestSampleKeepsDropsFirst(t *testing.T) {
	rec := &Recorder{}
	for i := range 1000 {
		id := uint64(i + 1)
		rec.Record(&sim.Record{At: sim.Time(i), Kind: "send", Node: 0, Peer: 1, ID: id})
		if i >= 990 {
			rec.Record(&sim.Record{At: sim.Time(i), Kind: "drop", Node: 0, Peer: 1, ID: id, Detail: "loss"})
		} else {
			rec.Record(&sim.Record{At: sim.Time(i + 1), Kind: "deliver", Node: 1, Peer: 0, ID: id})
		}
	}
	d := Build(&scenarios.Result{SimTimeNs: 1000}, rec, Options{MaxMessages: 20})
	drops := 0
	for _, m := range d.Messages {
		if m.Drop != "" {
			drops++
		}
	}
	if len(d.Messages) != 20 || drops != 10 {
		t.Fatalf("kept %d arrows with %d drops, want 20 with all 10 drops", len(d.Messages), drops)
	}
}

// A join, leave, replace or upgrade shows on the lanes of the nodes it
// targets (the version a node runs, its drain, its time out of the
// cluster), and its fault is a "topology" span, not a fault shading every
// lane: an upgrade's lasts until its last node restarted, a join's is an
// instant.
func TestBuildMembership(t *testing.T) {
	rec := &Recorder{}
	for _, r := range []sim.Record{
		{At: 1, Kind: "fault", Node: -1, Peer: -1, Detail: "at 1ns upgrade * to v2 every 2ns"},
		{At: 1, Kind: "upgrade", Node: 0, Peer: -1, Detail: "v2"},
		{At: 2, Kind: "fault", Node: -1, Peer: -1, Detail: "at 2ns leave n3 drain 1ns"},
		{At: 2, Kind: "drain", Node: 2, Peer: -1, Detail: "1ns"},
		{At: 3, Kind: "upgrade", Node: 1, Peer: -1, Detail: "v2"},
		{At: 3, Kind: "leave", Node: 2, Peer: -1},
		{At: 4, Kind: "fault", Node: -1, Peer: -1, Detail: "at 4ns crash n2 for 1ns"},
		{At: 5, Kind: "fault_end", Node: -1, Peer: -1, Detail: "at 4ns crash n2 for 1ns"},
		{At: 6, Kind: "fault", Node: -1, Peer: -1, Detail: "at 6ns join n3 as v3"},
		{At: 6, Kind: "join", Node: 2, Peer: -1, Detail: "v3"},
		{At: 7, Kind: "upgrade", Node: 1, Peer: -1, Detail: "v2"}, // already on v2: one span
	} {
		rec.Record(&r)
	}
	d := Build(&scenarios.Result{Scenario: "t", SimTimeNs: 10, Status: scenarios.StatusOK}, rec, Options{})
	got := ""
	for _, s := range append(d.Faults, d.Spans...) {
		got += fmt.Sprintf("%s %d %d-%d %s\n", s.Kind, s.Node, s.Start, s.End, s.Label)
	}
	want := "topology -1 1-7 at 1ns upgrade * to v2 every 2ns\n" +
		"topology -1 2-2 at 2ns leave n3 drain 1ns\n" +
		"fault -1 4-5 at 4ns crash n2 for 1ns\n" +
		"topology -1 6-6 at 6ns join n3 as v3\n" +
		"version 0 1-10 v2\n" +
		"drain 2 2-3 \n" +
		"version 1 3-10 v2\n" +
		"left 2 3-6 \n" +
		"version 2 6-10 v3\n"
	if got != want {
		t.Errorf("spans:\n%s\nwant:\n%s", got, want)
	}
	if len(d.Marks) != 6 {
		t.Errorf("%d marks, want the 6 membership records kept as marks too", len(d.Marks))
	}
}

// windows gives min(n-1, t/width) for any order of times.
func TestWindows(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		width, n := rapid.Int64Range(1, 1000).Draw(t, "width"), rapid.IntRange(1, 50).Draw(t, "n")
		x := newWindows(width, n)
		for _, v := range rapid.SliceOf(rapid.Int64Range(0, 100_000)).Draw(t, "times") {
			if got, want := x.of(v), min(n-1, int(v/width)); got != want {
				t.Fatalf("window of %d: %d, want %d", v, got, want)
			}
		}
	})
}

// A payload that could change after its send (it holds a pointer, a
// slice, a map or an interface) is rendered as sent; one that cannot is
// kept as a value and rendered by Build, with the same text.
func TestPayloadsRenderedAsSent(t *testing.T) {
	type ptr struct{ X *int }
	type frozenMsg struct {
		A [2]int
		S string
		N named
	}
	for _, tc := range []struct {
		v    any
		want bool
	}{
		{1, true}, {"x", true}, {named{1, 2}, true}, {frozenMsg{}, true}, {[3]float64{}, true},
		{&named{}, false}, {[]int{1}, false}, {map[string]int{}, false}, {ptr{}, false}, {struct{ E error }{}, false}, {[1][]int{}, false},
	} {
		var f frozenTypes
		if got := f.frozen(tc.v); got != tc.want {
			t.Errorf("frozen(%T) = %v, want %v", tc.v, got, tc.want)
		}
	}
	x := 1
	s := []int{1}
	rec := &Recorder{}
	for _, r := range []sim.Record{
		{At: 0, Kind: "send", Node: 0, Peer: 1, ID: 1, Value: ptr{&x}},
		{At: 0, Kind: "send", Node: 0, Peer: 1, ID: 2, Value: s},
		{At: 0, Kind: "send", Node: 0, Peer: 1, ID: 3, Value: frozenMsg{A: [2]int{1, 2}, S: "s", N: named{3, 4}}},
	} {
		rec.Record(&r)
	}
	x, s[0] = 2, 2 // changed after the send
	d := Build(&scenarios.Result{Scenario: "t", SimTimeNs: 10, Status: scenarios.StatusOK}, rec, Options{})
	want := []string{"{X:&1}", "[1]", "{A:[1 2] S:s N:{A:3 B:4}}"}
	for i, m := range d.Messages {
		if m.Payload != want[i] {
			t.Errorf("payload %d = %q, want %q", i, m.Payload, want[i])
		}
	}
	if rec.b.texts.n != 2 || rec.b.values.n != 1 {
		t.Errorf("%d rendered at the send, %d kept as values; want 2 and 1", rec.b.texts.n, rec.b.values.n)
	}
}

// A pointer to a value that cannot change, of a type without methods, is
// copied at the send (within EagerPayloads) and rendered by Build as it
// was sent: the same text RenderPayload gave then, whatever changes
// later. A pointer whose type has methods is rendered at the send.
func TestPointerPayloadsCopiedAsSent(t *testing.T) {
	type call struct {
		ID       uint64
		Deadline sim.Time
		Name     string
		hidden   [2]int
	}
	type pair struct{ A, B *int }
	var f frozenTypes
	for _, tc := range []struct {
		v    any
		want payloadKind
	}{
		{&call{}, copyablePayload}, {(*call)(nil), copyablePayload}, {new(int), copyablePayload}, {&[2]named{}, copyablePayload},
		{&stringer{}, mutablePayload}, {&pair{}, mutablePayload}, {new(*int), mutablePayload}, {&[]int{}, mutablePayload},
		{call{}, frozenPayload},
	} {
		if got := f.kindOf(tc.v); got != tc.want {
			t.Errorf("kindOf(%T) = %d, want %d", tc.v, got, tc.want)
		}
	}
	c1 := &call{ID: 1, Deadline: sim.Time(1500 * time.Millisecond), Name: "a", hidden: [2]int{1, 2}}
	n := 7
	st := &stringer{1}
	payloads := []any{c1, (*call)(nil), &n, st}
	var want []string
	rec := &Recorder{}
	for i, v := range payloads {
		want = append(want, sim.RenderPayload(v))
		rec.Record(&sim.Record{At: sim.Time(i), Kind: "send", Node: 0, Peer: 1, ID: uint64(i + 1), Value: v})
	}
	*c1 = call{ID: 2, Name: "changed", hidden: [2]int{3, 4}} // changed after the send
	n, st.N = 8, 2
	d := Build(&scenarios.Result{Scenario: "t", SimTimeNs: 10, Status: scenarios.StatusOK}, rec, Options{})
	for i, m := range d.Messages {
		if m.Payload != want[i] {
			t.Errorf("payload %d = %q, want %q as sent", i, m.Payload, want[i])
		}
	}
	if rec.b.texts.n != 1 || rec.b.values.n != 3 {
		t.Errorf("%d rendered at the send, %d copied; want 1 and 3", rec.b.texts.n, rec.b.values.n)
	}
}

type stringer struct{ N int }

func (s *stringer) String() string { return fmt.Sprintf("s%d", s.N) }

// Arrows keep ids and arrival times as 32-bit offsets; values that do not
// fit (an id below the first or far above it, an arrival more than 4.29 s
// after its send) are kept aside and read back exact, duplicates included.
func TestArrowFarValues(t *testing.T) {
	const late = int64(10e9) // 10 s: past 32 bits of nanoseconds
	rec := &Recorder{}
	for _, r := range []sim.Record{
		{At: 0, Kind: "send", Node: 0, Peer: 1, ID: 100},
		{At: 0, Kind: "send", Node: 0, Peer: 1, ID: 7},           // below the first id
		{At: 0, Kind: "send", Node: 1, Peer: 0, ID: 100 + 1<<40}, // far above it
		{At: 1, Kind: "deliver", Node: 1, Peer: 0, ID: 100},
		{At: sim.Time(late), Kind: "deliver", Node: 1, Peer: 0, ID: 7},
		{At: sim.Time(late), Kind: "deliver", Node: 0, Peer: 1, ID: 100 + 1<<40},
		{At: sim.Time(late + 1), Kind: "deliver", Node: 0, Peer: 1, ID: 100 + 1<<40},    // a duplicate
		{At: sim.Time(late + 2), Kind: "drop", Node: 0, Peer: 1, ID: 7, Detail: "loss"}, // a duplicate, dropped
	} {
		rec.Record(&r)
	}
	d := Build(&scenarios.Result{Scenario: "t", SimTimeNs: late + 3, Status: scenarios.StatusOK}, rec, Options{})
	var got []string
	for _, m := range d.Messages {
		got = append(got, fmt.Sprintf("%d %d→%d %d %d %s dup=%v", m.ID, m.From, m.To, m.Sent, m.At, m.Drop, m.Dup))
	}
	want := []string{
		"7 0→1 0 10000000000  dup=false",
		"7 0→1 0 10000000002 loss dup=true",
		"100 0→1 0 1  dup=false",
		"1099511627876 1→0 0 10000000000  dup=false",
		"1099511627876 1→0 0 10000000001  dup=true",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("messages\n got %q\nwant %q", got, want)
	}
	series := rec.TrafficSeries(sim.Time(late + 3))
	var delivered, dropped float64
	for _, p := range series[SeriesDelivered] {
		delivered += p.V
	}
	for _, p := range series[SeriesDropped] {
		dropped += p.V
	}
	if delivered == 0 || dropped == 0 || series[SeriesDelivered][len(series[SeriesDelivered])-1].V == 0 {
		t.Errorf("traffic: delivered %v, dropped %v, last window %v", delivered, dropped, series[SeriesDelivered])
	}
}

// A payload holding "</script>" cannot end the data element early: '<' is
// escaped in the packed messages, and the data still reads back.
func TestWriteEscapesMessages(t *testing.T) {
	rec := &Recorder{}
	for _, r := range []sim.Record{
		{At: 0, Kind: "send", Node: 0, Peer: 1, ID: 1, Payload: "a</script><b>"},
		{At: 1, Kind: "deliver", Node: 1, Peer: 0, ID: 1},
		{At: 1, Kind: "send", Node: 1, Peer: 0, ID: 2, Payload: "plain"},
	} {
		rec.Record(&r)
	}
	var buf bytes.Buffer
	if err := Write(&buf, Build(&scenarios.Result{Scenario: "t", SimTimeNs: 2, Status: scenarios.StatusOK}, rec, Options{})); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	start := strings.Index(page, `id="data">`) + len(`id="data">`)
	end := start + strings.Index(page[start:], "</script>")
	var d struct {
		Msgs [][]any `json:"msgs"`
	}
	if err := json.Unmarshal([]byte(page[start:end]), &d); err != nil {
		t.Fatalf("data element: %v", err)
	}
	if len(d.Msgs) != 2 || d.Msgs[0][8] != "a</script><b>" || d.Msgs[1][8] != "plain" || d.Msgs[0][4] != 1.0 || d.Msgs[1][4] != -1.0 {
		t.Errorf("msgs %v", d.Msgs)
	}
}

// Faults without an end of their own end where their effect does: a
// crash when its last node restarts, a pause when its nodes resume, a
// partition or a link fault at a heal; a heal, a restart and a jump are
// instants; a drift lasts to the end. A spare that joins is out of the
// cluster from the start until its join; a node back from a leave only
// since its leave.
func TestFaultEndsAndSpares(t *testing.T) {
	s := func(x float64) sim.Time { return sim.Time(x * 1e9) }
	recs := []sim.Record{
		{At: s(1), Kind: "fault", Detail: "at 1s crash n2"},
		{At: s(1), Kind: "crash", Node: 1},
		{At: s(1.5), Kind: "fault", Detail: "at 1.5s crash n4,n5"},
		{At: s(1.5), Kind: "crash", Node: 3},
		{At: s(1.5), Kind: "crash", Node: 4},
		{At: s(2), Kind: "fault", Detail: "at 2s partition n1 | n2,n3"},
		{At: s(2), Kind: "partition", Detail: "n1 | n2,n3"},
		{At: s(2), Kind: "leave", Node: 6},
		{At: s(2.5), Kind: "fault", Detail: "at 2.5s restart n4"},
		{At: s(2.5), Kind: "restart", Node: 3},
		{At: s(3), Kind: "fault", Detail: "at 3s restart n2,n5"},
		{At: s(3), Kind: "restart", Node: 1},
		{At: s(3.5), Kind: "restart", Node: 4},
		{At: s(4), Kind: "fault", Detail: "at 4s loss * 0.2"},
		{At: s(4), Kind: "join", Node: 6},
		{At: s(5), Kind: "fault", Detail: "at 5s heal"},
		{At: s(5), Kind: "heal"},
		{At: s(6), Kind: "fault", Detail: "at 6s pause n3 for 1s"},
		{At: s(6), Kind: "pause", Node: 2},
		{At: s(6), Kind: "fault", Detail: "at 6s drift n3 +200ppm"},
		{At: s(6.5), Kind: "fault", Detail: "at 6.5s jump n1 -1s"},
		{At: s(7), Kind: "resume", Node: 2},
		{At: s(8), Kind: "fault", Detail: "at 8s join n6"},
		{At: s(8), Kind: "join", Node: 5},
	}
	rec := &Recorder{}
	for i := range recs {
		if recs[i].Kind != "fault" {
			recs[i].Peer = -1
		} else {
			recs[i].Node, recs[i].Peer = -1, -1
		}
		rec.Record(&recs[i])
	}
	d := Build(&scenarios.Result{Scenario: "t", SimTimeNs: int64(s(10)), Status: scenarios.StatusOK}, rec, Options{})
	want := map[string][2]float64{
		"at 1s crash n2":             {1, 3},
		"at 1.5s crash n4,n5":        {1.5, 3.5},
		"at 2s partition n1 | n2,n3": {2, 5},
		"at 2.5s restart n4":         {2.5, 2.5},
		"at 3s restart n2,n5":        {3, 3},
		"at 4s loss * 0.2":           {4, 5},
		"at 5s heal":                 {5, 5},
		"at 6s pause n3 for 1s":      {6, 7},
		"at 6s drift n3 +200ppm":     {6, 10},
		"at 6.5s jump n1 -1s":        {6.5, 6.5},
		"at 8s join n6":              {8, 8},
	}
	if len(d.Faults) != len(want) {
		t.Errorf("%d faults, want %d", len(d.Faults), len(want))
	}
	for _, f := range d.Faults {
		w, ok := want[f.Label]
		if got := [2]float64{float64(f.Start) / 1e9, float64(f.End) / 1e9}; !ok || got != w {
			t.Errorf("fault %q spans %v, want %v", f.Label, got, w)
		}
	}
	var left [][3]float64
	for _, sp := range d.Spans {
		if sp.Kind == "left" {
			left = append(left, [3]float64{float64(sp.Node), float64(sp.Start) / 1e9, float64(sp.End) / 1e9})
		}
	}
	if wantLeft := [][3]float64{{5, 0, 8}, {6, 2, 4}}; !slices.Equal(left, wantLeft) {
		t.Errorf("out of the cluster: %v, want %v (node, from, to)", left, wantLeft)
	}
}

// TestIndexAsMap: a send's arrow is found by its id whether it sits at
// its id's offset (not in the index) or not (after a duplicate copy, a
// gap in the ids, an id sent again or one below the first), as a map
// from id to the arrow of its latest send would find it.
func TestIndexAsMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var b builder
		b.maxMsgs, b.maxLogs, b.maxNode, b.eager = 1000, 10, -1, 10
		latest := map[uint64]int{} // id → index of its latest send's arrow
		var sent []uint64
		next := rapid.Uint64Range(0, 1<<25).Draw(t, "first")
		for i, n := 0, rapid.IntRange(1, 200).Draw(t, "records"); i < n; i++ {
			switch op := rapid.IntRange(0, 9).Draw(t, "op"); {
			case op < 6 || len(sent) == 0:
				id := next
				switch rapid.IntRange(0, 9).Draw(t, "id") {
				case 0: // a gap
					id += rapid.Uint64Range(1, 3).Draw(t, "gap")
				case 1: // sent again
					if len(sent) > 0 {
						id = rapid.SampledFrom(sent).Draw(t, "again")
					}
				case 2: // below the first
					id = rapid.Uint64Range(0, sent0(sent, next)).Draw(t, "low")
				}
				next = max(next, id+1)
				latest[id] = b.n
				sent = append(sent, id)
				b.add(&sim.Record{Kind: "send", ID: id})
			default: // an arrival: a duplicate copy if its arrow has one already
				b.add(&sim.Record{Kind: "deliver", ID: rapid.SampledFrom(sent).Draw(t, "deliver")})
			}
		}
		for id, want := range latest {
			if got, ok := b.index(id); !ok || got != want {
				t.Fatalf("index(%d) = %d, %v; want %d", id, got, ok, want)
			}
		}
		for _, id := range []uint64{next, next + 1<<20} {
			if i, ok := b.index(id); ok {
				t.Fatalf("index(%d) = %d for an id never sent", id, i)
			}
		}
	})
}

func sent0(sent []uint64, next uint64) uint64 {
	if len(sent) == 0 {
		return next
	}
	return sent[0]
}

// TestMessagesShareRenderedText: payloads rendered into shared strings
// (flushed every 32 KB or so) read as RenderPayload renders each alone,
// long ones cut included.
func TestMessagesShareRenderedText(t *testing.T) {
	type body struct {
		N    int
		Text string
	}
	rec := &Recorder{}
	var want []string
	for i := range 3000 {
		v := body{N: i, Text: strings.Repeat("x", i%700)}
		want = append(want, sim.RenderPayload(v))
		rec.Record(&sim.Record{At: sim.Time(i), Kind: "send", ID: uint64(i + 1), Value: v})
	}
	d := Build(&scenarios.Result{Scenario: "t", SimTimeNs: 3000, Status: scenarios.StatusOK}, rec, Options{})
	if len(d.Messages) != len(want) {
		t.Fatalf("%d messages, want %d", len(d.Messages), len(want))
	}
	for i, m := range d.Messages {
		if m.Payload != want[i] {
			t.Fatalf("message %d: payload %q, want %q", i, m.Payload, want[i])
		}
	}
}
