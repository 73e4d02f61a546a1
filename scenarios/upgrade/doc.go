// Package upgrade holds the rolling-upgrade scenario: a heartbeat
// failure detector whose nodes are restarted one by one on a new version,
// so old and new versions run side by side. One rollout is compatible
// both ways and holds; two break the mixed-version cluster, one with a
// changed message format and one with a changed timeout, and its check
// catches them during the mixed window.
package upgrade
