package scenarios

import (
	"slices"
	"strings"
	"testing"
)

// TestMoreParams: parameters from MoreParams are declared like those in
// Params (after them), resolved, checked, and built only when needed.
func TestMoreParams(t *testing.T) {
	calls := 0
	s := &Scenario{
		Name:   "more",
		Params: []Param{{Name: "a", Default: "1", Kind: Int}},
		MoreParams: func() []Param {
			calls++
			return []Param{
				{Name: "b", Default: "x", Kind: String, Choices: []string{"x", "y"}},
				{Name: "nemesis", Default: "true", Kind: Bool}, // overrides the common one
			}
		},
		Run: func(*Run) error { return nil },
	}
	if calls != 0 {
		t.Fatal("MoreParams called at declaration")
	}
	names := func(ps []Param) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	if got := names(s.Declared()); !slices.Equal(got, []string{"a", "b", "nemesis"}) {
		t.Errorf("Declared: %v", got)
	}
	all := s.AllParams()
	nemeses := 0
	for _, p := range all {
		if p.Name == "nemesis" {
			nemeses++
			if p.Default != "true" {
				t.Errorf("AllParams kept the common nemesis over the scenario's own: %+v", p)
			}
		}
	}
	if nemeses != 1 {
		t.Errorf("AllParams has nemesis %d times: %v", nemeses, names(all))
	}
	v, err := s.Values(map[string]string{"b": "y"})
	if err != nil || v.String("b") != "y" || v.Int("a") != 1 {
		t.Fatalf("Values: %v, b=%q", err, v.String("b"))
	}
	if _, err := s.Values(map[string]string{"b": "z"}); err == nil || !strings.Contains(err.Error(), "b") {
		t.Errorf("a bad value of a MoreParams parameter: %v", err)
	}
	if err := s.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
	bad := *s
	bad.MoreParams = func() []Param { return []Param{{Name: "c", Default: "no", Kind: Int}} }
	if err := bad.Check(); err == nil || !strings.Contains(err.Error(), "bad default") {
		t.Errorf("Check of a bad MoreParams default: %v", err)
	}
}

// The replay line sets exactly the parameters off their defaults, and a
// MoreParams default counts: it may differ from a common parameter's.
func TestReplayKnowsMoreParamsDefaults(t *testing.T) {
	s := &Scenario{
		Name:   "more",
		Params: []Param{{Name: "a", Default: "1", Kind: Int}},
		MoreParams: func() []Param {
			return []Param{
				{Name: "b", Default: "x", Kind: String, Choices: []string{"x", "y"}},
				{Name: "nemesis", Default: "true", Kind: Bool},
			}
		},
		Run: func(*Run) error { return nil },
	}
	for _, tc := range []struct {
		set  map[string]string
		want string
	}{
		{map[string]string{}, "faultline run more --seed 1"},
		{map[string]string{"b": "y"}, "faultline run more --seed 1 --set b=y"},
		{map[string]string{"nemesis": "false"}, "faultline run more --seed 1 --set nemesis=false"},
		{map[string]string{"nemesis": "true", "a": "2"}, "faultline run more --seed 1 --set a=2"},
	} {
		v, err := s.Values(tc.set)
		if err != nil {
			t.Fatal(err)
		}
		if got := ReplayCommand(s, v, 1); got != tc.want {
			t.Errorf("%v: replay %q, want %q", tc.set, got, tc.want)
		}
	}
}
