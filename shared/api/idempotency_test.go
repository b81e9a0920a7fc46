package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/profiles-service/profiles/local/memstore"
	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/views"
)

// TestIdempotencyKeyThatCannotArriveWholeIsRefused: API Gateway joins a
// header's values with commas and the Lambda proxy adapter splits them
// again at every comma, so a key with a comma, an empty part or several
// Idempotency-Key headers cannot reach the handler as the client sent it.
// Each is the 400 ambiguous-idempotency-key, and writes nothing, whether
// it comes as a plain HTTP request (the handler as the local tests call
// it) or as the HTTP API event the Lambda gets (through the adapter).
func TestIdempotencyKeyThatCannotArriveWholeIsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		keys []string // the Idempotency-Key headers the client sends
	}{
		{"a comma", []string{"k,1"}},
		{"a comma and a space", []string{"k, 1"}},
		{"a leading comma", []string{",abc"}},
		{"a trailing comma", []string{"abc,"}},
		{"only a comma", []string{","}},
		{"two headers", []string{"k", "1"}},
		{"two equal headers", []string{"k", "k"}},
		{"an empty header beside a key", []string{"", "abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, s := range senders {
				via, h := s.via, keyedAPI()
				status, header, body := s.send(h, tt.keys, `{"firstName":"Ann"}`)
				var p problemBody
				if status != http.StatusBadRequest || header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(body, &p) != nil {
					t.Errorf("%s: %d %s %s, want a 400 problem", via, status, header.Get("Content-Type"), body)
				} else if p.Type != problemBase+"ambiguous-idempotency-key" || len(p.Errors) != 1 || p.Errors[0].Field != "Idempotency-Key" {
					t.Errorf("%s: problem %+v, want type ambiguous-idempotency-key naming Idempotency-Key", via, p)
				}
				var page []views.Profile
				call(t, h, "GET", "/profiles?limit=5", "", http.StatusOK, &page)
				if len(page) != 0 {
					t.Errorf("%s: the refused request wrote %+v", via, page)
				}
			}
		})
	}
}

// TestIdempotencyKeyArrivesWhole: the keys the rule leaves alone reach
// the handler as sent, through the adapter too: a replay answers the first
// request, and another body with the key is the 422.
func TestIdempotencyKeyArrivesWhole(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"k-1", "k 1", "k;1", strings.Repeat("k", 255)} {
		for _, s := range senders {
			via, send, h := s.via, s.send, keyedAPI()
			first, _, body := send(h, []string{key}, `{"firstName":"Ann"}`)
			again, header, replayed := send(h, []string{key}, `{"firstName":"Ann"}`)
			if first != http.StatusCreated || again != http.StatusCreated || string(replayed) != string(body) ||
				header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("%s, key %.10q: %d then %d (replayed %q), want 201 and its replay", via, key, first, again, header.Get("Idempotent-Replayed"))
			}
			if other, _, body := send(h, []string{key}, `{"firstName":"Bea"}`); other != http.StatusUnprocessableEntity {
				t.Errorf("%s, key %.10q, another body: %d %s, want 422", via, key, other, body)
			}
		}
	}
	// An empty header is no key (openapi.yaml says so).
	h := keyedAPI()
	for range 2 {
		if status, _, body := sendHTTP(h, []string{""}, `{"firstName":"Ann"}`); status != http.StatusCreated {
			t.Fatalf("empty key: %d %s, want 201", status, body)
		}
	}
}

// senders are the two ways a request reaches the handlers: as a plain
// HTTP request, and as the HTTP API event a Lambda gets.
var senders = []struct {
	via  string
	send func(h http.Handler, keys []string, body string) (int, http.Header, []byte)
}{{"http", sendHTTP}, {"lambda event", sendEvent}}

// keyedAPI is every route on an in-memory store, on the real clock: the
// store expires keys by the real clock, which memAPI's fake clock is not.
func keyedAPI() http.Handler {
	store := memstore.New()
	return serveAll(Deps{Store: store, Idempotency: store, CursorSecret: "test-secret"})
}

// sendHTTP POSTs body to /profiles with an Idempotency-Key header per key.
func sendHTTP(h http.Handler, keys []string, body string) (int, http.Header, []byte) {
	r := httptest.NewRequest("POST", "/profiles", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for _, k := range keys {
		r.Header.Add("Idempotency-Key", k)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Header(), w.Body.Bytes()
}

// sendEvent POSTs body to /profiles as API Gateway's HTTP API hands it to
// the Lambda: the header's values joined with commas, lower-case name, and
// through the proxy adapter the functions use (lambdaapp.HTTP).
func sendEvent(h http.Handler, keys []string, body string) (int, http.Header, []byte) {
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST /profiles", RawPath: "/profiles", Body: body,
		Headers: map[string]string{"content-type": "application/json", "idempotency-key": strings.Join(keys, ",")},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			DomainName: "api.example.com",
			HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/profiles"},
		},
	}
	resp, err := httpadapter.NewV2(h).ProxyWithContext(context.Background(), ev)
	if err != nil {
		return 0, nil, []byte(err.Error())
	}
	header := http.Header{}
	for k, v := range resp.Headers {
		header.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			header.Add(k, v)
		}
	}
	return resp.StatusCode, header, []byte(resp.Body)
}

