package raftlog_test

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/raftlog"
)

// scheduleFromBytes maps fuzz input to a world seed and a fault
// schedule: 8 bytes of seed, then 5 bytes a fault (kind, node, start in
// ms mod 10s, two bytes; duration in 4ms steps). Four kinds, on the
// replicas: crash, pause, isolate and a clock set back. Any input maps
// to a valid schedule.
func scheduleFromBytes(b []byte) (uint64, string) {
	var seed uint64
	if len(b) >= 8 {
		seed, b = binary.LittleEndian.Uint64(b), b[8:]
	}
	var lines []string
	for ; len(b) >= 5 && len(lines) < 16; b = b[5:] {
		node := int(b[1])%3 + 1
		at := (int(b[2])<<8 | int(b[3])) % 10000
		dur := (int(b[4]) + 1) * 4
		switch b[0] % 4 {
		case 0:
			lines = append(lines, fmt.Sprintf("at %dms crash n%d for %dms", at, node, dur))
		case 1:
			lines = append(lines, fmt.Sprintf("at %dms pause n%d for %dms", at, node, dur))
		case 2:
			lines = append(lines, fmt.Sprintf("at %dms isolate n%d for %dms", at, node, dur))
		default:
			lines = append(lines, fmt.Sprintf("at %dms offset n%d -%dms for %dms", at, node, dur, 4*dur))
		}
	}
	return seed, strings.Join(lines, "\n")
}

// FuzzStaleLeader is `go test -fuzz` driving the schedule: the fuzz
// input is the world seed and the faults, and Go's coverage of the
// replicas' code guides it. docs/cli.md ("explore and go test -fuzz")
// compares it with faultline explore:
//
//	go test ./scenarios/raftlog -run '^$' -fuzz FuzzStaleLeader -fuzztime 2000x
//
// Without -fuzz it runs its seed inputs, which pass.
func FuzzStaleLeader(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3, 232, 50})
	v, err := raftlog.Scenario.Values(map[string]string{"bug": "stale-leader", "shuffle_ties": "true"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		seed, text := scheduleFromBytes(b)
		res := scenarios.Execute(raftlog.Scenario, v, seed, scenarios.Options{Faults: text})
		if res.Status == scenarios.StatusBadInput {
			t.Fatalf("input mapped to a schedule the scenario refuses: %s\n%s", res.Error, text)
		}
		if res.Failed() {
			t.Fatalf("seed %d fails: %v\n%s", seed, res.Checks, text)
		}
	})
}
