package client_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/profiles-service/profiles/local/memstore"
	"github.com/profiles-service/profiles/shared/api"
)

// TestMain keeps the handlers' request log out of the test output.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}

// startAPI serves every route of the API on one in-memory store, as the
// handler tests build it (shared/api's memAPI), behind a stand-in for API
// Gateway's authorizers: any bearer token passes and is its own subject
// (so WithUserToken("u-1") signs in user u-1), any x-api-key opens the
// partner route, and a request without its credential is API Gateway's
// 401. Each request gets the id "req-<n>". No Java, no DynamoDB.
func startAPI() *httptest.Server {
	store := memstore.New()
	// The real clock: memstore expires Idempotency-Key records by it, so a
	// fake Deps.Now in the past would make every key expired at once.
	d := api.Deps{Store: store, Idempotency: store, CursorSecret: "test-secret"}
	mux := http.NewServeMux()
	for _, e := range api.Endpoints() {
		h := api.NewServer(d, e)
		for _, p := range e.Patterns() {
			mux.Handle(p, h)
		}
	}
	return httptest.NewServer(gateway(mux))
}

// gateway passes a request on as API Gateway would: with the request
// context its authorizer fills in, or its own 401.
func gateway(next http.Handler) http.Handler {
	var n atomic.Int64
	accessor := core.RequestAccessorV2{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := events.APIGatewayV2HTTPRequestContext{RequestID: fmt.Sprintf("req-%d", n.Add(1)),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: r.Method, Path: r.URL.Path}}
		w.Header().Set("apigw-requestid", rc.RequestID)
		if strings.HasPrefix(r.URL.Path, "/api/users/") {
			if r.Header.Get("x-api-key") == "" {
				unauthorized(w)
				return
			}
			rc.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"apiKeyName": "partner"}}
		} else {
			token := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			if token == "" {
				unauthorized(w)
				return
			}
			rc.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": token}}}
		}
		withRC, err := accessor.EventToRequestWithContext(r.Context(), events.APIGatewayV2HTTPRequest{RequestContext: rc})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		next.ServeHTTP(w, r.WithContext(withRC.Context()))
	})
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"message":"Unauthorized"}`))
}
