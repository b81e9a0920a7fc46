// Package gateway is the local stand-in for API Gateway's HTTP API: it takes
// its routes from template.yaml, checks credentials as the route's
// authorizer would, builds the HTTP API (v2) event and invokes the route's
// function handler in process, as `sam local start-api` does in a container.
package gateway

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/profiles-service/profiles/local/samtemplate"
)

// maxPayload is API Gateway's limit on a request body (10 MB).
const maxPayload = 10 << 20

// Gateway serves the template's routes locally.
type Gateway struct {
	mux         *http.ServeMux
	functions   map[string]lambda.Handler
	authorizers map[string]samtemplate.Authorizer
	tokens      *verifiedTokens
}

// New builds the gateway; functions holds a handler for every function the
// template routes to.
func New(t *samtemplate.Template, functions map[string]lambda.Handler, jwtSecret string) (*Gateway, error) {
	g := &Gateway{mux: http.NewServeMux(), functions: functions, authorizers: t.Authorizers, tokens: newVerifiedTokens(jwtSecret)}
	for _, rt := range t.Routes() {
		if functions[rt.Function] == nil {
			return nil, fmt.Errorf("no handler for function %s (route %s)", rt.Function, rt.Pattern())
		}
		az, ok := t.Authorizers[rt.Authorizer]
		if rt.Authorizer != "" && rt.Authorizer != "NONE" && (!ok || (az.JWT == nil && functions[az.Function] == nil)) {
			return nil, fmt.Errorf("route %s: authorizer %q is not defined or has no function", rt.Pattern(), rt.Authorizer)
		}
		g.mux.Handle(rt.Pattern(), g.route(rt))
	}
	g.serveDocs()
	g.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		gatewayError(w, http.StatusNotFound, "Not Found")
	})
	return g, nil
}

// ServeHTTP routes the request. A path that is not in canonical form
// ("..", "//", a trailing "/") matches no route, as in API Gateway; it gets
// a 404 rather than the redirect Go's ServeMux would send.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.Path; p != "/" && path.Clean(p) != p {
		gatewayError(w, http.StatusNotFound, "Not Found")
		return
	}
	g.mux.ServeHTTP(w, r)
}

// gatewayError answers as API Gateway itself does, before any function runs.
func gatewayError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
}

func (g *Gateway) route(rt samtemplate.Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authz, status := g.authorize(rt, r)
		if status != 0 {
			gatewayError(w, status, http.StatusText(status))
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
		if err != nil || len(body) > maxPayload {
			gatewayError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
			return
		}
		event := Event(rt, r, body, authz)
		payload, _ := json.Marshal(event)
		out, err := g.functions[rt.Function].Invoke(r.Context(), payload)
		if err != nil {
			gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		writeResponse(w, out)
	})
}

// authorize runs the route's authorizer: 401 for no or a bad credential,
// 403 for a missing scope or a credential the Lambda authorizer refuses.
func (g *Gateway) authorize(rt samtemplate.Route, r *http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, int) {
	if rt.Authorizer == "" || rt.Authorizer == "NONE" {
		return nil, 0
	}
	if az := g.authorizers[rt.Authorizer]; az.JWT == nil {
		return g.lambdaAuthorize(az, rt, r)
	}
	return g.jwtAuthorize(rt, r)
}

// jwtAuthorize checks the Bearer token and the route's scopes, and passes
// the claims on as API Gateway's JWT authorizer does.
func (g *Gateway) jwtAuthorize(rt samtemplate.Route, r *http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, int) {
	token, ok := BearerToken(r.Header.Get("Authorization"))
	if !ok {
		return nil, http.StatusUnauthorized
	}
	claims, err := g.tokens.verify(token)
	if err != nil {
		return nil, http.StatusUnauthorized
	}
	for _, s := range rt.Scopes {
		if !slices.Contains(claims.Scopes(), s) {
			return nil, http.StatusForbidden
		}
	}
	return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: jwtClaims(claims)},
	}, 0
}

