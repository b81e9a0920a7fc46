package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewKeysAreWellFormed(t *testing.T) {
	for range 20 {
		key, rec, err := NewAPIKey("p", time.Now())
		if err != nil || !WellFormed(key) || rec.Hash != HashAPIKey(key) {
			t.Fatalf("NewAPIKey = %q (%v): not well formed", key, err)
		}
	}
	good, _, err := NewAPIKey("p", time.Now())
	if err != nil || !WellFormed(good) {
		t.Fatalf("NewAPIKey = %q (%v): not well formed", good, err)
	}
	for _, bad := range []string{"", "pk_", good[:len(good)-1], good + "A"} {
		if WellFormed(bad) {
			t.Errorf("WellFormed(%q) = true", bad)
		}
	}
	// good with another prefix: only the prefix check refuses it.
	for _, bad := range []string{"sk_" + good[3:], "PK_" + good[3:], "pk-" + good[3:], " " + good[1:]} {
		if len(bad) != len(good) || bad[len(apiKeyPrefix):] != good[len(apiKeyPrefix):] {
			t.Fatalf("%q is not good with only its prefix changed", bad)
		}
		if WellFormed(bad) {
			t.Errorf("WellFormed(%q) = true: another prefix", bad)
		}
	}
	// good with characters of its body (never of the prefix) replaced by one
	// outside base64url, of as many bytes: only the alphabet check refuses it.
	for _, tt := range []struct {
		at int
		c  string
	}{
		{5, "+"}, {len(apiKeyPrefix), "/"}, {len(good) - 1, "="}, {20, "."}, {30, " "}, {10, "\x00"}, {15, "é"}, {25, "\xff"},
	} {
		bad := good[:tt.at] + tt.c + good[tt.at+len(tt.c):]
		if len(bad) != len(good) || !strings.HasPrefix(bad, apiKeyPrefix) || tt.at < len(apiKeyPrefix) {
			t.Fatalf("%q is not good with only characters of its body changed", bad)
		}
		if WellFormed(bad) {
			t.Errorf("WellFormed(%q) = true: %q is not base64url", bad, tt.c)
		}
	}
}

// countingKeys is a key store that counts its reads.
type countingKeys struct{ reads int }

func (c *countingKeys) APIKey(context.Context, string) (APIKey, error) {
	c.reads++
	return APIKey{}, ErrUnknownKey
}

func (c *countingKeys) MarkAPIKeyUsed(context.Context, string, string) error { return nil }

// TestMalformedKeysCostNoRead: random or malformed keys are refused before
// any read, so unauthenticated callers cannot run up reads.
func TestMalformedKeysCostNoRead(t *testing.T) {
	keys := &countingKeys{}
	for _, k := range []string{"", "x", "pk_not-a-key", strings.Repeat("a", 5000)} {
		if _, ok, err := CheckAPIKey(context.Background(), keys, k, time.Now()); ok || err != nil {
			t.Errorf("CheckAPIKey(%q) = %v, %v", k, ok, err)
		}
	}
	if keys.reads != 0 {
		t.Errorf("%d reads for malformed keys", keys.reads)
	}
	good, _, _ := NewAPIKey("p", time.Now())
	if _, ok, _ := CheckAPIKey(context.Background(), keys, good, time.Now()); ok || keys.reads != 1 {
		t.Errorf("a well-formed unknown key: ok %v after %d reads", ok, keys.reads)
	}
}

// oneKey is a store of one key that records the days it was marked used,
// failing each mark with markErr.
type oneKey struct {
	rec     APIKey
	marks   []string
	markErr error
}

func (o *oneKey) APIKey(_ context.Context, hash string) (APIKey, error) {
	if hash != o.rec.Hash {
		return APIKey{}, ErrUnknownKey
	}
	return o.rec, nil
}

func (o *oneKey) MarkAPIKeyUsed(_ context.Context, hash, day string) error {
	if o.markErr != nil {
		return o.markErr
	}
	o.marks = append(o.marks, day)
	if o.rec.LastUsedDay < day {
		o.rec.LastUsedDay = day
	}
	return nil
}

