// Package linearizability checks that a key-value history is linearizable,
// using porcupine (github.com/anishathalye/porcupine).
//
// A history is a slice of [Op]: get, put, append and compare-and-set on string
// keys, each with the client that issued it and its call and return times in
// simulated nanoseconds. The model is partitioned by key, so each key is
// checked on its own; a missing key reads as "".
//
// An operation whose outcome the client never learned (a time-out, a lost
// reply, a crash) is marked Pending. It may or may not have taken effect, so
// it stays open until the end of the history: its return time is placed after
// every other event and its output constrains nothing. A pending get has no
// effect and is dropped. A completed operation with OK false definitely did
// not take effect (a get that returned an error, a rejected put) and is
// dropped too, except a compare-and-set, where OK false means the comparison
// failed, which does say something about the value.
//
// [Check] returns a [checks.Result]: OK, Fail (the detail names the failing
// keys and the longest linearizable prefix), or Unknown. The check runs in
// two steps. Porcupine's plain check decides the verdict and stops at the
// first key that cannot be linearized; Unknown comes only from its
// wall-clock limit, [Options].Timeout, and therefore depends on machine
// speed: the same history can be Unknown on a slow machine and OK on a fast
// one. Keep Unknown out of anything that must be deterministic (trace hashes,
// golden output), and never count it as passing. A proven failure is then
// explained: each key is checked on its own within [Options].ExplainTimeout,
// so a failing history with many keys is answered in about the time of its
// failing keys. The verdict OK or Fail is deterministic. So is the detail,
// unless the explanation hit its limit: the detail then says how many keys
// were left undecided, and which keys it names depends on machine speed.
//
// [CheckHistory] checks a user's own history against one of the models
// listed by [Models]: register, kv, set, queue and mutex. [ParseHistory]
// reads such a history in JSON Lines, with errors that name the line, and
// [CheckFile] does both and returns a [FileReport] with the exit status a
// command gives: 0 for OK, 1 for Fail or Unknown, and an [InputError] (exit
// status 2) for bad input.
//
// On failure, if [Options].VisualizeDir is set, porcupine's HTML
// visualization is written there (whole or not at all) and named in the
// result's Artifact. This is the one place in checks/ that writes a file.
package linearizability
