package invariants

import (
	"strings"
	"testing"

	"github.com/faultline/faultline/checks"
)

// tc is one table row shared by the tests of every check.
type tc struct {
	name string
	run  func() checks.Result
	want checks.Outcome
	// wantInDetail are substrings the detail must contain; on failure they
	// name the culprit.
	wantInDetail []string
}

func runTable(t *testing.T, wantName string, tests []tc) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.run()
			if r.Outcome != tt.want {
				t.Fatalf("outcome %v, want %v; detail: %s", r.Outcome, tt.want, r.Detail)
			}
			if r.Name != wantName {
				t.Errorf("name %q, want %q", r.Name, wantName)
			}
			if r.OK() != (tt.want == checks.OK) {
				t.Errorf("OK() = %v for outcome %v", r.OK(), r.Outcome)
			}
			for _, s := range tt.wantInDetail {
				if !strings.Contains(r.Detail, s) {
					t.Errorf("detail %q does not contain %q", r.Detail, s)
				}
			}
			// Pure checks: the same input gives the same result.
			if again := tt.run(); again != r {
				t.Errorf("not deterministic:\n%v\n%v", r, again)
			}
		})
	}
}
