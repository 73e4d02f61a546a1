// Package params describes and parses the parameters of the resilience
// patterns, so that a scenario's --set key=value can reach any of them.
//
// Each pattern's Config has two methods built on this package:
//
//	func (c *Config) Set(key, value string) error // key without the prefix
//	func (c *Config) Params() []params.Param      // keys without the prefix
//
// and pipeline.Config dispatches "breaker.failure_threshold" to the breaker's
// Set with the key "failure_threshold". Errors are *Error values that name the
// parameter and what it accepts; WithPrefix adds the pattern's prefix.
//
// Parsing rules: durations use time.ParseDuration ("100ms") and must be >= 0;
// probabilities are in [0,1]; counts are integers >= 0; booleans use
// strconv.ParseBool; enums match one of the accepted names exactly.
package params
