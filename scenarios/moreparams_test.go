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
