package gateway

import (
	"testing"
	"time"
)

func TestVerifiedTokensRememberOnlyValidTokensUntilTheyExpire(t *testing.T) {
	t.Parallel()
	v := newVerifiedTokens(LocalSecret)
	now := time.Now()
	v.now = func() time.Time { return now }
	good, _ := SignLocal(LocalSecret, "alice", "aud", []string{"profiles:read"}, time.Hour)
	short, _ := SignLocal(LocalSecret, "bob", "aud", nil, time.Second)
	foreign, _ := SignLocal("another-secret-another-secret", "mallory", "aud", nil, time.Hour)
	for range 2 { // the second time from the cache
		if c, err := v.verify(good); err != nil || c.Subject != "alice" {
			t.Fatalf("good token: %v, %v", c.Subject, err)
		}
		if _, err := v.verify(foreign); err == nil {
			t.Fatal("a token signed with another key passed")
		}
		if _, err := v.verify(short); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(2 * time.Second) // past the short token's expiry, without waiting for it
	if _, err := v.verify(short); err == nil {
		t.Error("a remembered token passed after it expired")
	}
}
