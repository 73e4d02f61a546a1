package faults

import (
	"reflect"
	"testing"
)

// For on a form-only schedule must agree with parsing for the cluster
// size: the same schedule, or the same error on the same line.
func TestForMatchesParse(t *testing.T) {
	texts := []string{
		"at 1s crash n1",
		"# comment\n\nat 1s crash n2 for 2s\nat 3s restart n7",
		"at 1s partition n1,n2 | n3,n4",
		"at 1s bridge n1 | n2 | n6",
		"at 1s oneway n1->n2,n5 for 1s",
		"at 1s loss n1->* 0.3",
		"at 1s latency *->n4 5ms",
		"at 1s upgrade * to v2 every 1s",
		"at 1s upgrade n1,n3 to v2 every 2562047h",
		"at 1s join n4 as v2\nat 2s leave n2 drain 1s",
		"at 1s replace n3",
		"at 1s isolate n5 for 1s",
		"at 1s slowdisk n1 x3\nat 2s lostwrite n4 0.1",
		"at 1s drift n3 +200ppm\nat 2s heal",
	}
	for _, text := range texts {
		form, err := Parse(text, 0)
		if err != nil {
			t.Fatalf("Parse(%q, 0): %v", text, err)
		}
		for n := 1; n <= 6; n++ {
			want, wantErr := Parse(text, n)
			got, gotErr := form.For(n)
			if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
				t.Errorf("%q for %d nodes: error %v, Parse gives %v", text, n, gotErr, wantErr)
				continue
			}
			if wantErr == nil && !reflect.DeepEqual(got, want) {
				t.Errorf("%q for %d nodes: %+v, Parse gives %+v", text, n, got, want)
			}
		}
	}
}

func TestForSameSizeIsIdentity(t *testing.T) {
	s := MustParse("at 1s crash n1", 3)
	if got, err := s.For(3); err != nil || got != s {
		t.Fatalf("For(3) on a schedule for 3 nodes: %p, %v; want the schedule itself", got, err)
	}
}

func TestSourceKeepsLines(t *testing.T) {
	text := "# header\n\nat 1s crash n1\n# note\nat 2s restart n9\n"
	form := MustParse(text, 0)
	_, want := Parse(text, 5)
	_, got := Parse(form.Source(), 5)
	if want == nil || got == nil || got.Error() != want.Error() {
		t.Fatalf("errors of the source %v, of the text %v; want the same line", got, want)
	}
	again := MustParse(form.Source(), 0)
	if !reflect.DeepEqual(again, form) {
		t.Fatalf("Source does not parse back: %+v, want %+v", again, form)
	}
	made := &Schedule{Faults: []Fault{{At: 1e9, Kind: Heal}}}
	if made.Source() != made.String() {
		t.Fatalf("Source of a schedule without lines: %q, want String %q", made.Source(), made.String())
	}
}
