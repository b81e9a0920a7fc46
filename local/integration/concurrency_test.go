package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/profile"
)

// call is one request that parallel sends: what a.do would send.
type call struct {
	c            *api
	method, path string
	body         any
	headers      []string
}

// req is the request a.do(method, path, body, headers...) sends, for
// parallel or sendAll to send from another goroutine.
func (a *api) req(method, path string, body any, headers ...string) call {
	return call{c: a, method: method, path: path, body: body, headers: headers}
}

// String is the request as "METHOD /path?query", for a test's messages.
func (c call) String() string { return c.method + " " + c.path }

// sendWith sends the call once through package client's Raw, on an HTTP
// client with hc's Timeout and Transport, holding the exchange to the
// published contract (contract_test.go: a breach fails t, from any
// goroutine). Its error says no answer came.
func (c call) sendWith(t *testing.T, hc *http.Client) (*response, error) {
	var raw []byte
	switch b := c.body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		raw = j
	}
	if raw == nil && c.body != nil {
		raw = []byte{} // an empty body is a body: it goes as application/json
	}
	// A header named twice in c.headers is sent twice; once, it replaces
	// the one the client sets.
	header := http.Header{}
	for i := 0; i+1 < len(c.headers); i += 2 {
		name := http.CanonicalHeaderKey(c.headers[i])
		header[name] = append(header[name], c.headers[i+1])
	}
	// The token goes whatever the route: an admin route sent an end
	// user's token must refuse it.
	cl := client.New(c.c.stack.URL, client.WithRetry(1), client.WithBearerToken(c.c.token), client.WithUserToken(c.c.token),
		client.WithHTTPClient(&http.Client{Timeout: hc.Timeout, Transport: contractChecked(t, hc.Transport)}))
	r, err := cl.Raw(context.Background(), c.method, c.path, header, raw)
	if err != nil {
		return nil, err
	}
	return &response{Status: r.Status, Header: r.Header, Body: r.Body}, nil
}

// parallel sends n requests at once and returns their responses in order.
func parallel(t *testing.T, n int, req func(i int) call) []*response {
	t.Helper()
	calls := make([]call, n)
	for i := range n {
		calls[i] = req(i)
	}
	return sendAll(t, calls, n)
}

// sendAll sends the calls, at most limit at a time, and returns their
// responses in order. Only the test's goroutine stops the test: the
// goroutines that send record what went wrong (a breach of the contract
// is an Error from any of them).
func sendAll(t *testing.T, calls []call, limit int) []*response {
	t.Helper()
	out := make([]*response, len(calls))
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	start := make(chan struct{})
	sem := make(chan struct{}, max(limit, 1))
	for i, c := range calls {
		wg.Go(func() {
			<-start
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i], errs[i] = c.sendWith(t, http.DefaultClient)
		})
	}
	close(start)
	wg.Wait()
	failed := false
	for i, err := range errs {
		if err != nil {
			t.Errorf("request %d (%s): %v", i, calls[i], err)
			failed = true
		}
	}
	if failed {
		t.FailNow()
	}
	return out
}

func statuses(rs []*response) map[int]int {
	m := map[int]int{}
	for _, r := range rs {
		m[r.Status]++
	}
	return m
}

// item is the part of a table item the invariant checks read.
type item struct {
	PK, SK, Type, ProfileID, UserID string
	Contacts                        []struct{ ContactID string }
}

// scanTable reads the whole test table (the service itself never scans).
func scanTable(t *testing.T, a *api) []item {
	t.Helper()
	var items []item
	if err := attributevalue.UnmarshalListOfMapsWithOptions(scanAll(t, a), &items, func(o *attributevalue.DecoderOptions) { o.TagKey = "json" }); err != nil {
		t.Fatal(err)
	}
	return items
}

func count(items []item, pred func(item) bool) int {
	n := 0
	for _, it := range items {
		if pred(it) {
			n++
		}
	}
	return n
}

