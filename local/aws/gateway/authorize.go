package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/profiles-service/profiles/local/samtemplate"
)

// denial is an authorizer's refusal: API Gateway's status and answer,
// before any function runs.
type denial struct {
	status int
	header http.Header
}

// authorizer checks a route's requests as API Gateway's authorizer of that
// name does, and returns what it passes to the function.
type authorizer interface {
	authorize(ctx context.Context, rt samtemplate.Route, r *http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, *denial)
}

// jwtAuthorizer is an HTTP API JWT authorizer (API Gateway developer guide,
// "Controlling access to HTTP APIs with JWT authorizers"): the token from
// the Authorization header, alone or after "Bearer "; its signature,
// issuer, times and audience (or client_id) checked, else a 401 with
// {"message":"Unauthorized"} and a WWW-Authenticate header as API Gateway
// sends; then at least one of the route's scopes in scope or scp, else a
// 403 {"message":"Forbidden"}. The claims go to the function flattened to
// strings, as API Gateway passes them.
type jwtAuthorizer struct {
	audiences []string
	tokens    *verifiedTokens
}

func (a *jwtAuthorizer) authorize(_ context.Context, rt samtemplate.Route, r *http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, *denial) {
	unauthorized := func(why string) *denial {
		h := http.Header{}
		h.Set("WWW-Authenticate", `Bearer scope="" error="invalid_token" error_description="`+why+`"`)
		return &denial{status: http.StatusUnauthorized, header: h}
	}
	token, ok := IdentityToken(r.Header.Get("Authorization"))
	if !ok {
		return nil, &denial{status: http.StatusUnauthorized}
	}
	claims, err := a.tokens.verify(token)
	if err != nil {
		return nil, unauthorized("the token is not valid")
	}
	if !audienceOK(claims, a.audiences) {
		return nil, unauthorized("the token does not have a valid audience")
	}
	if len(rt.Scopes) > 0 && !anyOf(claims.Scopes(), rt.Scopes) {
		return nil, &denial{status: http.StatusForbidden}
	}
	var scopes []string
	if len(rt.Scopes) > 0 {
		scopes = claims.Scopes()
	}
	return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: jwtClaims(claims), Scopes: scopes},
	}, nil
}

func anyOf(have, want []string) bool {
	for _, w := range want {
		if contains(have, w) {
			return true
		}
	}
	return false
}

// jwtClaims flattens claims to strings as API Gateway does: a list as
// "[a b]", numbers as their digits.
func jwtClaims(c Claims) map[string]string {
	m := map[string]string{"sub": c.Subject, "iss": c.Issuer}
	if len(c.Audience) > 0 {
		m["aud"] = "[" + strings.Join(c.Audience, " ") + "]"
	}
	if c.Scope != "" {
		m["scope"] = c.Scope
	}
	if len(c.Scp) > 0 {
		m["scp"] = "[" + strings.Join(c.Scp, " ") + "]"
	}
	if c.ClientID != "" {
		m["client_id"] = c.ClientID
	}
	if c.IssuedAt != nil {
		m["iat"] = fmt.Sprint(c.IssuedAt.Unix())
	}
	if c.ExpiresAt != nil {
		m["exp"] = fmt.Sprint(c.ExpiresAt.Unix())
	}
	return m
}

// lambdaAuthorizer is an HTTP API Lambda authorizer (REQUEST, payload
// format 2.0, simple responses; API Gateway developer guide, "Working with
// AWS Lambda authorizers for HTTP APIs"): a missing or empty identity
// source is a 401 without invoking it; isAuthorized false a 403; an error
// or a response of the wrong shape a 500. With ReauthorizeEvery, its result
// is cached by the identity sources' values for that long ("API Gateway
// uses the authorizer's identity sources as the cache key"), for every
// route that uses it.
type lambdaAuthorizer struct {
	function lambda.Handler
	headers  []string
	ttl      time.Duration

	mu    sync.Mutex
	cache map[string]cachedResult
}

type cachedResult struct {
	resp    events.APIGatewayV2CustomAuthorizerSimpleResponse
	expires time.Time
}

func (a *lambdaAuthorizer) authorize(ctx context.Context, rt samtemplate.Route, r *http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, *denial) {
	var identity []string
	for _, h := range a.headers {
		v := r.Header.Get(h)
		if v == "" {
			return nil, &denial{status: http.StatusUnauthorized}
		}
		identity = append(identity, v)
	}
	cacheKey := strings.Join(identity, "\x00")
	resp, ok := a.cached(cacheKey)
	if !ok {
		ev := Event(rt, r, nil, nil)
		req := events.APIGatewayV2CustomAuthorizerV2Request{
			Version: "2.0", Type: "REQUEST", RouteArn: "arn:aws:execute-api:us-east-1:123456789012:local/$default/" + rt.Method + rt.Path,
			IdentitySource: identity, RouteKey: ev.RouteKey, RawPath: ev.RawPath, RawQueryString: ev.RawQueryString,
			Cookies: ev.Cookies, Headers: ev.Headers, QueryStringParameters: ev.QueryStringParameters,
			PathParameters: ev.PathParameters, RequestContext: ev.RequestContext,
		}
		payload, _ := json.Marshal(req)
		out, err := a.function.Invoke(ctx, payload)
		if err != nil || json.Unmarshal(out, &resp) != nil {
			return nil, &denial{status: http.StatusInternalServerError}
		}
		a.remember(cacheKey, resp)
	}
	if !resp.IsAuthorized {
		return nil, &denial{status: http.StatusForbidden}
	}
	return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: resp.Context}, nil
}

func (a *lambdaAuthorizer) cached(key string) (events.APIGatewayV2CustomAuthorizerSimpleResponse, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.cache[key]
	if !ok || time.Now().After(c.expires) {
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, false
	}
	return c.resp, true
}

func (a *lambdaAuthorizer) remember(key string, resp events.APIGatewayV2CustomAuthorizerSimpleResponse) {
	if a.ttl <= 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cache) >= maxVerifiedTokens {
		clear(a.cache)
	}
	a.cache[key] = cachedResult{resp: resp, expires: time.Now().Add(a.ttl)}
}

// newAuthorizers builds the template's authorizers.
func newAuthorizers(t *samtemplate.Template, functions map[string]lambda.Handler, tokens *verifiedTokens) (map[string]authorizer, error) {
	out := map[string]authorizer{}
	res := t.Resolver()
	for name, az := range t.Authorizers {
		if az.JWT != nil {
			auds, err := res.Strings(samtemplate.Field(az.JWT, "audience"))
			if err != nil {
				return nil, fmt.Errorf("authorizer %s: %w", name, err)
			}
			out[name] = &jwtAuthorizer{audiences: auds, tokens: tokens}
			continue
		}
		if functions[az.Function] == nil {
			return nil, fmt.Errorf("authorizer %s: no handler for its function %q", name, az.Function)
		}
		out[name] = &lambdaAuthorizer{function: functions[az.Function], headers: az.Headers,
			ttl: time.Duration(az.ReauthorizeEvery) * time.Second, cache: map[string]cachedResult{}}
	}
	return out, nil
}
