// Package apitest serves the whole API in process, for tests that need the
// service's HTTP behaviour but not DynamoDB's: every endpoint's handler
// (shared/api) on one in-memory store (local/memstore), each wrapped as its
// Lambda function is, behind the local API Gateway (local/aws/gateway) with
// template.yaml's routes, JWT authorizers and API-key authorizer, on an
// httptest server. It hands out typed clients (package client) for an
// admin, an end user and a partner. No Java, no DynamoDB: the API's
// contract suite runs on it in make unit.
//
// Every exchange with the server, through a client or its raw requests (Do), is
// held to openapi.yaml (CheckRequest): a response the document does not
// describe, or a request it forbids that the service accepts, fails the
// test that built the server.
package apitest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/aws/gateway"
	"github.com/profiles-service/profiles/local/memstore"
	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/shared/api"
	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/budget"
	"github.com/profiles-service/profiles/shared/lambdaapp"
)

// Scopes are both admin scopes: what the Admin client's token carries.
var Scopes = []string{"profiles:read", "profiles:write"}

// API is one test's service: its own store, clock, keys and server.
type API struct {
	// URL is the server's base URL.
	URL string
	// Store is what the handlers read and write; a test may inspect it.
	Store *memstore.Store
	// Clock is the handlers' and the store's clock.
	Clock *Clock
	// Admin is a client with an admin token of subject "admin" and both
	// scopes. It sends each request once (no retries), so a test sees
	// every answer.
	Admin *client.Client

	tb        testing.TB
	tpl       *samtemplate.Template
	keys      *Keys
	anonymous *client.Client // Do's: no credential of its own
}

// New serves the API for the test until it ends.
func New(tb testing.TB) *API {
	tb.Helper()
	tpl, err := template()
	if err != nil {
		tb.Fatal(err)
	}
	clock := &Clock{}
	store := memstore.New(memstore.WithClock(clock.Now))
	keys := &Keys{keys: map[string]auth.APIKey{}}
	functions := map[string]lambda.Handler{"ApiKeyAuthorizer": lambdaapp.AuthorizerHandler(keys, clock.Now)}
	for _, e := range api.Endpoints() {
		// lambdaapp.HTTP's handler, on the in-memory store: the stack's
		// secret only where the endpoint needs it (cursors, Idempotency-Key).
		d := api.Deps{Store: store, Idempotency: store, Budget: budget.Budget{Now: clock.Now}}
		if e.NeedsSecret() {
			d.CursorSecret = "apitest-cursor-secret"
		}
		functions[e.Name] = lambdaapp.HTTPHandler(d, e)
	}
	gw, err := gateway.New(tpl, functions, gateway.LocalSecret)
	if err != nil {
		tb.Fatal(err)
	}
	a := &API{Store: store, Clock: clock, tb: tb, tpl: tpl, keys: keys}
	srv := httptest.NewServer(a.checked(gw))
	tb.Cleanup(srv.Close)
	a.URL = srv.URL
	a.Admin = a.Client(client.WithBearerToken(a.Token("admin", Scopes...)))
	a.anonymous = a.Client()
	return a
}

// template is template.yaml, read once per test binary.
var template = sync.OnceValues(func() (*samtemplate.Template, error) { return samtemplate.FindAndLoad(".") })

// Client is a client of the server with the options, sending each request
// once unless the options say otherwise.
func (a *API) Client(opts ...client.Option) *client.Client {
	return client.New(a.URL, append([]client.Option{client.WithRetry(1)}, opts...)...)
}

// User is a client signed in as the end user sub (a token of the user
// routes' audience, no scopes).
func (a *API) User(sub string) *client.Client {
	return a.Client(client.WithUserToken(a.UserToken(sub)))
}

// Partner is a client sending the API key.
func (a *API) Partner(key string) *client.Client { return a.Client(client.WithAPIKey(key)) }

// Token is an admin token (the admin routes' audience) for sub with the scopes.
func (a *API) Token(sub string, scopes ...string) string {
	return a.sign(gateway.RoleAdmin, sub, scopes)
}

