// Package gateway is the local stand-in for API Gateway's HTTP API: it takes
// its routes from template.yaml, checks credentials as the route's
// authorizer would, builds the HTTP API (v2) event and invokes the route's
// function handler in process, as `sam local start-api` does in a container.
//
// Each behaviour cites the API Gateway Developer Guide where it is built:
// the JWT authorizer ("Controlling access to HTTP APIs with JWT
// authorizers", authorize.go and jwt.go), the Lambda authorizer ("Working
// with AWS Lambda authorizers for HTTP APIs", authorize.go) and CORS
// ("Configuring CORS for an HTTP API", cors.go).
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path"
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
	authorizers map[string]authorizer
	cors        *cors
}

// New builds the gateway; functions holds a handler for every function the
// template routes to. Tokens are checked against jwtSecret (LocalSecret).
func New(t *samtemplate.Template, functions map[string]lambda.Handler, jwtSecret string) (*Gateway, error) {
	g := &Gateway{mux: http.NewServeMux(), functions: functions}
	var err error
	if g.authorizers, err = newAuthorizers(t, functions, newVerifiedTokens(jwtSecret)); err != nil {
		return nil, err
	}
	if g.cors, err = newCORS(t); err != nil {
		return nil, err
	}
	for _, rt := range t.Routes() {
		if functions[rt.Function] == nil {
			return nil, fmt.Errorf("no handler for function %s (route %s)", rt.Function, rt.Pattern())
		}
		if _, ok := g.authorizers[rt.Authorizer]; rt.Authorizer != "" && rt.Authorizer != "NONE" && !ok {
			return nil, fmt.Errorf("route %s: authorizer %q is not defined", rt.Pattern(), rt.Authorizer)
		}
		g.mux.Handle(rt.Pattern(), g.route(rt))
	}
	g.serveDocs()
	g.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		gatewayError(w, http.StatusNotFound, nil)
	})
	return g, nil
}

// ServeHTTP answers CORS preflights, then routes the request. "If no
// routes match a request, API Gateway returns {"message":"Not Found"}":
// a path that is not in canonical form ("..", "//", a trailing "/")
// matches no route; it gets that 404 rather than the redirect Go's ServeMux
// would send.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Every answer, the gateway's own included, carries the request's id
	// as API Gateway's does: the id the function's event and logs carry.
	id := requestID()
	w.Header().Set("Apigw-Requestid", id)
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
	if g.cors.preflight(w, r) {
		return
	}
	g.cors.decorate(w.Header(), r)
	if p := r.URL.Path; p != "/" && path.Clean(p) != p {
		gatewayError(w, http.StatusNotFound, nil)
		return
	}
	g.mux.ServeHTTP(w, r)
}

// gatewayError answers as API Gateway itself does, before any function
// runs: {"message": "<status text>"}.
func gatewayError(w http.ResponseWriter, status int, header http.Header) {
	for k, v := range header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": http.StatusText(status)})
}

func (g *Gateway) route(rt samtemplate.Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var authz *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
		if a := g.authorizers[rt.Authorizer]; a != nil {
			var d *denial
			if authz, d = a.authorize(r.Context(), rt, r); d != nil {
				gatewayError(w, d.status, d.header)
				return
			}
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
		if err != nil || len(body) > maxPayload {
			gatewayError(w, http.StatusRequestEntityTooLarge, nil)
			return
		}
		event := Event(rt, r, body, authz)
		payload, _ := json.Marshal(event)
		out, err := g.functions[rt.Function].Invoke(r.Context(), payload)
		if err != nil {
			gatewayError(w, http.StatusInternalServerError, nil)
			return
		}
		g.writeResponse(w, r, out)
	})
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
			RouteKey: rt.Pattern(), AccountID: "123456789012", Stage: "$default", RequestID: requestIDOf(r),
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

type requestIDKey struct{}

// requestIDOf is the id ServeHTTP gave the request, or a new one for a
// request that did not come through it.
func requestIDOf(r *http.Request) string {
	if id, ok := r.Context().Value(requestIDKey{}).(string); ok {
		return id
	}
	return requestID()
}

func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeResponse writes a function's v2 response to the client, its CORS
// headers replaced by the API's.
func (g *Gateway) writeResponse(w http.ResponseWriter, r *http.Request, out []byte) {
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == 0 {
		gatewayError(w, http.StatusInternalServerError, nil)
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
	g.cors.decorate(w.Header(), r)
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = b
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}
