package scentest

import (
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
)

func TestCheckParamReads(t *testing.T) {
	decl := map[string][]scenarios.Kind{
		"timeout": {scenarios.Duration}, "clients": {scenarios.Int}, "loss": {scenarios.Prob},
	}
	problems, reads, err := CheckParamReads("testdata/paramreads", func(string) map[string][]scenarios.Kind { return decl })
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`planted.go:10: reads undeclared parameter "client"`,
		`planted.go:11: reads parameter "clients" as duration, but it is declared int`,
		`planted.go:12: reads parameter "loss" as bool, but it is declared prob`,
	}
	if !slices.Equal(problems, want) || reads != 7 {
		t.Fatalf("got %d reads and problems\n%s\nwant 7 and\n%s", reads, strings.Join(problems, "\n"), strings.Join(want, "\n"))
	}
}

func TestValuesRefuseWrongType(t *testing.T) {
	v, err := scenarios.Resolve([]scenarios.Param{{Name: "clients", Default: "3", Kind: scenarios.Int}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Int("clients") != 3 || v.Float("clients") != 3 || v.String("clients") != "3" {
		t.Fatalf("clients = %d, %g, %q", v.Int("clients"), v.Float("clients"), v.String("clients"))
	}
	for name, read := range map[string]func(){
		"undeclared": func() { v.Int("client") },
		"wrong type": func() { v.Duration("clients") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s read did not panic", name)
				}
			}()
			read()
		}()
	}
}
