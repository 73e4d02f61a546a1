package httpsim

import (
	"net/url"
	"testing"
)

// FuzzParseTarget: the fast path agrees with net/url wherever net/url
// accepts the target.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"/", "/a?b=c", "/a%20b", "/x#frag", "/a?b", "/?", "/a b", "/é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got url.URL
		err := parseTarget(s, &got)
		want, wantErr := url.ParseRequestURI(s)
		if wantErr != nil {
			return // the fast path may accept more; the request then fails later or not at all
		}
		if err != nil {
			t.Fatalf("parseTarget(%q): %v; net/url accepts it", s, err)
		}
		if got.Path != want.Path || got.RawQuery != want.RawQuery || got.Fragment != want.Fragment {
			t.Fatalf("parseTarget(%q) = %q ? %q # %q; net/url: %q ? %q # %q", s, got.Path, got.RawQuery, got.Fragment, want.Path, want.RawQuery, want.Fragment)
		}
	})
}
