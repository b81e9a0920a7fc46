package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/profiles-service/profiles/client"
)

// answer is one scripted answer: a status with a problem type, or drop
// (the connection closes with no answer).
type answer struct {
	status int
	typ    string
	drop   bool
}

var (
	outcomeUnknown = answer{status: 503, typ: client.ProblemOutcomeUnknown}
	unavailable    = answer{status: 503, typ: "about:blank"}
	throttled      = answer{status: 429}
	badGateway     = answer{status: 502}
	dropped        = answer{drop: true}
	ok             = answer{status: 0} // the route's success
)

// script is a server that gives its answers in order (the last one again
// once they run out) and records the Idempotency-Key of each request.
type script struct {
	mu      sync.Mutex
	answers []answer
	keys    []string // one per request received; "" for none
	methods []string
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n := len(s.keys)
	s.keys = append(s.keys, r.Header.Get("Idempotency-Key"))
	s.methods = append(s.methods, r.Method)
	a := s.answers[min(n, len(s.answers)-1)]
	s.mu.Unlock()
	switch {
	case a.drop:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	case a.status == 0:
		w.Header().Set("ETag", `"7"`)
		switch r.Method {
		case http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		case http.MethodPost:
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"profileId":"0123456789abcdef01234567","contacts":[],"tags":[]}`))
		default:
			_, _ = w.Write([]byte(`{"profileId":"0123456789abcdef01234567","contacts":[],"tags":[]}`))
		}
	case a.typ != "":
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(`{"type":"` + a.typ + `","title":"t","status":503,"detail":"d","requestId":"rid"}`))
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(`{"message":"` + http.StatusText(a.status) + `"}`))
	}
}

// TestRetriesAreSafeByConstruction: a request is sent again only when a
// second copy cannot take effect twice: a GET, a POST with its key (the
// same key on every attempt), or a write whose answer proves that nothing
// landed (429, plain 503).
func TestRetriesAreSafeByConstruction(t *testing.T) {
	t.Parallel()
	const id = "0123456789abcdef01234567"
	create := func(c *client.Client, o *client.WriteOptions) error {
		_, err := c.CreateProfile(context.Background(), client.ProfileInput{FirstName: client.Value("A")}, o)
		return err
	}
	patch := func(c *client.Client, o *client.WriteOptions) error {
		_, err := c.PatchProfile(context.Background(), id, client.ProfileInput{FirstName: client.Value("A")}, o)
		return err
	}
	get := func(c *client.Client, _ *client.WriteOptions) error {
		_, err := c.GetProfile(context.Background(), id)
		return err
	}
	for _, tc := range []struct {
		name     string
		call     func(*client.Client, *client.WriteOptions) error
		o        *client.WriteOptions
		attempts int
		answers  []answer
		requests int  // how many the server must see
		keyed    bool // every request carries one key
		unknown  bool // the error leaves the outcome unknown
		status   int  // the error's status; 0: success (or no answer)
	}{
		{"POST after outcome-unknown: again, same key", create, nil, 3, []answer{outcomeUnknown, ok}, 2, true, false, 0},
		{"POST after 429: again, same key", create, nil, 3, []answer{throttled, ok}, 2, true, false, 0},
		{"POST after a lost answer: again, same key", create, nil, 3, []answer{dropped, ok}, 2, true, false, 0},
		{"POST after 502: again, same key", create, nil, 3, []answer{badGateway, outcomeUnknown, ok}, 3, true, false, 0},
		{"POST with the caller's key keeps it", create, &client.WriteOptions{IdempotencyKey: "mine"}, 3, []answer{outcomeUnknown, ok}, 2, true, false, 0},
		{"POST runs out of attempts", create, nil, 2, []answer{outcomeUnknown}, 2, true, true, 503},
		{"POST without a key: not after outcome-unknown", create, &client.WriteOptions{NoIdempotencyKey: true}, 3, []answer{outcomeUnknown, ok}, 1, false, true, 503},
		{"POST without a key: again after a plain 503", create, &client.WriteOptions{NoIdempotencyKey: true}, 3, []answer{unavailable, ok}, 2, false, false, 0},
		{"PATCH: not after outcome-unknown", patch, nil, 3, []answer{outcomeUnknown, ok}, 1, false, true, 503},
		{"PATCH: not after a lost answer", patch, nil, 3, []answer{dropped, ok}, 1, false, true, 0},
		{"PATCH: not after 502", patch, nil, 3, []answer{badGateway, ok}, 1, false, true, 502},
		{"PATCH: again after a plain 503", patch, nil, 3, []answer{unavailable, ok}, 2, false, false, 0},
		{"PATCH: again after 429", patch, nil, 3, []answer{throttled, throttled, ok}, 3, false, false, 0},
		{"PATCH ignores a key", patch, &client.WriteOptions{IdempotencyKey: "k"}, 3, []answer{outcomeUnknown, ok}, 1, false, true, 503},
		{"DELETE: not after outcome-unknown", func(c *client.Client, o *client.WriteOptions) error {
			return c.DeleteProfile(context.Background(), id, o)
		}, nil, 3, []answer{outcomeUnknown, ok}, 1, false, true, 503},
		{"GET: again after 503, 429 and a lost answer", get, nil, 4, []answer{unavailable, throttled, dropped, ok}, 4, false, false, 0},
		{"GET: one attempt with WithRetry(1)", get, nil, 1, []answer{unavailable, ok}, 1, false, false, 503},
		{"GET: not after a 404", get, nil, 3, []answer{{status: 404, typ: "about:blank"}, ok}, 1, false, false, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &script{answers: tc.answers}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c := client.New(srv.URL, client.WithBearerToken("t"), client.WithRetry(tc.attempts), client.WithBackoff(time.Millisecond, 2*time.Millisecond))
			err := tc.call(c, tc.o)
			s.mu.Lock()
			defer s.mu.Unlock()
			if len(s.keys) != tc.requests {
				t.Fatalf("%d requests %v, want %d (error %v)", len(s.keys), s.methods, tc.requests, err)
			}
			for i, k := range s.keys {
				if tc.keyed && (k == "" || k != s.keys[0]) || !tc.keyed && k != "" {
					t.Fatalf("request %d's key %q, all keys %q", i, k, s.keys)
				}
			}
			if tc.o != nil && tc.o.IdempotencyKey != "" && tc.keyed && s.keys[0] != tc.o.IdempotencyKey {
				t.Errorf("key %q, want the caller's %q", s.keys[0], tc.o.IdempotencyKey)
			}
			success := tc.status == 0 && !tc.unknown
			if success != (err == nil) {
				t.Fatalf("error %v", err)
			}
			if client.IsOutcomeUnknown(err) != tc.unknown {
				t.Errorf("IsOutcomeUnknown(%v) = %v", err, !tc.unknown)
			}
			var e *client.Error
			if tc.status != 0 && (!errors.As(err, &e) || e.Status != tc.status) {
				t.Errorf("error %v, want a %d", err, tc.status)
			}
			if tc.status == 503 && tc.unknown && e != nil && !e.OutcomeUnknown() {
				t.Errorf("%+v: OutcomeUnknown false", e)
			}
		})
	}
}

// TestKeysDifferPerCall: each call draws its own key.
func TestKeysDifferPerCall(t *testing.T) {
	t.Parallel()
	s := &script{answers: []answer{ok}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := client.New(srv.URL)
	for range 3 {
		if _, err := c.CreateContact(context.Background(), "p", client.ContactInput{Key: client.Value("email")}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.keys) != 3 || s.keys[0] == s.keys[1] || s.keys[1] == s.keys[2] || s.keys[0] == s.keys[2] || len(s.keys[0]) < 20 {
		t.Fatalf("keys %q", s.keys)
	}
}

// TestRetryWaitEndsWithTheContext: a retry's wait (Retry-After: 1 here)
// ends when the context does, and the error says both.
func TestRetryWaitEndsWithTheContext(t *testing.T) {
	t.Parallel()
	s := &script{answers: []answer{unavailable}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := client.New(srv.URL, client.WithRetry(5), client.WithBackoff(time.Second, time.Minute))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetProfile(ctx, "x")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "503") || time.Since(start) > 900*time.Millisecond {
		t.Fatalf("after %v: %v", time.Since(start), err)
	}
	if len(s.keys) != 1 {
		t.Fatalf("%d requests", len(s.keys))
	}
}

// TestKeyedRetryLandsOnce: against the in-process API, a POST whose first
// attempt landed but whose answer was an outcome-unknown 503 is sent again
// with the same key, and the retry replays the first: one profile exists.
func TestKeyedRetryLandsOnce(t *testing.T) {
	t.Parallel()
	srv := startAPI()
	defer srv.Close()
	var mu sync.Mutex
	var keys []string
	lossy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		first := len(keys) == 1
		mu.Unlock()
		proxy := func(w http.ResponseWriter) {
			req, _ := http.NewRequestWithContext(r.Context(), r.Method, srv.URL+r.URL.RequestURI(), r.Body) //nolint:gosec // G704: the test's own server
			req.Header = r.Header.Clone()
			resp, err := http.DefaultClient.Do(req) //nolint:gosec // G704: the test's own server
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			defer resp.Body.Close()
			for k, v := range resp.Header {
				w.Header()[k] = v
			}
			w.WriteHeader(resp.StatusCode)
			_, _ = io.Copy(w, resp.Body)
		}
		if first {
			// The write lands; its answer is lost to the deadline.
			proxy(httptest.NewRecorder())
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(503)
			_, _ = w.Write([]byte(`{"type":"` + client.ProblemOutcomeUnknown + `","title":"Outcome Unknown","status":503}`))
			return
		}
		proxy(w)
	}))
	defer lossy.Close()
	ctx := context.Background()
	c := client.New(lossy.URL, client.WithBearerToken("admin"), client.WithBackoff(time.Millisecond, 2*time.Millisecond))
	p, err := c.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Once")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Replayed || len(keys) != 2 || keys[0] != keys[1] {
		t.Fatalf("replayed %v, keys %q", p.Replayed, keys)
	}
	var n int
	for q, err := range client.New(srv.URL, client.WithBearerToken("admin")).Profiles(ctx, client.ListOptions{Filters: map[string]string{"firstName": "Once"}}) {
		if err != nil {
			t.Fatal(err)
		}
		if q.ProfileID != p.ProfileID {
			t.Errorf("another profile %s", q.ProfileID)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d profiles named Once, want 1", n)
	}
}

// TestEndedContextSendsNothing: a call with a context that has ended sends
// no request, and its error is the context's, not a write of unknown
// outcome.
func TestEndedContextSendsNothing(t *testing.T) {
	t.Parallel()
	s := &script{answers: []answer{ok}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := client.New(srv.URL).PatchProfile(ctx, "p", client.ProfileInput{FirstName: client.Value("A")}, nil)
	if !errors.Is(err, context.Canceled) || client.IsOutcomeUnknown(err) || len(s.keys) != 0 {
		t.Fatalf("%v (outcome unknown %v), %d requests", err, client.IsOutcomeUnknown(err), len(s.keys))
	}
}
