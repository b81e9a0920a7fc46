// Package auth holds the service's credentials: the local development JWTs
// that stand in for the API Gateway JWT authorizer, and API keys.
package gateway

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Local token settings: make token signs with this key and the local
// gateway accepts only tokens it signed. They are for development only.
const (
	LocalIssuer   = "http://127.0.0.1:3000/local-issuer"
	LocalAudience = "profiles-api"
	LocalSecret   = "local-development-jwt-key-not-for-production"
)

// Claims are the claims API Gateway's JWT authorizer passes to a function.
type Claims struct {
	jwt.RegisteredClaims
	Scope string `json:"scope,omitempty"`
}

// Scopes splits the space-separated scope claim.
func (c Claims) Scopes() []string { return strings.Fields(c.Scope) }

// SignLocal returns a local development token for the subject and scopes.
func SignLocal(secret, subject string, scopes []string, ttl time.Duration) (string, error) {
	now := time.Now()
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: LocalIssuer, Subject: subject, Audience: jwt.ClaimStrings{LocalAudience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Scope: strings.Join(scopes, " "),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
}

// ErrBadToken is a missing, malformed, expired or foreign token.
var ErrBadToken = errors.New("invalid token")

// VerifyLocal checks a local token's signature, issuer, audience and times.
func VerifyLocal(secret, token string) (Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(LocalIssuer), jwt.WithAudience(LocalAudience),
		jwt.WithExpirationRequired())
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	if c.Subject == "" {
		return Claims{}, fmt.Errorf("%w: no sub claim", ErrBadToken)
	}
	return c, nil
}

// BearerToken returns the token of an "Authorization: Bearer <token>" header.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