// failingLookup is the records of used keys whose look-up fails while
// err is set, as a DynamoDB GetItem that errs or times out.
type failingLookup struct {
	idempotency.Store
	mu  sync.Mutex
	err error
}

func (f *failingLookup) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *failingLookup) Lookup(ctx context.Context, key string, now time.Time) (idempotency.Record, error) {
	f.mu.Lock()
	err := f.err
	f.mu.Unlock()
	if err != nil {
		return idempotency.Record{}, err
	}
	return f.Store.Lookup(ctx, key, now)
}

// TestKeyedRetryWhoseLookupFailsIsOutcomeUnknown: a keyed retry that meets
// a 404 or 409 the first attempt may have caused looks the key up; when
// that look-up fails, whether the first attempt landed is unknown, so the
// answer is the 503 outcome-unknown, never the 4xx that would tell the
// client its landed write did not happen. Once the look-up works again,
// the same retry replays the first answer; a key never used keeps its 4xx.
func TestKeyedRetryWhoseLookupFailsIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		after  func(t *testing.T, h http.Handler, profileID string) // what happens between the attempt and its retry
		replay int                                                  // the retry's answer once the look-up works
		fresh  int                                                  // the same request's answer with a new key
	}{
		{name: "contact already added (409)", after: func(*testing.T, http.Handler, string) {},
			replay: http.StatusCreated, fresh: http.StatusConflict},
		// The replay's 404 is replayed-resource-deleted.
		{name: "profile deleted since (404)", replay: http.StatusNotFound, fresh: http.StatusNotFound,
			after: func(t *testing.T, h http.Handler, id string) {
				call(t, h, "DELETE", "/profiles/"+id, "", http.StatusNoContent, nil)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := memstore.New()
			records := &failingLookup{Store: store}
			h := serveAll(Deps{Store: store, Idempotency: records, CursorSecret: "test-secret"})
			var p views.Profile
			call(t, h, "POST", "/profiles", `{"firstName":"Ann"}`, http.StatusCreated, &p)
			path, body := "/profiles/"+p.ProfileID+"/contacts", `{"key":"email","value":"ann@example.com"}`
			call(t, h, "POST", path, body, http.StatusCreated, nil, "Idempotency-Key", "add-1")
			tt.after(t, h, p.ProfileID)

			records.fail(profile.ErrUnavailable)
			var pb problemBody
			hdr := call(t, h, "POST", path, body, http.StatusServiceUnavailable, &pb, "Idempotency-Key", "add-1")
			if pb.Type != problemBase+"outcome-unknown" || hdr.Get("Retry-After") == "" {
				t.Errorf("retry while the look-up fails: %+v, Retry-After %q; want outcome-unknown", pb, hdr.Get("Retry-After"))
			}

			records.fail(nil)
			call(t, h, "POST", path, body, tt.replay, nil, "Idempotency-Key", "add-1")
			// A key never used: the 4xx is the request's own.
			call(t, h, "POST", path, body, tt.fresh, nil, "Idempotency-Key", "add-2")
		})
	}
}

// TestIdempotencyRecordHoldsAKeyedHash: a key's record holds a hash of the
// request keyed with the stack's secret, so whoever reads the table cannot
// confirm a guessed body (an email address, say) by hashing it: the
// stored hash is no plain SHA-256 of the request, and another secret
// gives another hash. Every keyed route.
func TestIdempotencyRecordHoldsAKeyedHash(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, path, body string }{
		{"profile", "/profiles", `{"firstName":"Guess","contacts":[{"key":"email","value":"guess@example.com"}]}`},
		{"contact", "/profiles/{id}/contacts", `{"key":"email","value":"guess@example.com"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var hashes []string
			for _, secret := range []string{"first-secret-0123456789", "other-secret-0123456789"} {
				store := memstore.New()
				h := serveAll(Deps{Store: store, Idempotency: store, CursorSecret: secret})
				path := tt.path
				if strings.Contains(path, "{id}") {
					p, err := profile.New(profile.Input{}, time.Now())
					if err != nil {
						t.Fatal(err)
					}
					if err := store.Create(context.Background(), p, nil); err != nil {
						t.Fatal(err)
					}
					path = strings.Replace(path, "{id}", p.ID, 1)
				}
				r := httptest.NewRequest("POST", path, strings.NewReader(tt.body))
				r.Header.Set("Idempotency-Key", "guessable-key")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusCreated {
					t.Fatalf("status %d: %s", w.Code, w.Body)
				}
				rec, err := store.Lookup(context.Background(), "\x00guessable-key", time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				plain := sha256.Sum256([]byte("POST " + path + "\n" + tt.body))
				if strings.Contains(rec.RequestHash, hex.EncodeToString(plain[:])) {
					t.Errorf("the record holds the plain SHA-256 of the request: %s", rec.RequestHash)
				}
				hashes = append(hashes, rec.RequestHash)
			}
			if hashes[0] == hashes[1] {
				t.Errorf("two secrets, one hash %s: it is not keyed", hashes[0])
			}
		})
	}
}
