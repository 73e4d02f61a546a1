package overload

import (
	"reflect"
	"testing"
	"time"
)

// perAttempt builds the same config as the key=value pair it replaced.
func TestPerAttemptIsTheKeyValuePair(t *testing.T) {
	for _, d := range []time.Duration{time.Second, 2 * time.Second, 150 * time.Millisecond, 0} {
		if got, want := perAttempt(d), mustSet("timeout.per_attempt", d.String()); !reflect.DeepEqual(got, want) {
			t.Errorf("perAttempt(%v) = %+v, want %+v", d, got, want)
		}
	}
}