func TestConcurrentPatchesWithOneIfMatch(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var p Profile
	etag := a.do("POST", "/profiles", `{"firstName":"Start"}`).expect(t, 201, &p).Header.Get("ETag")
	rs := parallel(t, 50, func(i int) call {
		return a.req("PATCH", "/profiles/"+p.ProfileID, fmt.Sprintf(`{"firstName":"W%d"}`, i), "If-Match", etag)
	})
	// At most one write lands (exactly one 200, unless the machine is so
	// loaded that a 503 beat every other answer); the losers are 412s.
	got := statuses(rs)
	if got[200] > 1 || got[200]+got[412]+got[503] != 50 || got[200]+got[503] == 0 {
		t.Fatalf("statuses %v, want at most one 200 (or a 503 in its place) and 412s", got)
	}
	var final Profile
	r := a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, &final)
	landed := -1
	_, _ = fmt.Sscanf(apitest.StringOf(final.FirstName), "W%d", &landed)
	switch {
	case r.Header.Get("ETag") == `"1"` && apitest.StringOf(final.FirstName) == "Start" && got[200] == 0:
	case r.Header.Get("ETag") == `"2"` && landed >= 0 && (rs[landed].Status == 200 || isUnknown(t, rs[landed])):
	default:
		t.Errorf("final %s, ETag %s, statuses %v: not exactly the one acknowledged write (or an outcome-unknown one)", apitest.StringOf(final.FirstName), r.Header.Get("ETag"), got)
	}
	for _, r := range rs {
		if r.Status == 412 {
			r.expectProblem(t, 412, "")
			break
		}
	}
}

func TestConcurrentPatchesWithoutIfMatchNeverMix(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Start","tags":["start"]}`).expect(t, 201, &p)
	rs := parallel(t, 50, func(i int) call {
		return a.req("PATCH", "/profiles/"+p.ProfileID, fmt.Sprintf(`{"tags":["t%d","u%d"],"lastName":"L%d"}`, i, i, i))
	})
	// Every write lands (200) unless its deadline ran out (503: plain, it
	// did not land; outcome-unknown, it may have); the make bench section
	// "hot profile" holds the speed. The end state is one request's, and the
	// version counts the writes that landed.
	got := statuses(rs)
	if got[200]+got[503] != 50 {
		t.Fatalf("statuses %v, want only 200s and 503s", got)
	}
	unknown := 0
	for _, r := range rs {
		if r.Status == 503 && isUnknown(t, r) {
			unknown++
		}
	}
	var final Profile
	r := a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, &final)
	var i int
	if _, err := fmt.Sscanf(apitest.StringOf(final.LastName), "L%d", &i); err != nil || !slices.Equal(final.Tags, []string{fmt.Sprintf("t%d", i), fmt.Sprintf("u%d", i)}) {
		t.Errorf("final state mixes requests: lastName %s, tags %v", apitest.StringOf(final.LastName), final.Tags)
	} else if rs[i].Status != 200 && !isUnknown(t, rs[i]) {
		t.Errorf("the final state is request %d's, which answered a plain 503: it landed", i)
	}
	var version int
	if _, err := fmt.Sscanf(r.Header.Get("ETag"), `"%d"`, &version); err != nil || version < 1+got[200] || version > 1+got[200]+unknown {
		t.Errorf("ETag %s after %d acknowledged and %d outcome-unknown writes from version 1", r.Header.Get("ETag"), got[200], unknown)
	}
}

// isUnknown reports whether a 503 says outcome-unknown (the write may have landed).
func isUnknown(t *testing.T, r *response) bool {
	t.Helper()
	return r.Status == 503 && strings.HasSuffix(r.expectProblem(t, 503, "").Type, "/outcome-unknown")
}

