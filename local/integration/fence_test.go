package integration

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/profile"
)

// TestEveryWriteSettlesAnUnknownOutcome: for every function that writes,
// DynamoDB applies the write transaction but the first answers are lost
// (the connection drops). The store sends the identical transaction again
// with its ClientRequestToken, under the function's own IAM policy, and
// answers success: each write took effect exactly once. A keyed POST
// replayed later answers the first time's status, and 404
// replayed-resource-deleted when what it made was deleted since. The runs
// exercise each function's settling path, so the suite's least-privilege
// check holds the policies to it too.
func TestEveryWriteSettlesAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	a, proxy := newFaultyAPI(t)
	user := a.as(t, testenv.UserToken(t, "fence-user"))
	newUser := a.as(t, testenv.UserToken(t, "fence-new-user"))
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Before","uuid":"fence-1","contacts":[{"key":"email","value":"before@example.com"}]}`).expect(t, 201, &p)
	contact := "/profiles/" + p.ProfileID + "/contacts/" + p.Contacts[0].ContactID
	user.do("POST", "/api/me/profile/update", `{"givenName":"Before"}`).expect(t, 200, nil)

	proxy.Set(testenv.LoseAnswers, 1, 1) // each transaction's first answer
	var created Profile
	for _, req := range []struct {
		who                *api
		method, path, body string
		key                string
		status             int
		into               any
	}{
		{a, "POST", "/profiles", `{"firstName":"New","uuid":"fence-2"}`, "fence-create", 201, &created},
		{a, "PUT", "/profiles/" + p.ProfileID, `{"firstName":"Put","uuid":"fence-3"}`, "", 200, nil},
		{a, "PATCH", "/profiles/" + p.ProfileID, `{"lastName":"Patch"}`, "", 200, nil},
		{a, "POST", "/profiles/" + p.ProfileID + "/contacts", `{"key":"phone","value":"+15557770001"}`, "fence-contact", 201, nil},
		{a, "PATCH", contact, `{"value":"patched@example.com"}`, "", 200, nil},
		{a, "DELETE", contact, "", "", 204, nil},
		{user, "POST", "/api/me/profile/update", `{"givenName":"During"}`, "fence-user-update", 200, nil},
		{newUser, "POST", "/api/me/profile/update", `{"givenName":"First"}`, "fence-user-create", 200, nil},
	} {
		var body any
		if req.body != "" {
			body = req.body
		}
		var headers []string
		if req.key != "" {
			headers = []string{"Idempotency-Key", req.key}
		}
		req.who.do(req.method, req.path, body, headers...).expect(t, req.status, req.into)
	}
	// Each write once: the profile is at version 1 + PUT + PATCH + contact
	// add + contact change + contact delete, with one contact (the phone).
	var after Profile
	r := a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, &after)
	if etag := r.Header.Get("ETag"); etag != `"6"` {
		t.Errorf("ETag %s after five settled writes from version 1, want \"6\": a write took effect more or less than once", etag)
	}
	if apitest.StringOf(after.FirstName) != "Put" || apitest.StringOf(after.LastName) != "Patch" || apitest.StringOf(after.UUID) != "fence-3" || len(after.Contacts) != 1 || after.Contacts[0].Value != "+15557770001" {
		t.Errorf("the profile after the settled writes: %+v", after)
	}
	var me struct{ GivenName *string }
	user.do("GET", "/api/me/profile", nil).expect(t, 200, &me)
	newUser.do("GET", "/api/me/profile", nil).expect(t, 200, nil)
	if apitest.StringOf(me.GivenName) != "During" {
		t.Errorf("the user's settled update: %+v", me)
	}
	a.do("DELETE", "/profiles/"+p.ProfileID, nil).expect(t, 204, nil)
	proxy.Set(testenv.Pass, 0, 0)

	// The keyed POSTs' replays: the same profile. The contact's profile is
	// erased, and its Idempotency-Key records with it (docs/api.md,
	// Erasure): the retry runs again and finds no profile, a 404 that
	// writes nothing.
	var again Profile
	a.do("POST", "/profiles", `{"firstName":"New","uuid":"fence-2"}`, "Idempotency-Key", "fence-create").expect(t, 201, &again)
	if again.ProfileID != created.ProfileID {
		t.Errorf("the keyed create's replay made another profile: %s, %s", created.ProfileID, again.ProfileID)
	}
	gone := a.do("POST", "/profiles/"+p.ProfileID+"/contacts", `{"key":"phone","value":"+15557770001"}`, "Idempotency-Key", "fence-contact").
		expectProblem(t, 404, "")
	if gone.Type != "about:blank" {
		t.Errorf("the retry after the profile's erasure: type %q, want about:blank (not found: its record went with it)", gone.Type)
	}
	items := scanTable(t, a)
	if n := count(items, func(it item) bool { return it.Type == "profile" }); n != 3 {
		t.Errorf("%d profiles in the table, want 3 (the two users', the keyed create)", n)
	}
}

// TestRetentionPurgeUnderFaults runs the scheduled job's Lambda handler,
// on its own IAM policy, over expired disabled profiles: while DynamoDB
// throttles its delete transactions, it counts errors and deletes nothing;
// the next run deletes them.
func TestRetentionPurgeUnderFaults(t *testing.T) {
	t.Parallel()
	a, proxy := newFaultyAPI(t)
	old := time.Now().UTC().Truncate(time.Second).Add(-2 * 365 * 24 * time.Hour)
	for i := range 3 {
		p := &profile.Profile{ID: profile.NewID(old), FirstName: "Old", Tags: []string{}, CreateTime: old, UpdateTime: old, Version: 1,
			Contacts: []profile.Contact{{ID: profile.NewID(old), Key: profile.KeyPhone, Value: "+1555888000" + string(rune('0'+i)), CreateTime: old, UpdateTime: old, Version: 1}}}
		if err := a.stack.Store.Create(context.Background(), p, nil); err != nil {
			t.Fatal(err)
		}
	}
	invoke := func() ([]byte, error) {
		return a.stack.Handlers["RetentionPurge"].Invoke(context.Background(), []byte(`{}`))
	}
	proxy.Set(testenv.ThrottleWrites, 1, 0)
	// A run with errors fails, so Lambda retries it, and the alarms see it.
	if _, err := invoke(); err == nil || !strings.Contains(err.Error(), "3 of 3 profiles could not be deleted") {
		t.Errorf("run while deletes drop: %v, want the failure of 3 deletes", err)
	}
	proxy.Set(testenv.Pass, 0, 0)
	var sum struct{ Examined, Deleted, Errors int }
	out, err := invoke()
	if err == nil {
		err = json.Unmarshal(out, &sum)
	}
	if err != nil || sum.Examined != 3 || sum.Deleted != 3 || sum.Errors != 0 {
		t.Errorf("next run: %+v, %v; want 3 examined and deleted", sum, err)
	}
	if n := count(scanTable(t, a), func(it item) bool { return it.Type == "profile" || it.Type == "contact" }); n != 0 {
		t.Errorf("%d profile and contact items left", n)
	}
}
