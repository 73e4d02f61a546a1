package checks

import (
	"encoding/json"
	"testing"
)

func TestOutcomeString(t *testing.T) {
	tests := []struct {
		o    Outcome
		want string
	}{
		{OK, "ok"},
		{Fail, "fail"},
		{Unknown, "unknown"},
		{Outcome(7), "Outcome(7)"},
	}
	for _, tt := range tests {
		if got := tt.o.String(); got != tt.want {
			t.Errorf("Outcome(%d).String() = %q, want %q", int(tt.o), got, tt.want)
		}
	}
}

func TestResultOK(t *testing.T) {
	tests := []struct {
		name string
		r    Result
		want bool
	}{
		{"pass", Pass("x"), true},
		{"passf", Passf("x", "%d ops", 3), true},
		{"fail", Failf("x", "key %q", "k"), false},
		{"unknown is never ok", Unknownf("x", "timed out"), false},
		{"out of range outcome is not ok", Result{Name: "x", Outcome: Outcome(9)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.OK(); got != tt.want {
				t.Errorf("%v.OK() = %v, want %v", tt.r, got, tt.want)
			}
		})
	}
}

func TestHelpersFillFields(t *testing.T) {
	r := Failf("idempotency", "key %q applied %d times", "k1", 2)
	want := Result{Name: "idempotency", Outcome: Fail, Detail: `key "k1" applied 2 times`}
	if r != want {
		t.Errorf("Failf = %#v, want %#v", r, want)
	}
	if got := r.String(); got != `idempotency: fail: key "k1" applied 2 times` {
		t.Errorf("String() = %q", got)
	}
	if got := Pass("liveness"); got != (Result{Name: "liveness", Outcome: OK}) {
		t.Errorf("Pass = %#v", got)
	}
}

func TestOutcomeJSON(t *testing.T) {
	b, err := json.Marshal(Result{Name: "n", Outcome: Unknown})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Name":"n","Outcome":"unknown","Detail":"","Artifact":""}`
	if string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
}