// TestIdempotencyKey: concurrent POSTs with one key make one profile and
// all answer it (the losers replay the winner: a key is never in flight);
// a later retry replays; another body is a 422; keys belong to their
// caller; the records hold no personal data and expire.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	body := `{"firstName":"Once","contacts":[{"key":"email","value":"once@example.com"}]}`
	rs := parallel(t, 20, func(int) call { return a.req("POST", "/profiles", body, "Idempotency-Key", "create-once-1") })
	// Each answer is the first request's 201 or a replay of it; a 503 (the
	// machine too loaded to answer in time) is allowed, a 409 or a second
	// profile never.
	if got := statuses(rs); got[201]+got[503] != 20 || got[201] == 0 {
		t.Fatalf("statuses %v: want 201s (the first and its replays), and 503s at most", got)
	}
	var ids []string
	replayed := 0
	for _, r := range rs {
		if r.Status == 503 {
			continue
		}
		var p Profile
		r.expect(t, 201, &p)
		ids = append(ids, p.ProfileID)
		if r.Header.Get("Idempotent-Replayed") == "true" {
			replayed++
		}
	}
	// All name one profile; all but the first request's answer (unless
	// that was a 503) are replays.
	if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 1 || replayed < len(ids)-1 {
		t.Errorf("201s name %v, %d replayed; want one profile, every 201 but the first a replay", ids, replayed)
	}
	items := scanTable(t, a)
	if n := count(items, func(it item) bool { return it.Type == "profile" }); n != 1 {
		t.Fatalf("%d profiles written, want 1", n)
	}

	// A later retry replays the first response, headers included.
	firstAt := slices.IndexFunc(rs, func(r *response) bool { return r.Status == 201 && r.Header.Get("Idempotent-Replayed") == "" })
	if firstAt < 0 { // the first request answered 503: compare with a replay
		firstAt = slices.IndexFunc(rs, func(r *response) bool { return r.Status == 201 })
	}
	first := rs[firstAt]
	again := a.do("POST", "/profiles", body, "Idempotency-Key", "create-once-1").expect(t, 201, nil)
	if string(again.Body) != string(first.Body) || again.Header.Get("Location") != first.Header.Get("Location") ||
		again.Header.Get("ETag") != first.Header.Get("ETag") || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay differs:\n%s %v\n%s %v", again.Body, again.Header, first.Body, first.Header)
	}
	a.do("POST", "/profiles", `{"firstName":"Other"}`, "Idempotency-Key", "create-once-1").expectProblem(t, 422, "Idempotency-Key")
	a.do("POST", "/profiles", body, "Idempotency-Key", strings.Repeat("k", 256)).expectProblem(t, 400, "Idempotency-Key")
	a.do("POST", "/profiles", `{"firstName":"Max"}`, "Idempotency-Key", strings.Repeat("k", 255)).expect(t, 201, nil)

	// Keys belong to their caller: another subject's same key is a new request.
	other := a.as(t, testenv.Token(t, "another-admin", "profiles:read", "profiles:write"))
	other.do("POST", "/profiles", body, "Idempotency-Key", "create-once-1").expect(t, 201, nil)

	// The same on contacts and on the user's update.
	path := "/profiles/" + ids[0] + "/contacts"
	c1 := a.do("POST", path, `{"key":"phone","value":"+15550001111"}`, "Idempotency-Key", "c-1").expect(t, 201, nil)
	c2 := a.do("POST", path, `{"key":"phone","value":"+15550001111"}`, "Idempotency-Key", "c-1").expect(t, 201, nil)
	if string(c1.Body) != string(c2.Body) {
		t.Errorf("contact replay differs")
	}
	user := a.as(t, testenv.UserToken(t, "idem-user"))
	u1 := user.do("POST", "/api/me/profile/update", `{"givenName":"I"}`, "Idempotency-Key", "u-1").expect(t, 200, nil)
	u2 := user.do("POST", "/api/me/profile/update", `{"givenName":"I"}`, "Idempotency-Key", "u-1").expect(t, 200, nil)
	if string(u1.Body) != string(u2.Body) || u2.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("user update replay differs")
	}
	// Records expire: they carry the TTL attribute. They hold no personal
	// data: no name, email or phone of the requests, and no response body.
	raw, err := a.stack.DB.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(a.stack.Config.TableName)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range raw.Items {
		if pk := it["PK"]; strings.Contains(fmt.Sprint(pk), "IDEMPOTENCY#") {
			n++
			if _, ok := it["expiresAt"]; !ok {
				t.Errorf("idempotency record without expiresAt: %v", it)
			}
			if dump := fmt.Sprintf("%+v", it); strings.Contains(dump, "Once") || strings.Contains(dump, "once@") ||
				strings.Contains(dump, "15550001111") || strings.Contains(dump, "idem-user") || strings.Contains(dump, "create-once-1") {
				t.Errorf("idempotency record holds request data: %s", dump)
			}
		}
	}
	if n != 5 {
		t.Errorf("%d idempotency records, want 5", n)
	}
}

