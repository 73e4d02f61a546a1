package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// What package inits may allocate before main, in bytes. Allocation
// counts are steady where times are not, so this is a test; the time is
// measured by BenchmarkStartup and recorded in BENCHMARKS.md.
//
// When this test was written `faultline version` allocated 1.12 MB in
// inits (1.34 MB before issue 20's lazy initialisation), nearly all of it
// in dependencies faultline uses as published: tablewriter's width cache
// (pkg/twwidth, 663 KB) and gonum/plot's parsed fonts (184 KB). The
// faultline packages themselves allocated 4.5 KB (216 KB before: the
// overload scenarios' pipeline keys, wal's CRC table, httpsim's status
// lines, report's regexp).
const (
	initBytesMax = 1250 << 10 // every package
	ownBytesMax  = 32 << 10   // faultline's own packages
)

// initAlloc is what GODEBUG=inittrace=1 reported for a run.
type initAlloc struct {
	total, own   int    // bytes
	top          string // the package that allocated the most
	topBytes     int
	ownTop       string // the faultline package that allocated the most
	ownTopBytes  int
	packagesSeen int
}

// TestInitAllocations runs `faultline version` under GODEBUG=inittrace=1
// and sums the bytes every package's init allocated.
func TestInitAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI")
	}
	bin := filepath.Join(t.TempDir(), "faultline")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("version: %v\n%s", err, stderr.String())
	}
	a, err := parseInitTrace(stderr.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("package inits allocated %d bytes (the most: %s, %d); faultline's own %d (the most: %s, %d)",
		a.total, a.top, a.topBytes, a.own, a.ownTop, a.ownTopBytes)
	if a.total > initBytesMax {
		t.Errorf("package inits allocated %d bytes before main, more than %d; the most: %s, %d bytes", a.total, initBytesMax, a.top, a.topBytes)
	}
	if a.own > ownBytesMax {
		t.Errorf("faultline's packages allocated %d bytes in init, more than %d; the most: %s, %d bytes (build it on first use: sync.OnceValue, Scenario.MoreParams)",
			a.own, ownBytesMax, a.ownTop, a.ownTopBytes)
	}
}

// parseInitTrace sums the lines "init PKG @T ms, C ms clock, B bytes, A allocs".
func parseInitTrace(trace []byte) (initAlloc, error) {
	var a initAlloc
	sc := bufio.NewScanner(bytes.NewReader(trace))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[0] != "init" || f[8] != "bytes," {
			continue
		}
		n, err := strconv.Atoi(f[7])
		if err != nil {
			return a, fmt.Errorf("inittrace line %q: %w", sc.Text(), err)
		}
		a.packagesSeen++
		a.total += n
		if n > a.topBytes {
			a.top, a.topBytes = f[1], n
		}
		if strings.HasPrefix(f[1], "github.com/faultline/faultline/") {
			a.own += n
			if n > a.ownTopBytes {
				a.ownTop, a.ownTopBytes = f[1], n
			}
		}
	}
	if a.packagesSeen == 0 {
		return a, fmt.Errorf("no inittrace lines in:\n%s", trace)
	}
	return a, nil
}
