package scenarios

import (
	"testing"

	"github.com/faultline/faultline/network"
)

func TestLinkParams(t *testing.T) {
	params := []Param{ModeParam("right", "wrong"), LatencyParam("uniform:1ms-5ms"), LossParam("0.1", ""), DuplicateParam("0.02")}
	v, err := Resolve(params, map[string]string{"loss": "0.25"})
	if err != nil {
		t.Fatal(err)
	}
	l := v.Link()
	if l.Latency.Kind != network.Uniform || l.Loss != 0.25 || l.Duplicate != 0.02 {
		t.Fatalf("link %+v", l)
	}
	if _, err := Resolve(params, map[string]string{"latency": "fast"}); err == nil {
		t.Fatal("a bad latency was accepted")
	}
	if _, err := Resolve(params, map[string]string{"mode": "broken"}); err == nil {
		t.Fatal("mode=broken was accepted")
	}
	if h := ModeParam("right", "wrong").Help; h != "correct: right; buggy: wrong" {
		t.Fatalf("help %q", h)
	}
	// Undeclared link parameters stay zero.
	v, _ = Resolve([]Param{LossParam("0.5", "request")}, nil)
	if l := v.Link(); l.Loss != 0.5 || l.Duplicate != 0 || l.Latency != (network.Dist{}) {
		t.Fatalf("link %+v", l)
	}
}
