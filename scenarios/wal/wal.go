package wal

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/faults"
	"github.com/faultline/faultline/nodes/storage"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// The modes.
const (
	modeCorrect   = "correct"
	modeBuggy     = "buggy"      // acknowledges a put before its sync
	modeUnchecked = "nochecksum" // trusts records without their checksum
)

// Scenario is the wal scenario.
var Scenario = &scenarios.Scenario{
	Name:    "wal",
	Summary: "a log-structured store on a disk that loses unsynced writes, tears, flips bits and lies",
	Description: "A key-value store (n1) appends each put as a checksummed record to a log on its " +
		"disk, syncs in groups, and acknowledges a put once its sync completed and its record " +
		"reads back intact; a get reads the value from the log; a restart rebuilds the index by " +
		"scanning the log. Clients (n2...) write new versions of their own keys and read them " +
		"back. The checks: every acknowledged put survives a final restart and every read is " +
		"at least as new as the last acknowledged put (durability); every value read or " +
		"recovered is one a client wrote (integrity). mode=buggy acknowledges a put before " +
		"its sync; mode=nochecksum trusts a record without checking its checksum. The default " +
		"schedule crashes the store and injects storage faults on its disk; faults=none turns " +
		"it off, --faults FILE or nemesis=true (with nemesis.kinds=storage) replace it.",
	Params: []scenarios.Param{
		{Name: "mode", Default: modeCorrect, Kind: scenarios.String, Choices: []string{modeCorrect, modeBuggy, modeUnchecked},
			Help: "correct: acknowledge after sync and read-back, check every checksum; buggy: acknowledge before sync; nochecksum: trust records without their checksum"},
		{Name: "clients", Default: "3", Kind: scenarios.Int, Min: 1, Max: 16, Help: "number of clients", Workload: true},
		{Name: "keys", Default: "4", Kind: scenarios.Int, Min: 1, Max: 1000, Help: "keys per client", Workload: true},
		{Name: "duration", Default: "2s", Kind: scenarios.Duration, Help: "how long clients issue requests; faults happen in this window",
			Validate: scenarios.PositiveDuration},
		{Name: "quiet", Default: "1s", Kind: scenarios.Duration, Help: "fault-free time at the end before the final restart"},
		scenarios.LatencyParam("uniform:1ms-3ms"),
		scenarios.LossParam("0.01", ""),
		{Name: "storage.crash", Default: "torn", Kind: scenarios.String, Choices: []string{"all", "subset", "torn"},
			Help: "what a crash keeps of unsynced writes: all lost, a seeded subset, or a tail torn at a sector boundary"},
		{Name: "storage.sync_latency", Default: "uniform:1ms-5ms", Kind: scenarios.String,
			Help: "fixed cost of one sync: " + network.DistSyntax, Validate: network.ValidateDist},
		{Name: "storage.throughput_bytes_per_s", Default: "100000000", Kind: scenarios.Int, Min: 1, Max: 1e15,
			Help: "rate a sync flushes dirty bytes at"},
		{Name: "storage.sector_bytes", Default: "512", Kind: scenarios.Int, Min: 1, Max: storage.MaxSectorBytes,
			Help: "sector size: the unit of torn writes and sector errors, a power of two", Validate: powerOfTwo},
		{Name: "storage.capacity_bytes", Default: "67108864", Kind: scenarios.Int, Min: 1, Max: storage.MaxCapacityBytes,
			Help: "disk capacity; appends beyond it fail with ENOSPC"},
		scenarios.SeededFaultsParam("the store crashed, and storage faults on its disk, across duration"),
		scenarios.NemesisDurationParam("2s"),
	},
	Run: run,
}

func powerOfTwo(v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 || n > storage.MaxSectorBytes || n&(n-1) != 0 {
		return fmt.Errorf("bad value %q (accepted: a power of two in [1, %d])", v, storage.MaxSectorBytes)
	}
	return nil
}

const storeID nodes.NodeID = 0

type config struct {
	mode     string
	keys     int
	issueEnd sim.Time

	// Read by the harness; node logic only adds to them.
	storeStarts int
	clients     []*clientDisk
}

// Model reads the storage.* parameters into a storage model.
func Model(p scenarios.Values) (storage.Model, error) {
	crash, err := storage.ParseCrashModel(p.String("storage.crash"))
	if err != nil {
		return storage.Model{}, err
	}
	lat, err := network.ParseDist(p.String("storage.sync_latency"))
	if err != nil {
		return storage.Model{}, err
	}
	m := storage.Model{Crash: crash, SyncLatency: lat, ThroughputBytesPerSec: float64(p.Int("storage.throughput_bytes_per_s")),
		SectorBytes: p.Int("storage.sector_bytes"), CapacityBytes: int64(p.Int("storage.capacity_bytes"))}
	return m, m.Validate()
}

