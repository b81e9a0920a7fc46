package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/memstore"
	"github.com/profiles-service/profiles/shared/budget"
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
	return serveAll(Deps{Store: store, Idempotency: store, CursorSecret: "test-secret", Budget: budget.Budget{Now: clock.Now}}), clock
}

// serveAll is every function's routes on d, on one mux.
func serveAll(d Deps) http.Handler {
	mux := http.NewServeMux()
	for _, f := range Endpoints() {
		h := NewServer(d, f)
		for _, p := range f.Patterns() {
			mux.Handle(p, h)
		}
	}
	return mux
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

// TestCursorBoundToItsListing: a cursor pages only the listing, the path
// ids, the filters and the sort of the page whose Link carried it; any other
// use is the validation 400 naming the parameter cursor. The limit may
// change between pages.
func TestCursorBoundToItsListing(t *testing.T) {
	t.Parallel()
	h, clock := memAPI(t)
	var a, b views.Profile
	for _, p := range []*views.Profile{&a, &b} {
		call(t, h, "POST", "/profiles", `{"firstName":"X","contacts":[{"key":"email","value":"one@example.com"},{"key":"email","value":"two@example.com"},{"key":"email","value":"three@example.com"}]}`,
			http.StatusCreated, p)
		clock.Advance(time.Minute)
	}
	for _, first := range []string{"X", "Y", "Y"} {
		call(t, h, "POST", "/profiles", `{"firstName":"`+first+`"}`, http.StatusCreated, nil)
		clock.Advance(time.Minute)
	}
	contactsA := "/profiles/" + a.ProfileID + "/contacts"
	contactsB := "/profiles/" + b.ProfileID + "/contacts"
	// next returns the cursor of a page's Link.
	next := func(path string) string {
		t.Helper()
		link := call(t, h, "GET", path, "", http.StatusOK, nil).Get("Link")
		target, ok := strings.CutPrefix(link, "<")
		target, _, ok2 := strings.Cut(target, ">")
		u, err := url.Parse(target)
		if !ok || !ok2 || err != nil || u.Query().Get("cursor") == "" {
			t.Fatalf("GET %s: Link %q holds no cursor", path, link)
		}
		return url.QueryEscape(u.Query().Get("cursor"))
	}
	contactCursor := next(contactsA + "?limit=1")
	contactUpdateCursor := next(contactsA + "?limit=1&sort_by=updateTime")
	xCursor := next("/profiles?limit=1&sort_by=firstName&filter[firstName]=X")
	createCursor := next("/profiles?limit=1&sort_by=createTime")

	refused := []struct{ name, path string }{
		{"contacts cursor on /profiles", "/profiles?limit=1&cursor=" + contactCursor},
		{"contacts cursor on /profiles, sort_by=createTime", "/profiles?limit=1&sort_by=createTime&sort_order=asc&cursor=" + contactCursor},
		{"contacts cursor on /profiles, sort_by=updateTime", "/profiles?limit=1&sort_by=updateTime&cursor=" + contactUpdateCursor},
		{"profile A's contacts cursor on profile B", contactsB + "?limit=1&cursor=" + contactCursor},
		{"profiles cursor on contacts", contactsA + "?limit=1&sort_by=createTime&cursor=" + createCursor},
		{"filter[firstName]=X cursor with filter[firstName]=Y", "/profiles?limit=1&sort_by=firstName&filter[firstName]=Y&cursor=" + xCursor},
		{"filter dropped", "/profiles?limit=1&sort_by=firstName&cursor=" + xCursor},
		{"sort_order changed", "/profiles?limit=1&sort_by=firstName&sort_order=desc&filter[firstName]=X&cursor=" + xCursor},
		{"contacts sort_order changed", contactsA + "?limit=1&sort_order=desc&cursor=" + contactCursor},
		{"sort_by changed", "/profiles?limit=1&sort_by=updateTime&cursor=" + createCursor},
	}
	for _, tt := range refused {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", tt.path, nil))
		var p problem
		_ = json.Unmarshal(w.Body.Bytes(), &p)
		if w.Code != http.StatusBadRequest || p.Type != problemBase+"validation" || len(p.Errors) != 1 || p.Errors[0].Field != "cursor" {
			t.Errorf("%s: %d %+v, want the 400 validation problem naming cursor", tt.name, w.Code, p)
		}
	}

	// The same query with its cursor is the next page, whatever the limit.
	pages := []struct {
		name, all, withCursor string
		from                  int // index in all of the page's first item
	}{
		{"contacts", contactsA + "?limit=10", contactsA + "?limit=2&cursor=" + contactCursor, 1},
		{"firstName=X", "/profiles?sort_by=firstName&filter[firstName]=X", "/profiles?limit=5&sort_by=firstName&filter[profileFirstName]=X&cursor=" + xCursor, 1},
		{"createTime", "/profiles?limit=10&sort_by=createTime", "/profiles?limit=2&sort_by=createTime&sort_order=asc&cursor=" + createCursor, 1},
	}
	for _, tt := range pages {
		var all, page []map[string]any
		call(t, h, "GET", tt.all, "", http.StatusOK, &all)
		call(t, h, "GET", tt.withCursor, "", http.StatusOK, &page)
		want := all[tt.from:]
		if len(want) > len(page) {
			want = want[:len(page)]
		}
		if len(page) == 0 || !reflect.DeepEqual(page, want) {
			t.Errorf("%s: the page after the cursor is %v, want %v", tt.name, page, want)
		}
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