func TestUniqueUUIDUnderConcurrentCreates(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	rs := parallel(t, 20, func(i int) call {
		return a.req("POST", "/profiles", fmt.Sprintf(`{"firstName":"C%d","uuid":"same-uuid"}`, i))
	})
	// At most one create wins; the others are 409s (or 503s on a loaded
	// machine). The table holds exactly the profiles acknowledged, plus
	// one whose answer was outcome-unknown, and one marker per profile.
	got := statuses(rs)
	if got[201] > 1 || got[201]+got[409]+got[503] != 20 {
		t.Fatalf("statuses %v, want at most one 201, the rest 409 (or 503)", got)
	}
	unknown := 0
	for _, r := range rs {
		if isUnknown(t, r) {
			unknown++
		}
	}
	items := scanTable(t, a)
	n := count(items, func(it item) bool { return it.Type == "profile" })
	if n != got[201] && !(got[201] == 0 && n == 1 && unknown > 0) {
		t.Errorf("%d profiles, %d acknowledged, %d outcome-unknown", n, got[201], unknown)
	}
	if m := count(items, func(it item) bool { return it.PK == "UUID#same-uuid" }); m != n {
		t.Errorf("%d uuid markers for %d profiles", m, n)
	}
}

func TestUniqueUserUnderConcurrentFirstUpdates(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	user := a.as(t, testenv.UserToken(t, "racer"))
	rs := parallel(t, 10, func(i int) call {
		return user.req("POST", "/api/me/profile/update", fmt.Sprintf(`{"givenName":"R%d"}`, i))
	})
	// Every first update lands on the one profile (the losers of the
	// create become updates), or answers 503 on a loaded machine.
	if got := statuses(rs); got[200]+got[503] != 10 || got[200] == 0 {
		t.Fatalf("statuses %v, want 200s (and 503s at most)", got)
	}
	items := scanTable(t, a)
	if n := count(items, func(it item) bool { return it.Type == "profile" && it.UserID == "racer" }); n != 1 {
		t.Errorf("%d profiles of the user, want 1", n)
	}
	// The user's profile is unique by its key: its id is derived from the
	// user id, so it needs no user marker.
	if n := count(items, func(it item) bool { return it.PK == "PROFILE#"+profile.UserProfileID("racer") && it.Type == "profile" }); n != 1 {
		t.Errorf("%d profiles under the user's derived id, want 1", n)
	}
	if n := count(items, func(it item) bool { return it.PK == "USER#racer" }); n != 0 {
		t.Errorf("%d user markers, want none", n)
	}
}

