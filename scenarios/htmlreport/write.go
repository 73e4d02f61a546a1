package htmlreport

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"path/filepath"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/outfile"
)

//go:embed assets/report.css
var css string

//go:embed assets/report.js
var script string

// Write writes d as one self-contained HTML page: the data as JSON, and
// the style and script that draw it, inline.
func Write(w io.Writer, d *Data) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	fmt.Fprintf(bw, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"+
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"+
		"<meta name=\"generator\" content=\"faultline\">\n<title>faultline: %s</title>\n<style>\n%s</style>\n</head>\n<body>\n",
		html.EscapeString(d.Title()), css)
	fmt.Fprintf(bw, "<div id=\"app\"><main><h1>faultline report: %s</h1><p>This report draws itself with JavaScript; turn it on to see it.</p>"+
		"<p>replay: <code>%s</code></p></main></div>\n", html.EscapeString(d.Title()), html.EscapeString(d.Replay))
	// encoding/json escapes <, > and & inside strings, so no string can
	// close the script element early.
	bw.WriteString("<script type=\"application/json\" id=\"data\">")
	if err := json.NewEncoder(bw).Encode(d); err != nil {
		return fmt.Errorf("report data: %w", err)
	}
	bw.WriteString("</script>\n<script>\n")
	bw.WriteString(script)
	bw.WriteString("</script>\n</body>\n</html>\n")
	return bw.Flush()
}

// WriteFile builds the report of res from rec and writes it to path,
// whole or not at all. Links to check artifacts are made relative to
// path's directory.
func WriteFile(path string, res *scenarios.Result, rec *Recorder, opts Options) error {
	if opts.Dir == "" {
		opts.Dir = filepath.Dir(path)
	}
	d := Build(res, rec, opts)
	f, err := outfile.Create(path)
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	defer f.Abort()
	if err := Write(f, d); err != nil {
		return fmt.Errorf("--report %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	return nil
}
