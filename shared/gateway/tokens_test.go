package gateway

import (
	"testing"
	"time"

	"github.com/profiles-service/profiles/shared/auth"
)

func TestVerifiedTokensRememberOnlyValidTokensUntilTheyExpire(t *testing.T) {
	t.Parallel()
	v := newVerifiedTokens(auth.LocalSecret)
	good, _ := auth.SignLocal(auth.LocalSecret, "alice", []string{"profiles:read"}, time.Hour)
	short, _ := auth.SignLocal(auth.LocalSecret, "bob", nil, time.Second)
	foreign, _ := auth.SignLocal("another-secret-another-secret", "mallory", nil, time.Hour)
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
