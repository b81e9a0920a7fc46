package gateway

import (
	"testing"
	"time"
)

func TestVerifiedTokensRememberOnlyValidTokensUntilTheyExpire(t *testing.T) {
	t.Parallel()
	v := newVerifiedTokens(LocalSecret)
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
	time.Sleep(2 * time.Second)
	if _, err := v.verify(short); err == nil {
		t.Error("a remembered token passed after it expired")
	}
}
