package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// hello is the floor a Go program's start-up cannot go below on this
// machine: the runtime and one line of output.
const hello = `package main

import "fmt"

func main() { fmt.Println("faultline dev") }
`

// BenchmarkStartup execs the built CLI (`faultline version`) and a
// hello-world Go program alternately, and reports the CPU time (user +
// system) of each process in ms: startup-cpu-ms, hello-cpu-ms, and the
// CLI's extra cost over the floor, extra-cpu-ms (medians over the pairs).
// ns/op is the wall time of one pair.
func BenchmarkStartup(b *testing.B) {
	dir := b.TempDir()
	cli := filepath.Join(dir, "faultline")
	if out, err := exec.Command("go", "build", "-o", cli, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	src := filepath.Join(dir, "hello.go")
	if err := os.WriteFile(src, []byte(hello), 0o644); err != nil {
		b.Fatal(err)
	}
	base := filepath.Join(dir, "hello")
	if out, err := exec.Command("go", "build", "-o", base, src).CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	cpu := func(path string, args ...string) time.Duration {
		cmd := exec.Command(path, args...)
		if err := cmd.Run(); err != nil {
			b.Fatalf("%s: %v", path, err)
		}
		return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	var cliT, baseT, extra []float64
	b.ResetTimer()
	for range b.N {
		c := cpu(cli, "version")
		h := cpu(base)
		cliT = append(cliT, ms(c))
		baseT = append(baseT, ms(h))
		extra = append(extra, ms(c-h))
	}
	b.ReportMetric(median(cliT), "startup-cpu-ms")
	b.ReportMetric(median(baseT), "hello-cpu-ms")
	b.ReportMetric(median(extra), "extra-cpu-ms")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}
