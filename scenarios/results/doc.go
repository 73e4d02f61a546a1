// Package results keeps a sweep's results on disk: a Stream appends them
// to a JSON Lines file that a killed sweep can resume, and Merge joins
// the streams of sweep shards (a CI matrix, a Kubernetes Indexed Job)
// into the results of one sweep, refusing shards that overlap, miss
// seeds or come from another sweep.
package results
