package isolate

import (
	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/sim"
)

// Protocol is the version of the job and reply lines; a worker that
// greets with another version is refused.
const Protocol = 1

// Job is one line on a worker's stdin: one world to run.
type Job struct {
	Scenario    string            `json:"scenario"`
	Params      map[string]string `json:"params"`
	Seed        uint64            `json:"seed"`
	Limits      sim.Limits        `json:"limits"`
	WallLimitNs int64             `json:"wall_limit_ns"`
	MemoryLimit uint64            `json:"memory_limit"` // bytes of heap; 0: none
	Faults      string            `json:"faults,omitempty"`
	FaultsFile  string            `json:"faults_file,omitempty"`
	ArtifactDir string            `json:"artifact_dir,omitempty"`
	Program     string            `json:"program"`
	Series      bool              `json:"series,omitempty"` // send the result's time series
	// CheckDeterminism runs the world twice in the worker.
	CheckDeterminism bool `json:"check_determinism,omitempty"`
}

// Reply is one line on a worker's stdout: its greeting, then one result
// (or an error) per job.
type Reply struct {
	Hello     int                    `json:"hello,omitempty"` // the protocol version
	Scenarios []string               `json:"scenarios,omitempty"`
	Result    *scenarios.Result      `json:"result,omitempty"`
	Series    map[string][]sim.Point `json:"series,omitempty"` // Result.Series, when the job asks
	Error     string                 `json:"error,omitempty"`
}

// job returns the job line for options opts, without params and seed.
func job(sc *scenarios.Scenario, opts scenarios.Options, series bool) Job {
	text := opts.Faults
	if opts.Schedule != nil {
		text = opts.Schedule.Source() // the same lines in errors
	}
	return Job{Scenario: sc.Name, Limits: opts.Limits, WallLimitNs: int64(opts.WallLimit), MemoryLimit: opts.MemoryLimit,
		Faults: text, FaultsFile: opts.FaultsFile, ArtifactDir: opts.ArtifactDir, Program: opts.Program, Series: series,
		CheckDeterminism: opts.CheckDeterminism}
}
