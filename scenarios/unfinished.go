package scenarios

// Unfinished returns the result of a run of s with v on seed that never
// produced one of its own: the process running it died (StatusCrash), or
// was stopped from outside for a limit (StatusLimit, with limit naming
// it). msg says what happened. The result carries the replay line Execute
// would have given, and no trace hash: the run did not end.
func Unfinished(s *Scenario, v Values, seed uint64, opts Options, status, limit, msg string) *Result {
	return &Result{
		Scenario: s.Name, Seed: seed, Params: v.Map(), Status: status,
		Metrics: map[string]float64{}, Checks: []CheckResult{},
		Error: msg, Limit: limit,
		Replay: replayOf(s, v, seed, opts, limit),
	}
}
