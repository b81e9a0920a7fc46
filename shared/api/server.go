package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/profile"
)

// Deps are what the handlers need.
type Deps struct {
	Store        profile.Store
	Keys         auth.KeyStore
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
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
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

type panicError struct{}

func (panicError) Error() string { return "panic" }

var errPanic error = panicError{}
