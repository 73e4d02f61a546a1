package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/faultline/faultline/scenarios"
)

// TestCatalogueCheckedByCommandsThatReadIt: a catalogue with two scenarios
// of one name is refused (exit 2) by every command that reads the
// scenarios, while version and help, which skip the check to start
// faster, still work.
func TestCatalogueCheckedByCommandsThatReadIt(t *testing.T) {
	bad := App{Scenarios: []*scenarios.Scenario{cliPanic, cliPanic}}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"list"}, exitUsage, "bad scenario catalogue"},
		{[]string{"run", cliPanic.Name}, exitUsage, "bad scenario catalogue"},
		{[]string{"bench", "--seeds", "1"}, exitUsage, "bad scenario catalogue"},
		{[]string{}, exitUsage, "bad scenario catalogue"},
		{[]string{"version"}, exitOK, ""},
		{[]string{"--version"}, exitOK, ""},
		{[]string{"--help"}, exitOK, ""},
	} {
		var out, errOut bytes.Buffer
		code := bad.Run(tc.args, &out, &errOut)
		if code != tc.code || (tc.want != "" && !strings.Contains(errOut.String(), tc.want)) || (tc.want == "" && errOut.Len() > 0) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut.String(), tc.code, tc.want)
		}
	}
}
