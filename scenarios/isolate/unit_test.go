package isolate

import (
	"reflect"
	"testing"

	"github.com/faultline/faultline/scenarios"
)

func TestCrashCause(t *testing.T) {
	tests := []struct{ stderr, want string }{
		{"panic: boom\n\ngoroutine 7 [running]:\nmain.f()\n", "panic: boom"},
		{"runtime: goroutine stack exceeds 268435456-byte limit\nruntime: sp=0xc0200e0390 stack=[0xc0200e0000, 0xc0400e0000]\nfatal error: stack overflow\n\nruntime stack:\n",
			"runtime: goroutine stack exceeds 268435456-byte limit; fatal error: stack overflow"},
		{"fatal error: concurrent map writes\n\ngoroutine 1 [running]:\n", "fatal error: concurrent map writes"},
		{"panic: a [recovered]\n\tpanic: b\n\ngoroutine 1:\n", "panic: a [recovered]; panic: b"},
		{"log line\nlast words\n\n", "log line; last words"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := crashCause(tt.stderr); got != tt.want {
			t.Errorf("crashCause(%q) = %q, want %q", tt.stderr, got, tt.want)
		}
	}
}

// Every run option reaches the worker: a new field of scenarios.Options
// must be carried in Job, or listed here with the reason it is not.
func TestWorkerJobCarriesEveryOption(t *testing.T) {
	carried := map[string]string{
		"Sink": "", "Roles": "", "FreshMemory": "", "Limits": "Limits", "WallLimit": "WallLimitNs", "MemoryLimit": "MemoryLimit", "ArtifactDir": "ArtifactDir",
		"Faults": "Faults", "Schedule": "Faults", "FaultsFile": "FaultsFile", "Program": "Program", "CheckDeterminism": "CheckDeterminism",
	}
	// Sink: sweeps and comparisons write no traces. Roles: only list asks.
	// FreshMemory: it changes no result. Schedule: sent as text, its
	// Source, so that errors name the file's lines.
	job := reflect.TypeOf(Job{})
	for f := range reflect.TypeOf(scenarios.Options{}).Fields() {
		to, ok := carried[f.Name]
		if !ok {
			t.Errorf("scenarios.Options.%s is not carried to workers (add it to Job and run)", f.Name)
			continue
		}
		if _, has := job.FieldByName(to); to != "" && !has {
			t.Errorf("Job has no field %s for Options.%s", to, f.Name)
		}
	}
}

func TestRSSBound(t *testing.T) {
	tests := []struct {
		limit uint64
		want  int64
	}{
		{0, 0}, {16 << 20, 84 << 20}, {4 << 30, 5<<30 + 64<<20}, {1<<60 + 1, 0}, {^uint64(0), 0},
	}
	for _, tt := range tests {
		if got := RSSBound(tt.limit); got != tt.want {
			t.Errorf("RSSBound(%d) = %d, want %d", tt.limit, got, tt.want)
		}
	}
}
