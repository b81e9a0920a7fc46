package integration

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/testenv"
)

// batchResult is one item's result of POST /profiles/batch.
type batchResult struct {
	Status  int      `json:"status"`
	Outcome string   `json:"outcome"`
	Profile *Profile `json:"profile"`
	Problem *struct {
		problem
		MatchingProfileIDs []string `json:"matchingProfileIds"`
	} `json:"problem"`
}

func (r batchResult) id() string {
	if r.Profile == nil {
		return ""
	}
	return r.Profile.ProfileID
}

// batch sends the items (JSON objects) as one batch, with the
// Idempotency-Key key unless it is "", and returns the 207's results.
func (a *api) batch(key string, items ...string) []batchResult {
	a.t.Helper()
	var headers []string
	if key != "" {
		headers = []string{"Idempotency-Key", key}
	}
	var out struct{ Results []batchResult }
	a.do("POST", "/profiles/batch", `{"items":[`+strings.Join(items, ",")+`]}`, headers...).expect(a.t, http.StatusMultiStatus, &out)
	if len(out.Results) != len(items) {
		a.t.Fatalf("%d results for %d items", len(out.Results), len(items))
	}
	return out.Results
}

// wantBatch fails unless each result has its status and outcome (or its
// problem's type, ending so).
func wantBatch(t *testing.T, results []batchResult, want ...string) {
	t.Helper()
	for i, w := range want {
		status, what, _ := strings.Cut(w, " ")
		r := results[i]
		got := r.Outcome
		if r.Problem != nil {
			got = r.Problem.Type
		}
		if status != strconv.Itoa(r.Status) || !strings.HasSuffix(got, what) ||
			(r.Status < 300) != (r.Profile != nil) {
			t.Errorf("item %d: %d %q (profile %v), want %s", i, r.Status, got, r.Profile != nil, w)
		}
	}
}

// count is how many profiles a listing filter finds (filter is
// "name=value").
func (a *api) count(filter string) int {
	a.t.Helper()
	name, value, _ := strings.Cut(filter, "=")
	var list []Profile
	a.do("GET", "/profiles?limit=100&filter["+name+"]="+url.QueryEscape(value), nil).expect(a.t, http.StatusOK, &list)
	return len(list)
}

// TestBatchMixedOnDynamoDB: one batch on the real store creates (a new id
// and at a given id), updates (moving a uuid's marker), leaves a profile
// unchanged, refuses an invalid item, names the profiles an ambiguous
// email matches and refuses a second item on the same profile; the table
// holds what the results say.
func TestBatchMixedOnDynamoDB(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var byEmail, byPhone, twin1, twin2 Profile
	a.do("POST", "/profiles", `{"uuid":"old-uuid","contacts":[{"key":"email","value":"mixed@example.com"}]}`).expect(t, 201, &byEmail)
	a.do("POST", "/profiles", `{"lastName":"Phone","contacts":[{"key":"phone","value":"+15550002222"}]}`).expect(t, 201, &byPhone)
	a.do("POST", "/profiles", `{"contacts":[{"key":"email","value":"twin@example.com"}]}`).expect(t, 201, &twin1)
	a.do("POST", "/profiles", `{"contacts":[{"key":"email","value":"twin@example.com"}]}`).expect(t, 201, &twin2)

	res := a.batch("",
		`{"op":"create","profile":{"firstName":"Fresh","contacts":[{"key":"email","value":"fresh@example.com"}]}}`,
		`{"op":"upsert","match":"email","profile":{"uuid":"new-uuid","contacts":[{"key":"email","value":"mixed@example.com","verified":true}]}}`,
		`{"op":"upsert","match":"uuid","profile":{"uuid":"new-uuid","firstName":"Raced"}}`,
		`{"op":"upsert","match":"phone","profile":{"lastName":"Phone","contacts":[{"key":"phone","value":"+1 555 000 2222"}]}}`,
		`{"op":"upsert","match":"email","profile":{"contacts":[{"key":"email","value":"twin@example.com"}]}}`,
		`{"op":"bogus","profile":{}}`,
		`{"op":"upsert","match":"id","id":"0123456789abcdef01234567","profile":{"firstName":"AtID"}}`,
	)
	wantBatch(t, res, "201 created", "200 updated", "409 /conflict", "200 unchanged", "409 /conflict", "400 /validation", "201 created")
	if got := res[1]; got.id() != byEmail.ProfileID || got.Profile == nil || len(got.Profile.Contacts) != 1 || !got.Profile.Contacts[0].Verified {
		t.Errorf("upsert by email: %+v, want %s with its one contact verified", got.Profile, byEmail.ProfileID)
	}
	if p := res[4].Problem; p == nil || len(p.MatchingProfileIDs) != 2 || !strings.Contains(strings.Join(p.MatchingProfileIDs, ","), twin1.ProfileID) ||
		!strings.Contains(strings.Join(p.MatchingProfileIDs, ","), twin2.ProfileID) {
		t.Errorf("ambiguous email: %+v, want both %s and %s named", res[4].Problem, twin1.ProfileID, twin2.ProfileID)
	}
	if res[6].id() != "0123456789abcdef01234567" {
		t.Errorf("upsert by a free id created %q", res[6].id())
	}

	// The uuid's marker moved; the unchanged profile was not written.
	if a.count("uuid=old-uuid") != 0 || a.count("uuid=new-uuid") != 1 || a.count("firstName=Raced") != 0 {
		t.Error("after the batch: the old uuid still finds a profile, the new one none, or the refused item landed")
	}
	r := a.do("GET", "/profiles/"+byPhone.ProfileID, nil).expect(t, 200, nil)
	if r.Header.Get("ETag") != `"1"` {
		t.Errorf("the unchanged profile is at ETag %s, want \"1\"", r.Header.Get("ETag"))
	}
	if n := a.count("email=fresh@example.com"); n != 1 {
		t.Errorf("%d profiles with the created email, want 1", n)
	}
}