func run(r *scenarios.Run) error {
	p := r.Params
	nCli := p.Int("clients")
	cl, err := r.NewCluster(1+nCli, p.Link())
	if err != nil {
		return err
	}
	rt := cl.RT
	m, err := Model(p)
	if err != nil {
		return &scenarios.BadInputError{Err: fmt.Errorf("parameter storage: %w", err)}
	}
	if err := rt.SetStorage(m); err != nil {
		return &scenarios.BadInputError{Err: err}
	}
	duration, quiet := p.Duration("duration"), p.Duration("quiet")
	sched, err := scenarios.ApplySchedule(r, cl, func() *faults.Schedule { return drawFaults(r.World.Rand("faults"), 1+nCli, duration) })
	if err != nil {
		return err
	}
	cfg := &config{mode: p.String("mode"), keys: p.Int("keys"), issueEnd: sim.At(duration)}
	if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return &store{cfg: cfg} }); err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	for range nCli {
		if _, err := rt.Add(func(nodes.NodeID) nodes.Node { return &client{cfg: cfg} }); err != nil {
			return fmt.Errorf("wal: %w", err)
		}
	}
	end := sim.At(max(duration, scenarios.QuietAt(cl, sched)) + quiet)
	if err := r.World.RunUntil(end); err != nil {
		return err
	}
	// The final restart: what does the disk give back?
	rt.Crash(storeID)
	rt.Restart(storeID)
	if err := r.World.RunUntil(end.Add(quiet)); err != nil {
		return err
	}
	finalChecks(r, cfg, rt)
	r.Metrics(cl.Net.CostMetrics())
	return nil
}

func finalChecks(r *scenarios.Run, cfg *config, rt *nodes.Runtime) {
	st := rt.Node(storeID).(*store)
	var lost, bad []string
	puts, gets := 0, 0
	for _, c := range cfg.clients {
		puts += c.puts
		gets += c.gets
		lost = append(lost, c.stale...)
		bad = append(bad, c.corrupt...)
	}
	if !st.ready {
		lost = append(lost, "the store never finished recovering after the final restart")
	} else {
		d := rt.Storage(storeID)
		sent := map[string]uint64{}
		for _, c := range cfg.clients {
			for _, k := range sortedKeys(c.acked) {
				if e := st.index[k]; e.version < c.acked[k] {
					lost = append(lost, fmt.Sprintf("%s: version %d was acknowledged, the restart recovered %d", k, c.acked[k], e.version))
				}
			}
			for k, v := range c.next {
				sent[k] = v
			}
		}
		for _, k := range sortedKeys(st.index) {
			e := st.index[k]
			b := make([]byte, e.n)
			_, err := d.ReadAt(logName, b, e.off)
			r2, ok := decode(b, false)
			if v, known := sent[k]; err != nil || !ok || !known || e.version > v || r2.key != k || r2.version != e.version ||
				string(r2.value) != string(valueOf(k, e.version)) {
				bad = append(bad, fmt.Sprintf("the restart recovered %q version %d, which no client wrote", k, e.version))
			}
		}
	}
	r.Metric("puts_acked", float64(puts))
	r.Metric("gets", float64(gets))
	r.Metric("store_starts", float64(cfg.storeStarts))
	r.Check(result("durability", lost, fmt.Sprintf("%d acknowledged puts over %d store starts", puts, cfg.storeStarts)))
	r.Check(result("integrity", bad, fmt.Sprintf("%d reads and the recovered index hold only written values", gets)))
}

func result(name string, problems []string, ok string) checks.Result {
	if len(problems) == 0 {
		return checks.Passf(name, "%s", ok)
	}
	more := ""
	if len(problems) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(problems)-1)
	}
	return checks.Failf(name, "%s%s", problems[0], more)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// drawFaults draws the default schedule from the "faults" stream: the
// store crashed, or its disk slowed, failing, full, flipping bits,
// losing sectors or writes, one fault at a time.
func drawFaults(rng *rand.Rand, n int, duration time.Duration) *faults.Schedule {
	ms := func(lo, hi int64) time.Duration { return time.Duration(lo+rng.Int64N(hi-lo+1)) * time.Millisecond }
	s := &faults.Schedule{Nodes: n}
	t := ms(50, 300)
	for {
		dur := ms(20, 300)
		if t+dur > duration {
			return s
		}
		f := faults.Fault{At: t, Kind: faults.StorageProfile[rng.IntN(len(faults.StorageProfile))], Nodes: []nodes.NodeID{storeID}, For: dur}
		switch f.Kind {
		case faults.SlowDisk:
			f.Factor = float64(2 + rng.IntN(19))
		case faults.WriteErr, faults.BitFlip, faults.BadSector, faults.LostWrite:
			f.Prob = float64(1+rng.IntN(50)) / 100
		}
		s.Faults = append(s.Faults, f)
		t += dur + ms(50, 400)
	}
}
