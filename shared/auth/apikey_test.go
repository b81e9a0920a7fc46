package auth

import (
	"context"
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

// TestMalformedKeysCostNoRead: random or malformed keys are refused before
// any read, so unauthenticated callers cannot run up reads.
func TestMalformedKeysCostNoRead(t *testing.T) {
	keys := &countingKeys{}
	for _, k := range []string{"", "x", "pk_not-a-key", strings.Repeat("a", 5000)} {
		if _, ok, err := CheckAPIKey(context.Background(), keys, k); ok || err != nil {
			t.Errorf("CheckAPIKey(%q) = %v, %v", k, ok, err)
		}
	}
	if keys.reads != 0 {
		t.Errorf("%d reads for malformed keys", keys.reads)
	}
	good, _, _ := NewAPIKey("p", time.Now())
	if _, ok, _ := CheckAPIKey(context.Background(), keys, good); ok || keys.reads != 1 {
		t.Errorf("a well-formed unknown key: ok %v after %d reads", ok, keys.reads)
	}
}