// TestBatchReplayAfterOutcomeUnknown: two items' writes land but their
// answers are lost until the request's deadline, so they answer 503
// outcome-unknown while the others succeed. The same batch sent again with
// the same key answers every item as having taken effect once: the lost
// create and the lost upsert are created (the profiles they made, found
// by a look-up, exactly one each), the others replay their first answers
// with the same ids, and nothing is made twice.
func TestBatchReplayAfterOutcomeUnknown(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	// A request budget of 3 s: the lost items answer when it ends; the
	// others land within it, or answer outcome-unknown on a busy machine,
	// which the replay settles as it settles the lost ones.
	cfg := testenv.Config(t)
	cfg.Budget.Timeout = 3 * time.Second
	proxy := testenv.NewFaultProxy(t, cfg.Endpoint)
	cfg.Endpoint = proxy.URL
	a := &api{t: t, stack: testenv.NewStackWith(t, cfg), token: testenv.Token(t, "admin", "profiles:read", "profiles:write")}
	items := []string{
		`{"op":"create","profile":{"firstName":"LostCreate"}}`,
		`{"op":"upsert","match":"uuid","profile":{"uuid":"lost-upsert","firstName":"LostUpsert"}}`,
		`{"op":"create","profile":{"firstName":"Kept"}}`,
		`{"op":"upsert","match":"email","profile":{"firstName":"KeptUpsert","contacts":[{"key":"email","value":"kept@example.com"}]}}`,
	}
	proxy.OnlyWritesHolding("Lost")
	proxy.Set(testenv.LoseAnswers, 1, 1000) // every copy of the write lands; no answer comes back
	first := a.batch("replay-after-unknown", items...)
	proxy.Set(testenv.Pass, 0, 0)
	proxy.OnlyWritesHolding("")
	// The lost items cannot learn their outcome; the others may be slow
	// enough on a busy machine to be unknown too, which the replay settles.
	wantBatch(t, first, "503 /outcome-unknown", "503 /outcome-unknown")
	for i := 2; i < len(items); i++ {
		if first[i].Status != 201 && !(first[i].Problem != nil && strings.HasSuffix(first[i].Problem.Type, "/outcome-unknown")) {
			t.Errorf("item %d: %d %+v, want 201 created (or outcome-unknown on a slow machine)", i, first[i].Status, first[i].Problem)
		}
	}

	again := a.batch("replay-after-unknown", items...)
	wantBatch(t, again, "201 created", "201 created", "201 created", "201 created")
	for i, filter := range []string{"firstName=LostCreate", "uuid=lost-upsert", "firstName=Kept", "email=kept@example.com"} {
		var found []Profile
		name, value, _ := strings.Cut(filter, "=")
		a.do("GET", "/profiles?limit=100&filter["+name+"]="+url.QueryEscape(value), nil).expect(t, 200, &found)
		if len(found) != 1 {
			t.Errorf("item %d: %d profiles with %s, want exactly 1", i, len(found), filter)
			continue
		}
		if again[i].id() != found[0].ProfileID {
			t.Errorf("item %d: the replay names %s, the table holds %s", i, again[i].id(), found[0].ProfileID)
		}
		if first[i].Status < 300 && first[i].id() != again[i].id() {
			t.Errorf("item %d: first answered %s, the replay %s", i, first[i].id(), again[i].id())
		}
	}
}
