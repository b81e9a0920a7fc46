package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/profiles-service/profiles/shared/budget"
	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/logging"
	"github.com/profiles-service/profiles/shared/metrics"
	"github.com/profiles-service/profiles/shared/profile"
)

// Deps are what the handlers need. NewServer builds the use cases
// (profile.Service) once, over Store and Budget: handlers call the service,
// never the store.
type Deps struct {
	Store       profile.Store
	Idempotency idempotency.Store // the records of used Idempotency-Keys
	// CursorSecret is the stack's one secret: it signs list cursors, and a
	// key derived from it (idempotency.NewHasher) hashes the requests
	// Idempotency-Key records remember. Set for endpoints that NeedsSecret.
	CursorSecret string
	// Budget is the request's time budget (the config's; its zero fields
	// are the defaults): its Timeout bounds each request, its Margin is
	// kept before the Lambda's deadline, and its clock is the service's,
	// of the times it writes (createTime, updateTime) and of
	// Idempotency-Keys' expiry. Tests set Budget.Now to move time without
	// sleeping.
	Budget budget.Budget

	service *profile.Service // built by NewServer from Store and Budget
}

// cursors is the codec of list cursors. Without a secret anyone could sign
// one, so a route that uses cursors in an endpoint not marked Cursors (whose
// secret lambdaapp does not fetch) fails closed: a logged 500.
func (d Deps) cursors() cursorCodec {
	if d.CursorSecret == "" {
		panic("list cursors without a cursor secret: mark the endpoint Cursors in shared/api/routes.go")
	}
	return cursorCodec{key: []byte(d.CursorSecret)}
}

// NewServer returns the handler of one endpoint's routes: the Lambda that
// serves it serves only its own.
func NewServer(d Deps, e Endpoint) http.Handler {
	d.Budget = d.Budget.Filled()
	d.service = profile.NewService(d.Store, d.Idempotency, d.Budget)
	mux := http.NewServeMux()
	for _, rt := range e.routes {
		mux.Handle(rt.pattern, rt.handler(d))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, profile.ErrNotFound)
	})
	return withDefaults(d, mux)
}

// withDefaults sets the headers every response carries, bounds the
// request's time and turns a panic into a logged 500.
func withDefaults(d Deps, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		start := time.Now()
		ctx := logging.WithTraceID(logging.WithRequestID(r.Context(), requestID(r)), logging.TraceID(r.Context()))
		ctx, set := metrics.Start(ctx)
		ctx, cancel := context.WithTimeout(ctx, d.Budget.RequestTimeout(r.Context()))
		defer cancel()
		req := r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				slog.ErrorContext(ctx, "panic", "value", fmt.Sprint(v), "method", r.Method, "path", r.URL.Path)
				writeError(sw, req, errPanic)
			}
			duration := float64(time.Since(start).Microseconds()) / 1000
			recordRequest(set, req.Pattern, sw, duration)
			if slog.Default().Enabled(ctx, slog.LevelInfo) {
				slog.InfoContext(ctx, "request", "method", r.Method, "route", req.Pattern, "query", loggedQuery(r.URL.Query()),
					"caller", caller(r), "status", sw.status, "durationMs", duration,
					"dynamodb", set.Calls(), "rcu", set.Value(metrics.ConsumedRCU), "wcu", set.Value(metrics.ConsumedWCU))
			}
			metrics.Flush(set)
		}()
		next.ServeHTTP(sw, req)
	})
}

// recordRequest adds the request's own metrics to its set: one request of
// its route and status class, its duration, and a replay of an earlier
// response (Idempotent-Replayed).
func recordRequest(set *metrics.Set, route string, sw *statusWriter, durationMs float64) {
	if route == "" {
		route = "unmatched"
	}
	set.SetRoute(route)
	set.Add(metrics.Requests, 1)
	switch status := cmp.Or(sw.status, http.StatusOK); {
	case status >= 500:
		set.Add(metrics.Requests5xx, 1)
	case status >= 400:
		set.Add(metrics.Requests4xx, 1)
	case status >= 300:
		set.Add(metrics.Requests3xx, 1)
	default:
		set.Add(metrics.Requests2xx, 1)
	}
	set.Add(metrics.RequestDuration, durationMs)
	if sw.Header().Get("Idempotent-Replayed") == "true" {
		set.Add(metrics.IdempotentReplay, 1)
	}
}

// handlerFunc is a handler that returns its error, which writeError maps
// to a status and a problem+json body: the handlers read decode, validate,
// call, encode, without repeating the error path.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (f handlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := f(w, r); err != nil {
		writeError(w, r, err)
	}
}

// caller names who made the request, as the access log does: the token's
// subject, or the API key's name (never the key), "" for neither.
func caller(r *http.Request) string {
	if sub := subject(r); sub != "" {
		return "sub:" + sub
	}
	rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
	if !ok || rc.Authorizer == nil {
		return ""
	}
	if name, ok := rc.Authorizer.Lambda["apiKeyName"].(string); ok {
		return "apiKey:" + name
	}
	return ""
}

// requestID is API Gateway's id of the request.
func requestID(r *http.Request) string {
	if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok {
		return rc.RequestID
	}
	return ""
}

// statusWriter remembers the status a handler sent, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// errPanic stands for a handler's panic: logged, answered as a 500.
var errPanic = errors.New("panic")
