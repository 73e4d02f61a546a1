package faults

import (
	"strings"
	"testing"
)

// A fault whose end overflows would never end: the restart after a crash
// silently never happens. Parse refuses it.
func TestParseRefusesOverflowingEnd(t *testing.T) {
	for _, line := range []string{
		"at 5ms crash n1 for 9223372036849775808ns",
		"at 1ns pause n1 for 9223372036854775807ns",
		"at 2562047h crash n1 for 1h",
	} {
		_, err := Parse(line, 3)
		if err == nil || !strings.Contains(err.Error(), "past the largest time") {
			t.Errorf("%q: err %v", line, err)
		}
	}
	// The largest end that fits is accepted.
	if _, err := Parse("at 1ns crash n1 for 9223372036854775806ns", 3); err != nil {
		t.Fatal(err)
	}
}
