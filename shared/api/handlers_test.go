package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/memstore"
	"github.com/profiles-service/profiles/shared/views"
)

// fakeClock is a Deps.Now that moves only when told: a test that needs
// time to pass advances it instead of sleeping.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// memAPI is every function's routes on one in-memory store, with a fake
// clock: the handlers as the Lambdas run them, without the gateway's
// authorizers (local/integration tests those) and without DynamoDB.
func memAPI(t *testing.T) (http.Handler, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	// One clock for both: the store expires Idempotency-Key records by it.
	store := memstore.New(memstore.WithClock(clock.Now))
	d := Deps{Store: store, Idempotency: store, CursorSecret: "test-secret", Now: clock.Now}
	mux := http.NewServeMux()
	for _, f := range Endpoints() {
		h := NewServer(d, f)
		for _, p := range f.Patterns() {
			mux.Handle(p, h)
		}
	}
	return mux, clock
}

// call sends a request to h and decodes a JSON answer into out (nil: none).
func call(t *testing.T, h http.Handler, method, path, body string, want int, out any, headers ...string) http.Header {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, w.Code, w.Body.String(), want)
	}
	if out != nil {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, w.Body.String())
		}
	}
	return w.Header()
}

// TestUpdatesMoveUpdateTimeByTheClock: a PATCH writes Deps.Now as the
// profile's updateTime and keeps createTime; a contact's update moves the
// contact's. The clock moves without a sleep.
func TestUpdatesMoveUpdateTimeByTheClock(t *testing.T) {
	t.Parallel()
	h, clock := memAPI(t)
	var created views.Profile
	call(t, h, "POST", "/profiles", `{"firstName":"Ann","lastName":"Cole","contacts":[{"key":"email","value":"ann@example.com"}]}`,
		http.StatusCreated, &created)
	if created.CreateTime != "2024-05-01T12:00:00+00:00" || created.UpdateTime != created.CreateTime {
		t.Fatalf("created at the clock's time? %s / %s", created.CreateTime, created.UpdateTime)
	}
	clock.Advance(90 * time.Minute)
	var updated views.Profile
	etag := call(t, h, "PATCH", "/profiles/"+created.ProfileID, `{"lastName":"Dunn"}`, http.StatusOK, &updated).Get("ETag")
	if updated.CreateTime != created.CreateTime || updated.UpdateTime != "2024-05-01T13:30:00+00:00" || *updated.LastName != "Dunn" {
		t.Errorf("after PATCH: createTime %s, updateTime %s, lastName %v", updated.CreateTime, updated.UpdateTime, *updated.LastName)
	}
	// The ETag read before the PATCH no longer matches.
	call(t, h, "PATCH", "/profiles/"+created.ProfileID, `{"lastName":"Eve"}`, http.StatusPreconditionFailed, nil, "If-Match", `"1"`)
	call(t, h, "PATCH", "/profiles/"+created.ProfileID, `{"lastName":"Eve"}`, http.StatusOK, nil, "If-Match", etag)

	clock.Advance(time.Hour)
	var c views.Contact
	call(t, h, "PATCH", "/profiles/"+created.ProfileID+"/contacts/"+created.Contacts[0].ContactID, `{"value":"ann@example.org"}`,
		http.StatusOK, &c)
	if c.CreateTime != created.CreateTime || c.UpdateTime != "2024-05-01T14:30:00+00:00" {
		t.Errorf("contact after PATCH: createTime %s, updateTime %s", c.CreateTime, c.UpdateTime)
	}
	// The clock never runs a profile's updateTime backwards.
	clock.Advance(-24 * time.Hour)
	var again views.Profile
	call(t, h, "PATCH", "/profiles/"+created.ProfileID, `{"firstName":"Bea"}`, http.StatusOK, &again)
	if again.UpdateTime != "2024-05-01T13:30:00+00:00" {
		t.Errorf("updateTime after a write with an earlier clock: %s", again.UpdateTime)
	}
}

// TestMemAPIRoundTrip: the handler tests' store keeps the DynamoDB
// store's contract (local/storetest runs it on both); here, only that the
// wiring serves a round trip.
func TestMemAPIRoundTrip(t *testing.T) {
	t.Parallel()
	h, _ := memAPI(t)
	var created views.Profile
	call(t, h, "POST", "/profiles", `{"firstName":"Ann"}`, http.StatusCreated, &created)
	var got views.Profile
	call(t, h, "GET", "/profiles/"+created.ProfileID, "", http.StatusOK, &got)
	if got.ProfileID != created.ProfileID {
		t.Errorf("GET: %+v", got)
	}
	call(t, h, "DELETE", "/profiles/"+created.ProfileID, "", http.StatusNoContent, nil)
	call(t, h, "GET", "/profiles/"+created.ProfileID, "", http.StatusNotFound, nil)
	var page []views.Profile
	call(t, h, "GET", "/profiles?limit=5", "", http.StatusOK, &page)
	if len(page) != 0 {
		t.Errorf("a listing after the delete: %+v", page)
	}
}

// TestIdempotencyKeyReplaysInTheKit: the kit's store expires Idempotency-Key
// records by the handlers' clock, so a retry within the key's 24 hours
// replays the first answer, another body under the key is a 422, and once
// the clock has moved past the 24 hours the key is free again.
func TestIdempotencyKeyReplaysInTheKit(t *testing.T) {
	t.Parallel()
	h, clock := memAPI(t)
	body := `{"firstName":"Once"}`
	var first, again views.Profile
	call(t, h, "POST", "/profiles", body, http.StatusCreated, &first, "Idempotency-Key", "k-1")
	clock.Advance(23 * time.Hour)
	hdr := call(t, h, "POST", "/profiles", body, http.StatusCreated, &again, "Idempotency-Key", "k-1")
	if hdr.Get("Idempotent-Replayed") != "true" || again.ProfileID != first.ProfileID {
		t.Errorf("a retry within 24 hours: Idempotent-Replayed %q, profile %s, want a replay of %s",
			hdr.Get("Idempotent-Replayed"), again.ProfileID, first.ProfileID)
	}
	call(t, h, "POST", "/profiles", `{"firstName":"Other"}`, http.StatusUnprocessableEntity, nil, "Idempotency-Key", "k-1")
	var page []views.Profile
	if call(t, h, "GET", "/profiles?limit=100", "", http.StatusOK, &page); len(page) != 1 {
		t.Errorf("%d profiles after a request and its retries, want 1", len(page))
	}
	clock.Advance(2 * time.Hour)
	var later views.Profile
	hdr = call(t, h, "POST", "/profiles", body, http.StatusCreated, &later, "Idempotency-Key", "k-1")
	if hdr.Get("Idempotent-Replayed") != "" || later.ProfileID == first.ProfileID {
		t.Errorf("after 25 hours the key should be free: Idempotent-Replayed %q, profile %s", hdr.Get("Idempotent-Replayed"), later.ProfileID)
	}
}