func TestContactLimitUnderConcurrency(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Full"}`).expect(t, 201, &p)
	rs := parallel(t, 60, func(i int) call {
		return a.req("POST", "/profiles/"+p.ProfileID+"/contacts", fmt.Sprintf(`{"key":"phone","value":"+1555100%04d"}`, i))
	})
	// On a loaded machine some adds may run out of their deadline: a plain
	// 503 was not written, an outcome-unknown one may have been. The rest
	// are 201s up to the limit, and 409s only once the limit is reached: a
	// 409 means 50 contacts exist, the acknowledged ones and perhaps some
	// unknown. Without 503s, exactly 50 201s and 10 409s.
	got := statuses(rs)
	if got[201]+got[409]+got[503] != 60 || got[201] > 50 {
		t.Fatalf("statuses %v, want only 201, 409 and 503, at most 50 201s", got)
	}
	unknown := 0
	for _, r := range rs {
		if isUnknown(t, r) {
			unknown++
		}
	}
	if got[409] > 0 && got[201]+unknown < 50 {
		t.Errorf("statuses %v (%d outcome-unknown): a 409 before 50 contacts could exist", got, unknown)
	}
	if got[503] == 0 && (got[201] != 50 || got[409] != 10) {
		t.Errorf("statuses %v, want 50 201 and 10 409", got)
	}
	if got[503] > 0 {
		t.Logf("statuses %v: the machine is loaded", got)
	}
	items := scanTable(t, a)
	n := count(items, func(it item) bool { return strings.HasPrefix(it.SK, "CONTACT#") })
	if n > 50 {
		t.Errorf("%d contact items, above the limit of 50", n)
	}
	if n < got[201] || n > got[201]+unknown {
		t.Errorf("%d contact items, %d acknowledged and %d outcome-unknown", n, got[201], unknown)
	}
	profiles := 0
	for _, it := range items {
		if it.Type == "profile" {
			profiles++
			if len(it.Contacts) != n {
				t.Errorf("profile item embeds %d contacts, %d contact items: a partial write", len(it.Contacts), n)
			}
		}
	}
	if profiles != 1 {
		t.Errorf("%d profile items, want 1", profiles)
	}
}

func TestDeleteWhileAddingContactsLeavesNothing(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	for round := range 3 {
		var p Profile
		a.do("POST", "/profiles", fmt.Sprintf(`{"firstName":"Doomed","uuid":"doomed-%d"}`, round)).expect(t, 201, &p)
		rs := parallel(t, 21, func(i int) call {
			if i == 10 {
				return a.req("DELETE", "/profiles/"+p.ProfileID, nil)
			}
			return a.req("POST", "/profiles/"+p.ProfileID+"/contacts", fmt.Sprintf(`{"key":"phone","value":"+1555200%04d"}`, i))
		})
		// The delete lands, or (on a loaded machine, the adds moving the
		// version it waits for) answers 503; then, the adds over, it is
		// sent again until the profile is gone. Either way nothing of the
		// profile may be left.
		for try := 0; rs[10].Status == 503 && try < 5; try++ {
			rs[10] = a.do("DELETE", "/profiles/"+p.ProfileID, nil)
		}
		if rs[10].Status != 204 && rs[10].Status != 404 {
			t.Fatalf("delete: %d %s", rs[10].Status, rs[10].Body)
		}
		for i, r := range rs {
			if i != 10 && r.Status != 201 && r.Status != 404 && r.Status != 503 {
				t.Errorf("contact add during delete: %d %s", r.Status, r.Body)
			}
		}
		for _, it := range scanTable(t, a) {
			if strings.Contains(it.PK, p.ProfileID) || it.ProfileID == p.ProfileID {
				t.Errorf("left behind: %+v", it)
			}
		}
		var list []Profile
		a.do("GET", "/profiles?limit=100", nil).expect(t, 200, &list)
		for _, sortBy := range []string{"createTime", "name", "lastName"} {
			a.do("GET", "/profiles?limit=100&sort_by="+sortBy, nil).expect(t, 200, &list)
			if len(list) != 0 {
				t.Errorf("index %s still lists %d profiles", sortBy, len(list))
			}
		}
	}
}
