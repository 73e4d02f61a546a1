package invariants

import (
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/faultline/faultline/checks"
)

func TestIdempotency(t *testing.T) {
	runTable(t, IdempotencyName, []tc{
		{
			name: "no effects",
			run:  func() checks.Result { return Idempotency(nil) },
			want: checks.OK,
		},
		{
			name: "one effect per key, several kinds per key",
			run: func() checks.Result {
				return Idempotency([]Effect{
					{Key: "k1", Kind: "charge", AtNs: 10},
					{Key: "k1", Kind: "email", AtNs: 12},
					{Key: "k2", Kind: "charge", AtNs: 20},
				})
			},
			want:         checks.OK,
			wantInDetail: []string{"3 effects"},
		},
		{
			name: "retry applied the charge twice",
			run: func() checks.Result {
				return Idempotency([]Effect{
					{Key: "k1", Kind: "charge", AtNs: 10},
					{Key: "k2", Kind: "charge", AtNs: 20},
					{Key: "k2", Kind: "charge", AtNs: 5},
				})
			},
			want:         checks.Fail,
			wantInDetail: []string{`key "k2" effect "charge" applied 2 times`, "at 5, 20 ns"},
		},
		{
			name: "several duplicates: sorted by key, counted",
			run: func() checks.Result {
				var effs []Effect
				for _, k := range []string{"e", "d", "c", "b", "a"} {
					effs = append(effs, Effect{Key: k, AtNs: 1}, Effect{Key: k, AtNs: 2})
				}
				return Idempotency(effs)
			},
			want:         checks.Fail,
			wantInDetail: []string{`5 keys applied more than once: key "a"`, `key "c"`, "and 2 more"},
		},
		{
			name:         "empty key is invalid",
			run:          func() checks.Result { return Idempotency([]Effect{{Kind: "charge", AtNs: 3}}) },
			want:         checks.Unknown,
			wantInDetail: []string{"effect 0", "empty Key"},
		},
	})
}

func TestPropertyIdempotency(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 30).Draw(t, "n")
		var effs []Effect
		for i := range n {
			effs = append(effs, Effect{Key: fmt.Sprintf("k%d", i), Kind: "charge", AtNs: int64(i)})
		}
		if r := Idempotency(effs); !r.OK() {
			t.Fatalf("unique keys rejected: %v", r)
		}
		dup := effs[rapid.IntRange(0, n-1).Draw(t, "dup")]
		dup.AtNs = 1000
		at := rapid.IntRange(0, n).Draw(t, "at")
		effs = append(effs[:at], append([]Effect{dup}, effs[at:]...)...)
		r := Idempotency(effs)
		if r.Outcome != checks.Fail || !strings.Contains(r.Detail, fmt.Sprintf("key %q", dup.Key)) {
			t.Fatalf("duplicate of %q not named: %v", dup.Key, r)
		}
	})
}
