package sim

import (
	"strings"
	"testing"
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
