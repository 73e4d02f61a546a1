package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/scenarios/outfile"
	"github.com/faultline/faultline/sim"
)

// StatusNondeterministic: the run was executed twice (Options
// CheckDeterminism) and the two executions parted. The result is the
// first execution's, with the divergence in Error and Notes.
const StatusNondeterministic = "nondeterministic"

// maxKeptRecords bounds the trace records a determinism check keeps per
// execution. Past it, only running hashes are compared, so a divergence
// is still found but the records at it are not shown.
const maxKeptRecords = 1 << 20

// Divergence is where two executions of one seed part.
type Divergence struct {
	Seed uint64
	// HashA and HashB are the two executions' trace hashes.
	HashA, HashB string
	// Record is the index of the first trace record whose running hash
	// differs; -1 when every record agrees and the executions part in
	// events that write no record, after the last one.
	Record int
	// A and B describe that record in each execution ("" where the
	// execution had ended, or the record was past the kept ones).
	A, B string
	// TraceA and TraceB are the files both traces were written to, if
	// they could be.
	TraceA, TraceB string
}

func (d *Divergence) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "nondeterminism: seed %d gave trace hash %s, then %s on the same inputs", d.Seed, d.HashA, d.HashB)
	switch {
	case d.Record < 0:
		b.WriteString("; every trace record agrees, so the runs part in events that write no record, after the last one")
	default:
		fmt.Fprintf(&b, "; they part at trace record %d: first run: %s; second run: %s", d.Record, orEnded(d.A), orEnded(d.B))
	}
	return b.String()
}

func orEnded(s string) string {
	if s == "" {
		return "(no such record)"
	}
	return s
}

// keptRecord is a trace record with the world's running hash after it.
type keptRecord struct {
	rec    sim.Record
	hash   uint64
	events uint64
}

// recorder keeps a run's trace records and passes them on to the
// caller's sink, if any.
type recorder struct {
	w      *sim.World
	next   sim.Sink
	kept   []keptRecord
	hashes []uint64 // running hash after every record, kept or not
}

func (r *recorder) bind(w *sim.World) { r.w = w }

func (r *recorder) Record(rec *sim.Record) {
	h := r.w.TraceHash()
	r.hashes = append(r.hashes, h)
	if len(r.kept) < maxKeptRecords {
		r.kept = append(r.kept, keptRecord{rec: *rec, hash: h, events: r.w.Events()})
	}
	if r.next != nil {
		r.next.Record(rec)
	}
}

// worldBinder is a sink that wants the world it records, for the world's
// running hash and event count.
type worldBinder interface{ bind(*sim.World) }

// checkDeterminism executes the run twice, each with a recorder, and
// compares their trace hashes. The caller's sink sees the first
// execution only.
func checkDeterminism(s *Scenario, v Values, seed uint64, opts Options) *Result {
	opts.CheckDeterminism = false
	user := opts.Sink
	a := &recorder{next: user}
	opts.Sink = a
	first := Execute(s, v, seed, opts)
	b := &recorder{}
	opts.Sink = b
	second := Execute(s, v, seed, opts)
	if first.TraceHash == second.TraceHash && first.Status == second.Status {
		first.Notes = append(first.Notes, "determinism: checked, the run executed twice with the same trace hash")
		return first
	}
	d := divergence(seed, first, second, a, b)
	d.TraceA, d.TraceB = writeDivergentTraces(s, seed, opts.ArtifactDir, a, b)
	first.Status = StatusNondeterministic
	first.Error = d.String()
	first.Replay += " --check-determinism"
	if d.TraceA != "" {
		first.Notes = append(first.Notes, "determinism: traces of both runs: "+d.TraceA+" "+d.TraceB)
	}
	return first
}

func divergence(seed uint64, first, second *Result, a, b *recorder) *Divergence {
	d := &Divergence{Seed: seed, HashA: first.TraceHash, HashB: second.TraceHash, Record: -1}
	n := min(len(a.hashes), len(b.hashes))
	for i := range n {
		if a.hashes[i] != b.hashes[i] {
			d.Record = i
			break
		}
	}
	if d.Record < 0 && len(a.hashes) != len(b.hashes) {
		d.Record = n
	}
	if d.Record >= 0 {
		d.A, d.B = describeKept(a, d.Record), describeKept(b, d.Record)
	}
	return d
}

func describeKept(r *recorder, i int) string {
	if i >= len(r.kept) {
		return ""
	}
	k := r.kept[i]
	s := fmt.Sprintf("at %v after event %d: %s %s", k.rec.At, k.events, k.rec.Kind, nodeName(k.rec.Node))
	if k.rec.Peer >= 0 && k.rec.Peer != k.rec.Node {
		s += "->" + nodeName(k.rec.Peer)
	}
	if k.rec.ID != 0 {
		s += fmt.Sprintf(" id %d", k.rec.ID)
	}
	if k.rec.Detail != "" {
		s += " " + k.rec.Detail
	}
	return s
}

func nodeName(n int32) string {
	if n < 0 {
		return "world"
	}
	return network.Name(network.NodeID(n))
}

// writeDivergentTraces writes the kept records of both executions as JSON
// Lines into dir (the artifact directory, or a directory under the OS's
// temporary one) and returns their paths, or "" where it could not.
func writeDivergentTraces(s *Scenario, seed uint64, dir string, a, b *recorder) (string, string) {
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "faultline-nondeterminism")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", ""
	}
	write := func(r *recorder, run int) string {
		path := filepath.Join(dir, fmt.Sprintf("%s-seed%d-run%d.jsonl", s.Name, seed, run))
		f, err := outfile.Create(path)
		if err != nil {
			return ""
		}
		defer f.Abort()
		sink := sim.NewJSONLSink(f)
		for i := range r.kept {
			sink.Record(&r.kept[i].rec)
		}
		if sink.Flush() != nil || f.Commit() != nil {
			return ""
		}
		return path
	}
	pa := write(a, 1)
	pb := write(b, 2)
	if pa == "" || pb == "" {
		return "", ""
	}
	return pa, pb
}
