package gateway

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/profiles-service/profiles/local/samtemplate"
)

// Local token settings: make token signs with this key and the local
// gateway accepts only tokens it signed. They are for development only.
const (
	LocalIssuer = "http://127.0.0.1:3000/local-issuer"
	LocalSecret = "local-development-jwt-key-not-for-production"
)

// Claims are the claims a token carries and API Gateway's JWT authorizer
// passes to a function.
type Claims struct {
	jwt.RegisteredClaims
	Scope    string   `json:"scope,omitempty"`
	Scp      []string `json:"scp,omitempty"`
	ClientID string   `json:"client_id,omitempty"`
}

// Scopes are the token's scopes: the space-separated scope claim, or scp
// (API Gateway reads either).
func (c Claims) Scopes() []string {
	if c.Scope != "" {
		return strings.Fields(c.Scope)
	}
	return c.Scp
}

// Role is whom a local token stands for, as the identity provider would
// issue it: an administrator, or an end user signed in to the app. Each
// gets the audience of its routes' authorizer in template.yaml.
type Role string

// The roles, and the authorizer whose audience each carries.
const (
	RoleAdmin Role = "admin" // AdminAuthorizer: the admin routes
	RoleUser  Role = "user"  // UserAuthorizer: /api/me/*
)

var roleAuthorizer = map[Role]string{RoleAdmin: "AdminAuthorizer", RoleUser: "UserAuthorizer"}

// Audience is the audience tokens of the role carry: the first of its
// authorizer's in template.yaml, its parameter's default resolved.
func Audience(tpl *samtemplate.Template, role Role) (string, error) {
	az, ok := tpl.Authorizers[roleAuthorizer[role]]
	if !ok || az.JWT == nil {
		return "", fmt.Errorf("template.yaml has no JWT authorizer %q for role %q", roleAuthorizer[role], role)
	}
	auds, err := tpl.Resolver().Strings(samtemplate.Field(az.JWT, "audience"))
	if err != nil {
		return "", fmt.Errorf("authorizer %s: no audience: %w", az.Name, err)
	}
	if len(auds) == 0 {
		return "", fmt.Errorf("authorizer %s: no audience", az.Name)
	}
	return auds[0], nil
}

// SignLocal returns a local development token for the subject, audience
// and scopes.
func SignLocal(secret, subject, audience string, scopes []string, ttl time.Duration) (string, error) {
	now := time.Now()
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: LocalIssuer, Subject: subject, Audience: jwt.ClaimStrings{audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Scope: strings.Join(scopes, " "),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
}

// SignRole is SignLocal with the role's audience from template.yaml.
func SignRole(tpl *samtemplate.Template, role Role, subject string, scopes []string, ttl time.Duration) (string, error) {
	aud, err := Audience(tpl, role)
	if err != nil {
		return "", err
	}
	return SignLocal(LocalSecret, subject, aud, scopes, ttl)
}

// ErrBadToken is a missing, malformed, expired or foreign token.
var ErrBadToken = errors.New("invalid token")

// VerifyLocal checks what API Gateway's JWT authorizer checks of any token
// (API Gateway developer guide, "Controlling access to HTTP APIs with JWT
// authorizers"): its signature (HS256 with the local key, where AWS fetches
// the issuer's RSA keys), its issuer, exp after now, nbf and iat before
// now. The audience is the authorizer's own check (audienceOK).
func VerifyLocal(secret, token string) (Claims, error) {
	return verifyLocalAt(secret, token, time.Now)
}

// verifyLocalAt is VerifyLocal on the clock now.
func verifyLocalAt(secret, token string, now func() time.Time) (Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(LocalIssuer), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithTimeFunc(now))
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrBadToken, err)
	}
	return c, nil
}

// audienceOK is the authorizer's audience check: aud must hold one of the
// audiences; a token without aud is checked by its client_id ("API
// Gateway validates client_id only if aud is not present").
func audienceOK(c Claims, audiences []string) bool {
	if len(c.Audience) == 0 {
		return c.ClientID != "" && contains(audiences, c.ClientID)
	}
	for _, a := range c.Audience {
		if contains(audiences, a) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// IdentityToken is the token of an Authorization header as API Gateway's
// JWT authorizer reads it: "The identitySource can include only the token,
// or the token prefixed with Bearer".
func IdentityToken(header string) (string, bool) {
	token := strings.TrimSpace(header)
	if scheme, rest, ok := strings.Cut(token, " "); ok && strings.EqualFold(scheme, "Bearer") {
		token = strings.TrimSpace(rest)
	}
	return token, token != "" && !strings.ContainsAny(token, " \t")
}
