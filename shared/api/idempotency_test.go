package api

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/memstore"
	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
	"github.com/profiles-service/profiles/shared/views"
)

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