// lambdaAuthorize runs a Lambda authorizer (payload 2.0, simple response)
// as API Gateway does: a missing identity header is a 401 without calling
// it, a refusal a 403.
func (g *Gateway) lambdaAuthorize(az samtemplate.Authorizer, rt samtemplate.Route, r *http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, int) {
	var identity []string
	for _, h := range az.Headers {
		v := r.Header.Get(h)
		if v == "" {
			return nil, http.StatusUnauthorized
		}
		identity = append(identity, v)
	}
	ev := Event(rt, r, nil, nil)
	req := events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST", RouteArn: "arn:aws:execute-api:us-east-1:123456789012:local/$default/" + rt.Method + rt.Path,
		IdentitySource: identity, RouteKey: ev.RouteKey, RawPath: ev.RawPath, RawQueryString: ev.RawQueryString,
		Cookies: ev.Cookies, Headers: ev.Headers, QueryStringParameters: ev.QueryStringParameters,
		PathParameters: ev.PathParameters, RequestContext: ev.RequestContext,
	}
	payload, _ := json.Marshal(req)
	out, err := g.functions[az.Function].Invoke(r.Context(), payload)
	if err != nil {
		return nil, http.StatusInternalServerError
	}
	var resp events.APIGatewayV2CustomAuthorizerSimpleResponse
	if json.Unmarshal(out, &resp) != nil {
		return nil, http.StatusInternalServerError
	}
	if !resp.IsAuthorized {
		return nil, http.StatusForbidden
	}
	return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: resp.Context}, 0
}

// jwtClaims flattens claims to strings as API Gateway does.
func jwtClaims(c Claims) map[string]string {
	m := map[string]string{"sub": c.Subject, "iss": c.Issuer}
	if len(c.Audience) > 0 {
		m["aud"] = "[" + strings.Join(c.Audience, " ") + "]"
	}
	if c.Scope != "" {
		m["scope"] = c.Scope
	}
	if c.IssuedAt != nil {
		m["iat"] = fmt.Sprint(c.IssuedAt.Unix())
	}
	if c.ExpiresAt != nil {
		m["exp"] = fmt.Sprint(c.ExpiresAt.Unix())
	}
	return m
}

// Event builds the HTTP API payload format 2.0 event API Gateway would send.
func Event(rt samtemplate.Route, r *http.Request, body []byte, authz *events.APIGatewayV2HTTPRequestContextAuthorizerDescription) events.APIGatewayV2HTTPRequest {
	now := time.Now()
	headers := map[string]string{}
	for k, vals := range r.Header {
		if strings.EqualFold(k, "Cookie") {
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(vals, ",")
	}
	headers["host"] = r.Host
	var query map[string]string
	if q := r.URL.Query(); len(q) > 0 {
		query = map[string]string{}
		for k, vals := range q {
			query[k] = strings.Join(vals, ",")
		}
	}
	var params map[string]string
	for rest := rt.Path; ; {
		// Each {name} of the route's path is a path parameter.
		_, after, ok := strings.Cut(rest, "{")
		if !ok {
			break
		}
		name, tail, _ := strings.Cut(after, "}")
		if params == nil {
			params = map[string]string{}
		}
		params[name] = r.PathValue(name)
		rest = tail
	}
	var cookies []string
	for _, c := range r.Cookies() {
		cookies = append(cookies, c.String())
	}
	sourceIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	e := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: rt.Pattern(), RawPath: r.URL.EscapedPath(), RawQueryString: r.URL.RawQuery,
		Cookies: cookies, Headers: headers, QueryStringParameters: query, PathParameters: params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: rt.Pattern(), AccountID: "123456789012", Stage: "$default", RequestID: requestID(),
			APIID: "local", DomainName: r.Host, DomainPrefix: strings.Split(r.Host, ".")[0],
			Time: now.UTC().Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: sourceIP, UserAgent: r.UserAgent(),
			},
			Authorizer: authz,
		},
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			e.Body = string(body)
		} else {
			e.Body, e.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return e
}

func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeResponse writes a function's v2 response to the client.
func writeResponse(w http.ResponseWriter, out []byte) {
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == 0 {
		gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	for k, v := range resp.Headers {
		if strings.EqualFold(k, "Content-Length") {
			continue
		}
		w.Header().Set(k, v)
	}
	for k, vals := range resp.MultiValueHeaders {
		for _, v := range vals {
			w.Header().Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = b
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}