// TestExpiredKeysAreRefused: a key is accepted before its ExpireTime and
// refused from that instant on, by the clock the check is given.
func TestExpiredKeysAreRefused(t *testing.T) {
	created := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	expires := created.Add(90 * 24 * time.Hour)
	cases := []struct {
		name    string
		expires time.Time
		now     time.Time
		want    bool
	}{
		{"no expiry, years later", time.Time{}, created.AddDate(10, 0, 0), true},
		{"a second before", expires, expires.Add(-time.Second), true},
		{"at the expiry", expires, expires, false},
		{"a day after", expires, expires.Add(24 * time.Hour), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key, rec, err := NewAPIKey("partner", created)
			if err != nil {
				t.Fatal(err)
			}
			rec.ExpireTime = tc.expires
			name, ok, err := CheckAPIKey(context.Background(), &oneKey{rec: rec}, key, tc.now)
			if err != nil || ok != tc.want || (ok && name != "partner") {
				t.Errorf("CheckAPIKey at %s (expires %s) = %q, %v, %v; want ok %v", tc.now, tc.expires, name, ok, err, tc.want)
			}
		})
	}
}

// TestUseIsMarkedOncePerDay: however many checks a day, one mark, the
// first; the next UTC day, one more. A refused key is never marked.
func TestUseIsMarkedOncePerDay(t *testing.T) {
	day1 := time.Date(2026, 3, 1, 0, 0, 1, 0, time.UTC)
	key, rec, err := NewAPIKey("partner", day1)
	if err != nil {
		t.Fatal(err)
	}
	keys := &oneKey{rec: rec}
	for _, at := range []time.Time{day1, day1.Add(time.Hour), day1.Add(23 * time.Hour), day1.Add(24 * time.Hour), day1.Add(30 * time.Hour)} {
		if _, ok, err := CheckAPIKey(context.Background(), keys, key, at); !ok || err != nil {
			t.Fatalf("CheckAPIKey at %s = %v, %v", at, ok, err)
		}
	}
	if want := []string{"2026-03-01", "2026-03-02"}; strings.Join(keys.marks, ",") != strings.Join(want, ",") {
		t.Errorf("marked on %v, want %v", keys.marks, want)
	}
	keys.rec.Revoked = true
	if _, ok, _ := CheckAPIKey(context.Background(), keys, key, day1.Add(72*time.Hour)); ok || len(keys.marks) != 2 {
		t.Errorf("a revoked key: ok %v, marks %v", ok, keys.marks)
	}
}

// TestFailingToMarkNeverRefuses: the last-used day is for the listing; a
// store that cannot record it does not turn a valid key away.
func TestFailingToMarkNeverRefuses(t *testing.T) {
	key, rec, err := NewAPIKey("partner", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keys := &oneKey{rec: rec, markErr: errors.New("AccessDeniedException")}
	if name, ok, err := CheckAPIKey(context.Background(), keys, key, time.Now()); !ok || err != nil || name != "partner" {
		t.Errorf("CheckAPIKey with a failing mark = %q, %v, %v; want accepted", name, ok, err)
	}
}

func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 5, 20, 15, 30, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Time // zero: refused
	}{
		{"90d", now.Add(90 * 24 * time.Hour)},
		{"1d", now.Add(24 * time.Hour)},
		{"2026-12-31", time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"2026-06-01T10:00:00+02:00", time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)},
		{"0d", time.Time{}},
		{"-5d", time.Time{}},
		{"3651d", time.Time{}},
		{"2026-05-20", time.Time{}}, // today's start: passed
		{"2020-01-01", time.Time{}},
		{"90", time.Time{}},
		{"90h", time.Time{}},
		{"", time.Time{}},
	}
	for _, tc := range cases {
		got, err := ParseExpiry(tc.in, now)
		if tc.want.IsZero() {
			if err == nil {
				t.Errorf("ParseExpiry(%q) = %s, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseExpiry(%q) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestCheckName(t *testing.T) {
	key, _, _ := NewAPIKey("p", time.Now())
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"partner-a", true}, {"acme.corp_2", true}, {strings.Repeat("a", 64), true},
		{"", false}, {strings.Repeat("a", 65), false}, {"has space", false}, {"slash/y", false},
		{"é", false}, {"new\nline", false}, {key, false},
	} {
		if err := CheckName(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckName(%q) = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}