// UserToken is an end user's token (the user routes' audience) for sub.
func (a *API) UserToken(sub string, scopes ...string) string {
	return a.sign(gateway.RoleUser, sub, scopes)
}

func (a *API) sign(role gateway.Role, sub string, scopes []string) string {
	a.tb.Helper()
	tok, err := gateway.SignRole(a.tpl, role, sub, scopes, time.Hour)
	if err != nil {
		a.tb.Fatal(err)
	}
	return tok
}

// Template is template.yaml, as the gateway reads it.
func (a *API) Template() *samtemplate.Template { return a.tpl }

// NewAPIKey issues a partner key with the name and returns it.
func (a *API) NewAPIKey(name string) string {
	a.tb.Helper()
	key, rec, err := auth.NewAPIKey(name, time.Now())
	if err != nil {
		a.tb.Fatal(err)
	}
	a.keys.put(rec)
	return key
}

// RevokeAPIKey revokes a key NewAPIKey issued.
func (a *API) RevokeAPIKey(key string) { a.keys.revoke(auth.HashAPIKey(key)) }

// Response is a raw answer of Do: package client's.
type Response = client.Response

// Do sends a raw request to the server through package client's Raw: body
// as it is (none when ""), headers as name, value pairs (Content-Type is
// application/json when there is a body unless they name another), no
// credential unless headers hold one. For what a typed client cannot send:
// malformed JSON, hostile headers, another content type.
func (a *API) Do(tb testing.TB, method, path, body string, headers ...string) *Response {
	tb.Helper()
	var raw []byte
	if body != "" {
		raw = []byte(body)
	}
	header := http.Header{}
	for i := 0; i+1 < len(headers); i += 2 {
		header.Set(headers[i], headers[i+1])
	}
	r, err := a.anonymous.Raw(context.Background(), method, path, header, raw)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// AdminAuth is the Authorization header of the Admin client, for Do.
func (a *API) AdminAuth() string { return "Bearer " + a.Token("admin", Scopes...) }

// checked holds every exchange to openapi.yaml, failing a.tb when one
// breaks it. A CORS preflight is exempt: API Gateway answers it from the
// template's CorsConfiguration, and the document describes no OPTIONS.
func (a *API) checked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		ex := CheckRequest(r, body)
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if err := ex.Response(rec.status(), rec.sent, rec.body.Bytes()); err != nil {
			a.tb.Error(err)
		}
	})
}

// recorder passes an answer on and keeps a copy of it.
type recorder struct {
	http.ResponseWriter
	code int
	sent http.Header
	body bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code, r.sent = code, r.Header().Clone()
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.WriteHeader(http.StatusOK)
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) status() int {
	if r.code == 0 {
		r.code, r.sent = http.StatusOK, r.Header().Clone()
	}
	return r.code
}

// Clock is the handlers' clock: the real time, moved on by Advance, so a
// test can pass an Idempotency-Key's 24 hours without sleeping.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the real time plus what Advance added.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// Keys are partner API keys in memory, the authorizer's auth.Keys.
type Keys struct {
	mu   sync.Mutex
	keys map[string]auth.APIKey // by hash
}

// APIKey reads the key with the hash.
func (k *Keys) APIKey(_ context.Context, hash string) (auth.APIKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	rec, ok := k.keys[hash]
	if !ok {
		return auth.APIKey{}, auth.ErrUnknownKey
	}
	return rec, nil
}

// MarkAPIKeyUsed records day as the key's last-used day unless it has that
// day or a later one.
func (k *Keys) MarkAPIKeyUsed(_ context.Context, hash, day string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if rec, ok := k.keys[hash]; ok && rec.LastUsedDay < day {
		rec.LastUsedDay = day
		k.keys[hash] = rec
	}
	return nil
}

func (k *Keys) put(rec auth.APIKey) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys[rec.Hash] = rec
}

func (k *Keys) revoke(hash string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if rec, ok := k.keys[hash]; ok {
		rec.Revoked = true
		k.keys[hash] = rec
	}
}

var _ auth.Keys = (*Keys)(nil)
