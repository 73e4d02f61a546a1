package raftlog

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/checks"
	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// Assertions are the Sometimes and Reachable assertions the replicas
// make: the phases of the protocol where its bugs hide.
var Assertions = []string{
	"a leader takes an append of its own term",
	"a second leader in one term",
	"append from a deposed leader",
	"append with entries from a deposed leader",
	"deposed leader's entries reach committed ones of a newer term",
	"follower truncates conflicting entries",
	"leader elected",
	"leader loses office with uncommitted entries",
	"leader loses office within a heartbeat of acknowledging a write",
	"leader steps down by check-quorum",
	"restarts in a term it voted in, the election open",
	"two candidates in one term",
	"votes after a restart in the term it crashed in",
}

// Scenario is the raftlog scenario.
var Scenario = &scenarios.Scenario{
	Name:    "raftlog",
	Summary: "a small Raft-like replicated log (election, replication, quorum commit) with rare planted bugs",
	Description: "Three replicas elect a leader by terms and votes (persisted before the reply), " +
		"replicate a log to the followers, and commit an entry once a majority has it; a leader " +
		"that hears from no majority for check_quorum steps down. A client (n4) writes 1, 2, ... " +
		"to the leader and tries another replica after a timeout or a refusal. The checks: no two " +
		"commits, by a replica or as acknowledged to the client, put different entries at one " +
		"index (state_machine_safety), and no replica replaces an entry it had committed " +
		"(committed_kept). bug= plants one realistic bug: volatile-vote (the vote is kept in " +
		"memory only, so a replica that restarts can vote twice in one term), stale-leader (a " +
		"follower takes appends from a deposed leader's older term), early-commit (a leader " +
		"that heard from every follower lately commits a write on its own append). Each needs " +
		"faults that coincide with a short phase of the protocol, so it fails on few random " +
		"nemesis seeds; run with nemesis=true or --faults FILE, or search with explore.",
	Nodes:      "n1-n3 = replicas, n4 = client",
	Assertions: Assertions,
	Params: []scenarios.Param{
		{Name: "bug", Default: bugNone, Kind: scenarios.String, Choices: []string{bugNone, bugVolatileVote, bugStaleLeader, bugEarlyCommit},
			Help: "none: the correct protocol; volatile-vote: the vote is not persisted; stale-leader: no term check on appends; early-commit: commit before a quorum acknowledged"},
		{Name: "ops", Default: "400", Kind: scenarios.Int, Min: 1, Max: 100000, Help: "client writes (400 span the nemesis's 10s)", Workload: true},
		{Name: "think", Default: "20ms", Kind: scenarios.Duration, Help: "client pause between writes", Validate: scenarios.PositiveDuration},
		{Name: "timeout", Default: "100ms", Kind: scenarios.Duration, Help: "client wait for an answer before it tries the next replica", Validate: scenarios.PositiveDuration},
		{Name: "election_timeout", Default: "150ms", Kind: scenarios.Duration, Help: "least election timeout; each is drawn in [t, 2t)", Validate: scenarios.PositiveDuration},
		{Name: "heartbeat", Default: "50ms", Kind: scenarios.Duration, Help: "leader heartbeat period", Validate: scenarios.PositiveDuration},
		{Name: "check_quorum", Default: "200ms", Kind: scenarios.Duration, Help: "a leader that heard from no majority for this long steps down", Validate: scenarios.PositiveDuration},
		scenarios.LatencyParam("uniform:1ms-5ms"),
	},
	Validate: func(v scenarios.Values) error {
		if hb, el := v.Duration("heartbeat"), v.Duration("election_timeout"); hb >= el {
			return fmt.Errorf("parameter heartbeat %v: want less than election_timeout %v (accepted: heartbeat < election_timeout)", hb, el)
		}
		if cq, hb := v.Duration("check_quorum"), v.Duration("heartbeat"); cq <= hb {
			return fmt.Errorf("parameter check_quorum %v: want more than heartbeat %v (accepted: check_quorum > heartbeat)", cq, hb)
		}
		return nil
	},
	Run: run,
}

// settle is how long the run goes on after the fault schedule, for the
// cluster to elect a leader and commit what the client still writes.
const settle = 2 * time.Second

func run(r *scenarios.Run) error {
	c := Config{
		Bug:         r.Params.String("bug"),
		Ops:         r.Params.Int("ops"),
		Think:       r.Params.Duration("think"),
		Timeout:     r.Params.Duration("timeout"),
		ElectionMin: r.Params.Duration("election_timeout"),
		Heartbeat:   r.Params.Duration("heartbeat"),
		CheckQuorum: r.Params.Duration("check_quorum"),
	}
	c.VoteResend = c.Heartbeat
	cl, err := r.NewCluster(size, r.Params.Link())
	if err != nil {
		return err
	}
	rec, view := newRecorder(), newView()
	for range replicas {
		if _, err := cl.RT.Add(func(nodes.NodeID) nodes.Node { return &replica{c: c, rec: rec, view: view} }); err != nil {
			return err
		}
	}
	if _, err := cl.RT.Add(func(nodes.NodeID) nodes.Node { return &clientNode{c: c, rec: rec} }); err != nil {
		return err
	}
	// The run covers the workload and the fault schedule, then settles.
	work := time.Duration(c.Ops) * (c.Think + 10*time.Millisecond)
	end := max(cl.QuietAt(), work) + settle
	if err := r.World.RunUntil(sim.Time(end)); err != nil {
		return err
	}
	r.Metric("writes_acked", float64(rec.acked))
	r.Metric("client_timeouts", float64(rec.timeouts))
	r.Metric("leaders_elected", float64(rec.leaders))
	r.Metric("terms_with_two_leaders", float64(rec.twoLeads))
	r.Metric("commit_conflicts", float64(rec.conflicts))
	r.Metric("committed_overwritten", float64(rec.overwrite))
	if rec.conflicts == 0 {
		r.Check(checks.Passf("state_machine_safety", "%d indexes committed, each with one entry", len(rec.at)))
	} else {
		r.Check(checks.Failf("state_machine_safety", "%d conflicting commits; first: %s", rec.conflicts, rec.first))
	}
	if rec.overwrite == 0 {
		r.Check(checks.Passf("committed_kept", "no replica replaced a committed entry"))
	} else {
		r.Check(checks.Failf("committed_kept", "%d committed entries replaced; first: %s", rec.overwrite, rec.firstOver))
	}
	return nil
}
