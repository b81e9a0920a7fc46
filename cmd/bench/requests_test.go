package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// TestAPIClientSendsEachRequestOnce: a retry would be measured as one slow
// request and would hide the refusal the bench counts, so the bench's
// clients send a retryable answer's request once.
func TestAPIClientSendsEachRequestOnce(t *testing.T) {
	for _, c := range []struct {
		name string
		send func(context.Context, *env, string) error
	}{
		{"GET", func(ctx context.Context, e *env, base string) error {
			_, err := e.apiClient(base).GetProfile(ctx, "p1")
			return err
		}},
		{"POST without a key", func(ctx context.Context, e *env, base string) error {
			_, err := e.apiClient(base).CreateProfile(ctx, seedInput("r", 1), noKey)
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var sent atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sent.Add(1)
				if r.Header.Get("Idempotency-Key") != "" {
					t.Errorf("%s %s carries an Idempotency-Key", r.Method, r.URL.Path)
				}
				w.WriteHeader(http.StatusServiceUnavailable) // retryable for a GET and for a plain 503
			}))
			defer srv.Close()
			e := &env{token: "t", http: newHTTPClient(1)}
			err := c.send(context.Background(), e, srv.URL)
			if got := statusOf(err); got != http.StatusServiceUnavailable {
				t.Errorf("status %d (%v), want 503", got, err)
			}
			if n := sent.Load(); n != 1 {
				t.Errorf("sent %d times, want once", n)
			}
		})
	}
}

// TestCostOf: a request sent under costOf asks for its cost and reads it
// from the answer; any other request does not ask.
func TestCostOf(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(capacityHeader) != "" {
			w.Header().Set(capacityHeader, "1.5 2 GetItem:1,Query:2")
		}
		_, _ = w.Write([]byte(`{"profileId": "p1"}`))
	}))
	defer srv.Close()
	e := &env{token: "t", http: newHTTPClient(1)}
	c := e.apiClient(srv.URL)
	got, err := costOf(context.Background(), getProfile(c, "p1"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (cost{read: 1.5, write: 2, calls: "GetItem:1,Query:2"}); got != want {
		t.Errorf("cost %+v, want %+v", got, want)
	}
	var asked bool
	e.http.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		asked = r.Header.Get(capacityHeader) != ""
		return http.DefaultTransport.RoundTrip(r)
	})
	if err := getProfile(c, "p1")(context.Background()); err != nil {
		t.Fatal(err)
	}
	if asked {
		t.Errorf("a request outside costOf asked for its cost")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
