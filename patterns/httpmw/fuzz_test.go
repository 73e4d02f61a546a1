package httpmw_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/faultline/faultline/patterns/httpmw"
)

// FuzzRetryAfter: any header value gives a wait >= 0, and never panics.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "-1", "Wed, 21 Oct 2015 07:28:00 GMT", "99999999999999999999", "1.5"} {
		f.Add(s)
	}
	now := time.Date(2015, 10, 21, 7, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set("Retry-After", v)
		if d := httpmw.RetryAfter(h, now); d < 0 {
			t.Fatalf("RetryAfter(%q) = %v", v, d)
		}
	})
}
