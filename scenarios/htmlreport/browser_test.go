package htmlreport

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// findChromium returns the browser to drive: $FAULTLINE_CHROMIUM, or the
// first of the usual names on PATH.
func findChromium() string {
	if p := os.Getenv("FAULTLINE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestReportInBrowser loads a real report (kv's planted stale-read bug)
// in headless Chromium, checks that it renders without script errors and
// answers the controls, and takes a screenshot. Without a browser it
// skips, unless FAULTLINE_BROWSER_TEST=1 (as .ci/run sets) makes that a
// failure. FAULTLINE_SCREENSHOT=FILE.png keeps the screenshot.
func TestReportInBrowser(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		if os.Getenv("FAULTLINE_BROWSER_TEST") == "1" {
			t.Fatal("FAULTLINE_BROWSER_TEST=1 but no Chromium found (install it with 'apt-get install -y chromium', or set FAULTLINE_CHROMIUM)")
		}
		t.Skip("no Chromium on PATH (chromium, chromium-browser, google-chrome): skipping the browser test; .ci/run installs it and sets FAULTLINE_BROWSER_TEST=1")
	}
	dir := t.TempDir()
	res, rec := runScenario(t, "kv", 1, map[string]string{"mode": "buggy"}, dir)
	if !res.Failed() {
		t.Fatalf("kv mode=buggy seed 1 passed; the test wants a failing run")
	}
	path := filepath.Join(dir, "report.html")
	if err := WriteFile(path, res, rec, Options{}); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1400, 1000))
	defer cancel()
	ctx, cancel = chromedp.NewContext(ctx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+describeException(e.ExceptionDetails))
		case runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+describeException(e.ExceptionDetails))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				problems = append(problems, "console.error")
			}
		}
	}); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	// load opens url and waits until the page says it has drawn itself;
	// a script error stops the drawing, so the wait is short.
	load := func(url string, reload bool) {
		t.Helper()
		steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(url)}
		if reload {
			steps = append(steps, chromedp.Reload())
		}
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("loading %s: %v", url, err)
		}
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(wctx, chromedp.WaitVisible(`body[data-rendered="1"]`)); err != nil {
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("%s did not finish drawing: %v; script errors: %v", url, err, problems)
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1400, 1000)); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	load("file://"+path, false)
	count := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
		if err != nil {
			t.Fatalf("counting %s: %v", sel, err)
		}
		return n
	}
	text := func(expr string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return s
	}
	if got := text(`document.getElementById("status").textContent`); got != "fail" {
		t.Errorf("status badge %q, want fail", got)
	}
	if got := text(`document.getElementById("replay").textContent`); got != res.Replay {
		t.Errorf("replay %q, want %q", got, res.Replay)
	}
	for sel, least := range map[string]int{
		"#lamport line.msg":       100, // arrows
		"#lamport line.msg.drop":  1,
		"#lamport line.msg.dup":   1,
		"#lamport rect.crash":     1,
		"#lamport rect.partition": 1,
		"#faults rect":            5, // the five faults of seed 1, at least
		".check.fail":             1,
		"#overview rect.bar-sent": 10,
		"#lamport circle.log":     10, // the servers' log lines
		"#logtable tr":            10,
	} {
		if n := count(sel); n < least {
			t.Errorf("%d elements match %s, want at least %d", n, sel, least)
		}
	}
	lanes := count("#lamport line.lane")
	// Filter: hide n1; zoom: into the first fault.
	if err := chromedp.Do(ctx, chromedp.Click(`input[data-node="n1"]`)); err != nil {
		t.Fatalf("hiding n1: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#faults rect").dispatchEvent(new MouseEvent("click", {bubbles: true}))`)); err != nil {
		t.Fatalf("clicking a fault: %v", err)
	}
	if n := count("#lamport line.lane"); n != lanes-1 {
		t.Errorf("%d lanes after hiding n1, want %d", n, lanes-1)
	}
	if from := text(`document.querySelector('input[aria-label="window start"]').value`); from == "0.000" {
		t.Errorf("window start still %s after clicking a fault", from)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`#reset`), chromedp.Click(`input[data-node="n1"]`)); err != nil {
		t.Fatal(err)
	}
	if n := count("#lamport line.lane"); n != lanes {
		t.Errorf("%d lanes after showing n1 again, want %d", n, lanes)
	}
	// A linked view: a window around the first faults, two clients hidden.
	// It is what the screenshot shows.
	load("file://"+path+"#t0=120&t1=700&hide=n5,n6", true)
	if n := count("#lamport line.lane"); n != lanes-2 {
		t.Errorf("%d lanes in the view that hides n5 and n6, want %d", n, lanes-2)
	}
	if from := text(`document.querySelector('input[aria-label="window start"]').value`); from != "120.000" {
		t.Errorf("linked view starts at %s, want 120.000", from)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 1000 {
		t.Errorf("screenshot %v, want a full page", b)
	}
	if out := os.Getenv("FAULTLINE_SCREENSHOT"); out != "" {
		if err := os.WriteFile(out, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot written to %s", out)
	}
	// Other shapes of run: no messages at all (queue), clock skew (lease),
	// a trigger and series (retry-storm), faults in a saga.
	for _, name := range []string{"queue", "lease", "retry-storm", "saga"} {
		res, rec := runScenario(t, name, 1, nil, dir)
		p := filepath.Join(dir, name+".html")
		if err := WriteFile(p, res, rec, Options{}); err != nil {
			t.Fatal(err)
		}
		load("file://"+p, false)
		if err := chromedp.Do(ctx, chromedp.Click(`#reset`)); err != nil {
			t.Errorf("%s: whole run: %v", name, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Fatalf("script errors while rendering:\n%s", strings.Join(problems, "\n"))
	}
}

func describeException(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "?"
	}
	s := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		s += " " + d.Exception.Description
	}
	return fmt.Sprintf("%s (line %d)", s, d.LineNumber)
}
