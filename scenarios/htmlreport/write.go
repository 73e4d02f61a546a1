package htmlreport

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"path/filepath"
	"strconv"

	"github.com/faultline/faultline/scenarios"
	"github.com/faultline/faultline/scenarios/outfile"
	"github.com/faultline/faultline/sim"
)

//go:embed assets/report.css
var css string

//go:embed assets/report.js
var script string

// Write writes d as one self-contained HTML page: the data as JSON, and
// the style and script that draw it, inline.
func Write(w io.Writer, d *Data) error {
	bw := bufio.NewWriterSize(w, 64<<10) // packMessages writes into it a message at a time
	fmt.Fprintf(bw, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"+
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"+
		"<meta name=\"generator\" content=\"faultline\">\n<title>faultline: %s</title>\n<style>\n%s</style>\n</head>\n<body>\n",
		html.EscapeString(d.Title()), css)
	fmt.Fprintf(bw, "<div id=\"app\"><main><h1>faultline report: %s</h1><p>This report draws itself with JavaScript; turn it on to see it.</p>"+
		"<p>replay: <code>%s</code></p></main></div>\n", html.EscapeString(d.Title()), html.EscapeString(d.Replay))
	// encoding/json escapes <, > and & inside strings, so no string can
	// close the script element early.
	bw.WriteString("<script type=\"application/json\" id=\"data\">")
	rest := *d
	rest.Messages = nil
	head, err := json.Marshal(&rest)
	if err != nil {
		return fmt.Errorf("report data: %w", err)
	}
	bw.Write(head[:len(head)-1]) // without its closing brace
	bw.WriteString(`,"msgs":`)
	packMessages(bw, d.Messages)
	bw.WriteString("}</script>\n<script>\n")
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

// packMessages writes msgs as a JSON array of arrays, [id, from, to,
// sent, at, flags (1 duplicate, 2 corrupt), drop, late, payload]: the bulk
// of a large report, written without reflection, a message at a time
// into w's own buffer (no copy of the whole array in memory). A '<' can
// only occur inside a string, so escaping it keeps "</script>" out of the
// page.
func packMessages(w *bufio.Writer, msgs []Message) {
	w.WriteByte('[')
	for i := range msgs {
		m := &msgs[i]
		b := w.AvailableBuffer()
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendUint(b, m.ID, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(m.From), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(m.To), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, m.Sent, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, m.At, 10)
		flags := 0
		if m.Dup {
			flags |= 1
		}
		if m.Corrupt {
			flags |= 2
		}
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(flags), 10)
		b = append(b, ',')
		b = sim.AppendJSONString(b, m.Drop)
		b = append(b, ',')
		b = sim.AppendJSONString(b, m.Late)
		b = append(b, ',')
		b = sim.AppendJSONString(b, m.Payload)
		b = append(b, ']')
		if bytes.IndexByte(b, '<') >= 0 {
			b = bytes.ReplaceAll(b, []byte("<"), []byte(`\u003c`))
		}
		w.Write(b)
	}
	w.WriteByte(']')
}
