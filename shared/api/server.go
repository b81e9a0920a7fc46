package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
)

// Deps are what the handlers need.
type Deps struct {
	Store        profile.Store
	Keys         auth.KeyStore
	Idempotency  idempotency.Store
	CursorSecret string
	// Timeout bounds each request, below the Lambda timeout, so a slow
	// database gives a 503 in time rather than a killed function.
	Timeout time.Duration
}

func (d Deps) cursors() cursorCodec { return cursorCodec{key: []byte(d.CursorSecret)} }

// NewServer returns the handler of the named functions' routes (every route
// when none is named): one Lambda serves only its own.
func NewServer(d Deps, functions ...string) http.Handler {
	want := map[string]bool{}
	for _, f := range functions {
		want[f] = true
	}
	mux := http.NewServeMux()
	for _, rt := range Routes() {
		if len(want) == 0 || want[rt.Function] {
			mux.Handle(rt.Pattern, rt.handler(d))
		}
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, profile.ErrNotFound)
	})
	return withDefaults(d, mux)
}

// withDefaults sets the headers every response carries, bounds the
// request's time and turns a panic into a logged 500.
func withDefaults(d Deps, next http.Handler) http.Handler {
	timeout := d.Timeout
	if timeout == 0 {
		timeout = 8 * time.Second
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		ctx, cancel := context.WithTimeout(r.Context(), requestBudget(r.Context(), timeout))
		defer cancel()
		defer func() {
			if v := recover(); v != nil {
				slog.ErrorContext(ctx, "panic", "value", v, "method", r.Method, "path", r.URL.Path)
				writeError(w, r, errPanic)
			}
		}()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// deadlineMargin is kept back from the Lambda's own deadline so the
// function answers (503) before Lambda kills it.
const deadlineMargin = 500 * time.Millisecond

// requestBudget is the time a request may take: the configured timeout, or
// less when the Lambda's deadline (in ctx) comes sooner.
func requestBudget(ctx context.Context, timeout time.Duration) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		if left := time.Until(d) - deadlineMargin; left < timeout {
			return max(left, 0)
		}
	}
	return timeout
}

type panicError struct{}

func (panicError) Error() string { return "panic" }

var errPanic error = panicError{}
