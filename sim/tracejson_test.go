package sim

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendJSONString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{"n1->n2 <ok> & done", `"n1->n2 <ok> & done"`},
		{"a\"b\\c", `"a\"b\\c"`},
		{"line\nnext\ttab\r", `"line\nnext\ttab\r"`},
		{"\x00\x1f", `"\u0000\u001f"`},
		{"bad \xff utf8", `"bad \ufffd utf8"`},
		{"ls\u2028ps\u2029", `"ls\u2028ps\u2029"`},
		{"→ ✓ 日本", `"→ ✓ 日本"`},
	} {
		if got := string(AppendJSONString(nil, tc.in)); got != tc.want {
			t.Errorf("AppendJSONString(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// Whatever the input, the output decodes to what encoding/json decodes
// its own encoding to.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a->b", "\x00\xff\"\\", "\u2028<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got, want string
		if err := json.Unmarshal(AppendJSONString(nil, s), &got); err != nil {
			t.Fatalf("%q: output does not decode: %v", s, err)
		}
		ref, _ := json.Marshal(s)
		if err := json.Unmarshal(ref, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%q: decodes to %q, encoding/json's to %q", s, got, want)
		}
	})
}

type named struct{ A, B int }

type shout string

func (s shout) String() string { return strings.ToUpper(string(s)) + "!" }

func TestRenderPayload(t *testing.T) {
	long := strings.Repeat("é", MaxPayloadBytes)
	for _, tc := range []struct {
		in   any
		want string
	}{
		{nil, ""},
		{"plain", "plain"},
		{named{1, 2}, "{A:1 B:2}"},
		{&named{3, 4}, "&{A:3 B:4}"},
		{shout("hi"), "HI!"},
		{42, "42"},
	} {
		if got := RenderPayload(tc.in); got != tc.want {
			t.Errorf("RenderPayload(%#v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := RenderPayload(long)
	if !utf8.ValidString(got) || !strings.HasSuffix(got, "…") || len(got) > MaxPayloadBytes+len("…") {
		t.Errorf("long payload cut to %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
}

// A JSON Lines record names its nodes as fault files do, keeps "->" as
// written, and decodes back to the record.
func TestJSONLSinkRecord(t *testing.T) {
	var buf bytes.Buffer
	s := NewJSONLSink(&buf)
	s.Record(&Record{At: 5, Kind: "send", Node: 0, Peer: 2, ID: 7, Payload: "put k->v"})
	s.Record(&Record{At: 6, Kind: "partition", Node: -1, Peer: -1, Detail: "n1 -/-> n3"})
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	want := `{"t_ns":5,"kind":"send","node":0,"peer":2,"node_name":"n1","peer_name":"n3","id":7,"payload":"put k->v"}
{"t_ns":6,"kind":"partition","node":-1,"peer":-1,"detail":"n1 -/-> n3"}
`
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
	var r Record
	if err := json.Unmarshal([]byte(strings.SplitN(want, "\n", 2)[0]), &r); err != nil || r.Payload != "put k->v" || r.Peer != 2 {
		t.Fatalf("decoded %+v, %v", r, err)
	}
	if NodeName(-1) != "" || NodeName(9) != "n10" {
		t.Fatalf("NodeName(-1) = %q, NodeName(9) = %q", NodeName(-1), NodeName(9))
	}
}
