package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

type inner struct {
	Name string
	Tags map[string][]string
}

type outer struct {
	ID   int
	Body any
	Next *outer
	Raw  []byte
}

// TestRenderPayloadFollowsPointers: a payload's text is the same in every
// run, so it names no address, and it shows what pointers point to.
func TestRenderPayloadFollowsPointers(t *testing.T) {
	p := &outer{ID: 1, Body: &inner{Name: "a", Tags: map[string][]string{"z": {"1"}, "b": {"2", "3"}}}, Raw: []byte("hi")}
	got := RenderPayload(p)
	want := `&{ID:1 Body:&{Name:a Tags:map[b:[2 3] z:[1]]} Next:<nil> Raw:"hi"}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if again := RenderPayload(&outer{ID: 1, Body: &inner{Name: "a", Tags: map[string][]string{"b": {"2", "3"}, "z": {"1"}}}, Raw: []byte("hi")}); again != got {
		t.Fatalf("two equal payloads render differently: %s, %s", got, again)
	}
	if strings.Contains(got, "0x") {
		t.Fatalf("an address in %s", got)
	}
	loop := &outer{ID: 2}
	loop.Next = loop
	if s := RenderPayload(loop); !strings.Contains(s, "…") || len(s) > MaxPayloadBytes+len("…") {
		t.Fatalf("a cycle renders as %q", s)
	}
}

type level int8

type errCode uint16

func (n errCode) Error() string { return "code " + strconv.Itoa(int(n)) }

type basics struct {
	B   bool
	I   int
	I8  int8
	I64 int64
	U   uint
	U8  uint8
	UP  uintptr
	F32 float32
	F64 float64
	S   string
	L   level
	N   errCode // has methods: formatted by fmt (Error)
	low int     // unexported
	f   float64
}

// TestRenderPayloadBasicsAsFmt: bools, integers, floats and strings, named
// or not, exported or not, render as fmt's %+v renders them, though
// without fmt.
func TestRenderPayloadBasicsAsFmt(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f64 := rapid.OneOf(rapid.Float64(), rapid.SampledFrom([]float64{0, math.Copysign(0, -1), 1e6, 1e21, 1e-5, 123456789, math.Inf(1), math.Inf(-1), math.NaN()}))
		v := basics{
			B: rapid.Bool().Draw(t, "b"), I: rapid.Int().Draw(t, "i"), I8: rapid.Int8().Draw(t, "i8"),
			I64: rapid.Int64().Draw(t, "i64"), U: rapid.Uint().Draw(t, "u"), U8: rapid.Uint8().Draw(t, "u8"),
			UP: rapid.Uintptr().Draw(t, "up"), F32: rapid.Float32().Draw(t, "f32"), F64: f64.Draw(t, "f64"),
			S: rapid.String().Draw(t, "s"), L: level(rapid.Int8().Draw(t, "l")), N: errCode(rapid.Uint16().Draw(t, "n")),
			low: rapid.Int().Draw(t, "low"), f: f64.Draw(t, "f"),
		}
		want := fmt.Sprintf("%+v", v)
		if len(want) > MaxPayloadBytes {
			t.Skip("longer than a payload's bound")
		}
		if got := RenderPayload(v); got != want {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
}

type timed struct {
	ID       uint64
	Deadline Time
	Wait     time.Duration
	at       Time          // unexported: fmt cannot call String
	wait     time.Duration // likewise
	Inner    struct{ At Time }
	inner    struct{ At Time } // exported field reached through an unexported one
}

// TestRenderPayloadTimesAsFmt: the fast path for Time and Duration fields
// (String without boxing) writes what fmt's %+v writes, exported or not,
// Never included, at every depth of nesting.
func TestRenderPayloadTimesAsFmt(t *testing.T) {
	tm := rapid.OneOf(rapid.Int64().AsAny(), rapid.SampledFrom([]any{int64(0), int64(Never), int64(522477122), int64(-1)}))
	rapid.Check(t, func(t *rapid.T) {
		draw := func(name string) int64 { return tm.Draw(t, name).(int64) }
		v := timed{ID: rapid.Uint64().Draw(t, "id"), Deadline: Time(draw("d")), Wait: time.Duration(draw("w")),
			at: Time(draw("at")), wait: time.Duration(draw("wt"))}
		v.Inner.At, v.inner.At = Time(draw("ia")), Time(draw("ib"))
		want := fmt.Sprintf("%+v", v)
		if got := RenderPayload(v); got != want {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
	// Past depth 10 formatValue writes "…" for a field; the fast path
	// must not write the value there instead.
	type deep struct {
		At   Time
		Next any
	}
	var d any
	for i := range 8 {
		d = deep{At: Time(i), Next: d}
	}
	want := "{At:7ns Next:{At:6ns Next:{At:5ns Next:{At:4ns Next:{At:3ns Next:{At:… Next:…}}}}}}"
	if got := RenderPayload(d); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// TestAppendDurationAsString: the payload renderer's duration text is
// time.Duration's String, byte for byte.
func TestAppendDurationAsString(t *testing.T) {
	edge := []int64{0, 1, -1, 999, 1000, 1001, 999999, 1000000, 1e9 - 1, 1e9, 1e9 + 1, 59e9, 60e9, 61e9, 3599e9, 3600e9,
		3600e9 + 1, 522477122, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	for _, n := range edge {
		if got, want := string(appendDuration([]byte("x"), time.Duration(n))), "x"+time.Duration(n).String(); got != want {
			t.Errorf("%d: got %s, want %s", n, got, want)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		d := time.Duration(rapid.OneOf(rapid.Int64(), rapid.Int64Range(-1e13, 1e13), rapid.Int64Range(-1e7, 1e7)).Draw(t, "d"))
		if got, want := string(appendDuration(nil, d)), d.String(); got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	})
}

// call has the shape of a request payload sent by pointer (services.Call).
type call struct {
	ID       uint64
	Op       int
	Deadline Time
	Value    int64
}

// BenchmarkRenderPayloadCall: the text of one pointer-to-struct payload,
// the common kind in retry-storm's report.
func BenchmarkRenderPayloadCall(b *testing.B) {
	c := &call{ID: 12345, Deadline: Time(522477122)}
	b.ReportAllocs()
	for b.Loop() {
		_ = RenderPayload(c)
	}
}

// TestAppendPayloadAsRender: AppendPayload appends what RenderPayload
// returns, whatever the buffer already holds (the bound on a payload's
// length counts its own text only), long texts and cycles included.
func TestAppendPayloadAsRender(t *testing.T) {
	loop := &outer{ID: 2}
	loop.Next = loop
	long := strings.Repeat("é", MaxPayloadBytes)
	payloads := []any{nil, "", "text", long, errCode(7), 42, &outer{ID: 1, Raw: []byte("hi")}, loop,
		basics{B: true, I: -3}, struct{ S string }{long}}
	prefixes := [][]byte{nil, []byte("x"), []byte(strings.Repeat("p", 3*MaxPayloadBytes))}
	for _, p := range payloads {
		for _, pre := range prefixes {
			want := string(pre) + RenderPayload(p)
			if got := string(AppendPayload(append([]byte(nil), pre...), p)); got != want {
				t.Errorf("AppendPayload(%d bytes, %T) = …%q, want …%q", len(pre), p, got[len(pre):], want[len(pre):])
			}
		}
	}
}
