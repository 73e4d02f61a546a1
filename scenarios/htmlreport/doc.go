// Package htmlreport writes the report of one run as a single HTML file
// that loads nothing from the network: a header with the replay command,
// the checks, the fault schedule as a timeline, a message-sequence
// (Lamport) diagram with drops, duplicates, delays, crashes, pauses,
// partitions and node log lines, and the run's metric plots.
//
// It is built from what a run leaves behind, never from node state: the
// trace records a Recorder kept while the run went, and the run's Result.
// Large runs are windowed: see Options.MaxMessages and docs/report.md.
package htmlreport
