package profileevents

import (
	"strings"
	"testing"
)

// TestEventID: a UUID (version 5, RFC 9562) of the record's eventID, the
// same for every delivery of the record, another for another record.
func TestEventID(t *testing.T) {
	t.Parallel()
	a, b := eventID("c4ca4238a0b923820dcc509a6f75849b"), eventID("c81e728d9d4c2f636f067f89cc14862c")
	if a != eventID("c4ca4238a0b923820dcc509a6f75849b") || a == b {
		t.Errorf("ids %s, %s", a, b)
	}
	if len(a) != 36 || a[14] != '5' || !strings.ContainsRune("89ab", rune(a[19])) {
		t.Errorf("%s is no version 5 UUID", a)
	}
}
