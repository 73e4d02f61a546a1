// Package health reports whether a service is healthy, degraded or
// unhealthy.
//
// Shallow is the liveness answer: the process is up (healthy) or not
// (unhealthy). Deep is the readiness answer: it also looks at the named
// dependencies, each fed by the caller's own checks through Observe.
//
//   - unhealthy: the process is down, or a critical dependency is down;
//   - degraded: a non-critical dependency is down;
//   - healthy: otherwise.
//
// A dependency is down after failure_threshold consecutive failed checks,
// and up again after success_threshold consecutive good ones (Kubernetes
// probes' failureThreshold and successThreshold). A dependency never checked,
// or last checked longer than stale_after ago, counts as down: no news is not
// good news. This is the three-state model of Spring Boot's health groups and
// ASP.NET Core's HealthCheckResult (Healthy, Degraded, Unhealthy).
//
// # Parameters (--set keys with the "health." prefix)
//
//	dependencies       ""  comma-separated names, ":critical" marks a critical one (db:critical,cache)
//	failure_threshold  1   consecutive failed checks before a dependency is down
//	success_threshold  1   consecutive good checks before it is up again
//	stale_after        0   a check older than this counts as down (0 = never stale)
package health
