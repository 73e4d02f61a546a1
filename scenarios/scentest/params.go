package scentest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
)

// accessors maps a method of scenarios.Values to the kind it reads.
var accessors = map[string]scenarios.Kind{
	"String": scenarios.String, "Int": scenarios.Int, "Float": scenarios.Float,
	"Duration": scenarios.Duration, "Bool": scenarios.Bool,
}

// ParamReads fails t for every parameter that the source of the given
// scenarios reads by a literal name it does not declare, or reads as a
// type it is not declared as (Int of a duration). Such a read panics at
// run time, maybe only on a branch that tests never take; this finds it
// in the source. It reads the non-test .go files of each scenario's
// package (the directory that holds its Run function). A read in the
// file of a scenario's Run is checked against that scenario's
// parameters; a read elsewhere, against those of every scenario of the
// package. It returns how many reads it checked.
func ParamReads(t testing.TB, ss ...*scenarios.Scenario) int {
	t.Helper()
	type decls = map[string][]scenarios.Kind
	byFile, byDir := map[string]decls{}, map[string]decls{}
	add := func(m map[string]decls, key string, ps []scenarios.Param) {
		if m[key] == nil {
			m[key] = decls{}
		}
		for _, p := range ps {
			m[key][p.Name] = append(m[key][p.Name], p.Kind)
		}
	}
	for _, s := range ss {
		fn := runtime.FuncForPC(reflect.ValueOf(s.Run).Pointer())
		file, _ := fn.FileLine(fn.Entry())
		if _, err := os.Stat(file); err != nil {
			t.Skipf("scenario %s: source %s not found (built with -trimpath?)", s.Name, file)
		}
		add(byFile, file, s.AllParams())
		add(byDir, filepath.Dir(file), s.AllParams())
	}
	n := 0
	for _, dir := range slices.Sorted(maps.Keys(byDir)) {
		problems, reads, err := CheckParamReads(dir, func(file string) map[string][]scenarios.Kind {
			if d, ok := byFile[file]; ok {
				return d
			}
			return byDir[dir]
		})
		if err != nil {
			t.Fatal(err)
		}
		n += reads
		for _, p := range problems {
			t.Error(p)
		}
	}
	return n
}

// CheckParamReads parses the non-test .go files of dir and checks every
// call X.M("name") where M is an accessor of scenarios.Values (String,
// Int, Float, Duration, Bool): name must be among the parameters that
// declared returns for the file, with a kind M reads. It returns one line
// per bad read, "file:line: ...", and the number of reads checked.
func CheckParamReads(dir string, declared func(file string) map[string][]scenarios.Kind) ([]string, int, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, 0, err
	}
	var problems []string
	reads := 0
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			return nil, 0, fmt.Errorf("parameter reads: %w", err)
		}
		decl := declared(file)
		ast.Inspect(f, func(node ast.Node) bool {
			name, as, ok := paramRead(node)
			if !ok {
				return true
			}
			reads++
			pos := fset.Position(node.Pos())
			at := fmt.Sprintf("%s:%d", filepath.Base(pos.Filename), pos.Line)
			kinds, found := decl[name]
			switch {
			case !found:
				problems = append(problems, fmt.Sprintf("%s: reads undeclared parameter %q", at, name))
			case !readsAll(as, kinds):
				problems = append(problems, fmt.Sprintf("%s: reads parameter %q as %s, but it is declared %s", at, name, as, kinds[0]))
			}
			return true
		})
	}
	return problems, reads, nil
}

// paramRead recognises X.M("name") with M an accessor.
func paramRead(node ast.Node) (name string, as scenarios.Kind, ok bool) {
	call, isCall := node.(*ast.CallExpr)
	if !isCall || len(call.Args) != 1 {
		return "", 0, false
	}
	sel, isSel := call.Fun.(*ast.SelectorExpr)
	lit, isLit := call.Args[0].(*ast.BasicLit)
	if !isSel || !isLit || lit.Kind != token.STRING {
		return "", 0, false
	}
	as, ok = accessors[sel.Sel.Name]
	if !ok {
		return "", 0, false
	}
	name, err := strconv.Unquote(lit.Value)
	return name, as, err == nil
}

// readsAll says whether accessor as reads every kind in kinds.
func readsAll(as scenarios.Kind, kinds []scenarios.Kind) bool {
	for _, k := range kinds {
		if !slices.Contains(scenarios.Readable[as], k) {
			return false
		}
	}
	return true
}
