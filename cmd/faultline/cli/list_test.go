package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
)

// 'faultline list' is one line per scenario, "name: summary", which
// scripts grep for "^name:"; parameters are for 'list NAME'.
func TestListIsOneLineEach(t *testing.T) {
	code, out, e := cli("list")
	if code != 0 {
		t.Fatal(e)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	all := testApp().Scenarios
	slices.SortFunc(all, func(a, b *scenarios.Scenario) int { return strings.Compare(a.Name, b.Name) })
	if len(lines) != len(all) {
		t.Fatalf("%d lines for %d scenarios:\n%s", len(lines), len(all), out)
	}
	for i, s := range all {
		if lines[i] != s.Name+": "+s.Summary {
			t.Fatalf("line %d: %q", i+1, lines[i])
		}
	}
}

func TestListScenario(t *testing.T) {
	tests := []struct {
		args       []string
		has, hasnt []string
	}{
		{[]string{"list", "kv"}, []string{"kv: ", "nodes (at the defaults): n1-n3 server, n4-n6 client\n", "\nparameters:\n", "  clients  ", "\nparameters of every scenario:\n  shuffle_ties "}, []string{"pipeline"}},
		{[]string{"list", "retry-storm"}, []string{"nodes (at the defaults): n1 server, n2 client\n", "  retry.*                      enabled, max_attempts,", "  trigger_at "}, []string{"  retry.max_attempts "}},
		{[]string{"list", "retry-storm", "--all"}, []string{"  retry.max_attempts           =", "  trigger_at "}, []string{"retry.*"}},
	}
	for _, tt := range tests {
		code, out, e := cli(tt.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", tt.args, code, e)
		}
		for _, h := range tt.has {
			if !strings.Contains(out, h) {
				t.Errorf("%v: output lacks %q:\n%s", tt.args, h, out)
			}
		}
		for _, h := range tt.hasnt {
			if strings.Contains(out, h) {
				t.Errorf("%v: output has %q:\n%s", tt.args, h, out)
			}
		}
	}
	if code, _, e := cli("list", "--all"); code != 2 || !strings.Contains(e, "--all needs a scenario name") {
		t.Fatalf("exit %d %s", code, e)
	}
}

// The JSON form keeps every parameter of every scenario (DESIGN.md).
func TestListJSONKeepsEveryParam(t *testing.T) {
	_, out, _ := cli("list", "--format", "json")
	var entries []listEntry
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		s, _ := scenarios.MustCatalog(testApp().Scenarios...).Lookup(e.Name)
		if len(e.Params) != len(s.AllParams()) || e.Summary == "" {
			t.Fatalf("%s: %d params, want %d", e.Name, len(e.Params), len(s.AllParams()))
		}
	}
}
