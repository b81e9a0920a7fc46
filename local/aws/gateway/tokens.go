package gateway

import (
	"sync"
	"time"
)

// maxVerifiedTokens bounds the verified-token cache; when full it starts over.
const maxVerifiedTokens = 1024

// verifiedTokens remembers the claims of the tokens whose signature, issuer
// and audience were checked, as Envoy's JWT filter does, so a client's
// later requests with the same token cost a map lookup rather than a
// signature check and two JSON decodings. A remembered token is refused
// again once it expires.
type verifiedTokens struct {
	secret string
	now    func() time.Time // the clock expiry is checked on; a test moves it
	mu     sync.Mutex
	claims map[string]Claims
}

func newVerifiedTokens(secret string) *verifiedTokens {
	return &verifiedTokens{secret: secret, now: time.Now, claims: map[string]Claims{}}
}

// verify is VerifyLocal, remembered.
func (v *verifiedTokens) verify(token string) (Claims, error) {
	v.mu.Lock()
	c, ok := v.claims[token]
	v.mu.Unlock()
	if ok && c.ExpiresAt != nil && v.now().Before(c.ExpiresAt.Time) {
		return c, nil
	}
	c, err := verifyLocalAt(v.secret, token, v.now)
	if err != nil {
		return c, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.claims) >= maxVerifiedTokens {
		clear(v.claims)
	}
	v.claims[token] = c
	return c, nil
}
