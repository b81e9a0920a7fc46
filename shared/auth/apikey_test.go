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
	good, _, _ := NewAPIKey("p", time.Now())
	for _, bad := range []string{"", "pk_", good[:len(good)-1], good + "A", "sk_" + good[3:], strings.Replace(good, good[5:6], "+", 1), " " + good[1:]} {
		if WellFormed(bad) {
			t.Errorf("WellFormed(%q) = true", bad)
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
