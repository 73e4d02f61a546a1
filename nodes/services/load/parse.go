package load

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// FilePrefix marks a shape read from a file: "file:PATH". The file is
// read at the edge (the command line), never inside a world; ReadFile
// turns its text into the equivalent replay shape.
const FilePrefix = "file:"

// MaxPoints bounds a replayed load.
const MaxPoints = 100000

func bad(s, why string) error {
	return fmt.Errorf("load shape %q: %s (accepted: %s)", s, why, Syntax)
}

// Parse parses a load shape. "" is Constant. A "file:PATH" shape is an
// error here: the caller reads the file with ParseFile first.
func Parse(s string) (Shape, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == string(Constant) {
		return Shape{Kind: Constant}, nil
	}
	kind, args, _ := strings.Cut(s, ":")
	sh := Shape{Kind: Kind(kind)}
	switch sh.Kind {
	case Replay:
		pts, err := parsePoints(args)
		if err != nil {
			return Shape{}, bad(s, err.Error())
		}
		sh.Points = pts
		return sh, nil
	case "file":
		return Shape{}, bad(s, "a file shape must be read first (the command line does this)")
	case Step, Ramp, Spike, Sine:
	default:
		return Shape{}, bad(s, "unknown kind "+strconv.Quote(kind))
	}
	fs, when, ok := strings.Cut(args, "@")
	if !ok {
		return Shape{}, bad(s, "want FACTOR@TIME")
	}
	sh.From = 1
	if sh.Kind == Ramp {
		if a, b, ok := strings.Cut(fs, ".."); ok {
			f, err := factor(a)
			if err != nil {
				return Shape{}, bad(s, err.Error())
			}
			sh.From, fs = f, b
		}
	}
	f, err := factor(fs)
	if err != nil {
		return Shape{}, bad(s, err.Error())
	}
	sh.Factor = f
	first, second, hasSecond := strings.Cut(when, "+")
	d1, err := duration(first)
	if err != nil {
		return Shape{}, bad(s, err.Error())
	}
	var d2 time.Duration
	if hasSecond {
		if d2, err = duration(second); err != nil {
			return Shape{}, bad(s, err.Error())
		}
	}
	switch sh.Kind {
	case Step:
		if hasSecond {
			return Shape{}, bad(s, "step takes no span")
		}
		sh.At = d1
	case Ramp, Spike:
		if !hasSecond {
			return Shape{}, bad(s, "want FACTOR@AT+FOR")
		}
		sh.At, sh.For = d1, d2
	case Sine:
		if f > 1 {
			return Shape{}, bad(s, "amplitude above 1 would make the rate negative")
		}
		if d1 == 0 {
			return Shape{}, bad(s, "period must be > 0")
		}
		sh.For, sh.At = d1, d2
	}
	return sh, nil
}

func factor(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("bad factor %q: want a number ≥ 0", s)
	}
	return f, nil
}

func duration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad time %q: want a duration ≥ 0 such as 10s", s)
	}
	return d, nil
}

// parsePoints parses "T=RPS;T=RPS;...".
func parsePoints(s string) ([]Point, error) {
	var pts []Point
	for _, part := range strings.Split(s, ";") {
		t, r, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("point %q: want TIME=RPS", part)
		}
		p, err := point(t, r, pts)
		if err != nil {
			return nil, fmt.Errorf("point %q: %w", part, err)
		}
		pts = append(pts, p)
	}
	return pts, checkPoints(pts)
}

func point(t, r string, before []Point) (Point, error) {
	at, err := duration(t)
	if err != nil {
		return Point{}, err
	}
	rps, err := strconv.ParseFloat(strings.TrimSpace(r), 64)
	if err != nil || rps < 0 || math.IsInf(rps, 0) || math.IsNaN(rps) {
		return Point{}, fmt.Errorf("bad rate %q: want requests per second ≥ 0", r)
	}
	if n := len(before); n > 0 && at <= before[n-1].At {
		return Point{}, fmt.Errorf("time %v is not after %v", at, before[n-1].At)
	}
	if len(before) >= MaxPoints {
		return Point{}, fmt.Errorf("more than %d points", MaxPoints)
	}
	return Point{At: at, RPS: rps}, nil
}

func checkPoints(pts []Point) error {
	if len(pts) == 0 {
		return errors.New("no points")
	}
	if pts[0].At != 0 {
		return fmt.Errorf("the first point is at %v: want 0s", pts[0].At)
	}
	return nil
}

// ParseFile parses a load file: one "TIME RPS" pair a line (TIME a
// duration such as 10s, RPS requests per second from then on), in
// increasing time from 0s; blank lines and lines from '#' are skipped.
// An error names the file and the line.
func ParseFile(name, text string) (Shape, error) {
	var pts []Point
	for i, line := range strings.Split(text, "\n") {
		if c, _, ok := strings.Cut(line, "#"); ok {
			line = c
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		lineErr := func(why string) error {
			return fmt.Errorf("load file %s:%d: %q: %s (accepted: TIME RPS, e.g. '10s 250', times increasing from 0s)", name, i+1, strings.TrimSpace(line), why)
		}
		if len(fields) != 2 {
			return Shape{}, lineErr("want two fields")
		}
		p, err := point(fields[0], fields[1], pts)
		if err != nil {
			return Shape{}, lineErr(err.Error())
		}
		pts = append(pts, p)
	}
	if err := checkPoints(pts); err != nil {
		return Shape{}, fmt.Errorf("load file %s: %w (accepted: TIME RPS, e.g. '10s 250', times increasing from 0s)", name, err)
	}
	return Shape{Kind: Replay, Points: pts}, nil
}
