package logging

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"contact client@email.com exists":                               "contact [email] exists",
		"Mary.Smith+tag@Sub.Example.co.uk":                              "[email]",
		"phone +64 27 111 2222 taken":                                   "phone [phone] taken",
		"+9876543210":                                                   "[phone]",
		"Authorization: Bearer abc.def.ghi":                             "Authorization: Bearer [token]",
		"token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig-nat":            "token [token]",
		"x-api-key pk_AbCdEf0123456789_-xyz":                            "x-api-key [api-key]",
		"profile 6006dda272f002519c3eb505 at 2021-01-01T00:00:00+00:00": "profile 6006dda272f002519c3eb505 at 2021-01-01T00:00:00+00:00",
		"status 503 after 1234 ms":                                      "status 503 after 1234 ms",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoggerMasksAndCarriesRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, slog.LevelInfo)
	ctx := WithRequestID(context.Background(), "req-123")
	log.ErrorContext(ctx, "conflict for mary@example.com", "error", errors.New("value +64271112222 exists"),
		"header", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "key", "pk_0123456789abcdefghij")
	out := buf.String()
	for _, secret := range []string{"mary@example.com", "+64271112222", "eyJhbGciOiJIUzI1NiJ9", "pk_0123456789abcdefghij"} {
		if strings.Contains(out, secret) {
			t.Errorf("log line holds %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, `"requestId":"req-123"`) || !strings.HasPrefix(out, "{") {
		t.Errorf("not a JSON line with the request id: %s", out)
	}
}

// FuzzMaskSkipsOnlyCleanStrings: Mask's fast path skips the regular
// expressions only for strings none of them would change.
func FuzzMaskSkipsOnlyCleanStrings(f *testing.F) {
	for _, s := range []string{
		"GET /profiles/{profileId}", "limit=10&sort_by=lastName", "0123456789abcdef0123456789abcdef",
		"a@b.co", "+64 27 111 2222", "0064271112222", "BeArEr x", "eyJa.b.c", "pk_0123456789", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !mayHoldSecret(s) && maskAll(s) != s {
			t.Errorf("the fast path keeps %q, which the patterns mask as %q", s, maskAll(s))
		}
	})
}
