package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/profile"
)

// TestEveryWriteSettlesAnUnknownOutcome: for every function that writes,
// a write transaction whose outcome the client cannot know (the connection
// drops) is settled before the answer (the store's fence, under the
// function's own IAM policy): the answer is a 503, the write did not and
// will not land, and a retry with the same Idempotency-Key then succeeds
// once. The runs exercise each function's fault path, so the suite's
// least-privilege check holds the policies to it too.
func TestEveryWriteSettlesAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	a, proxy := newFaultyAPI(t)
	user := a.as(t, testenv.UserToken(t, "fence-user"))
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Before","uuid":"fence-1","contacts":[{"key":"email","value":"before@example.com"}]}`).expect(t, 201, &p)
	contact := "/profiles/" + p.ProfileID + "/contacts/" + p.Contacts[0].ContactID
	user.do("POST", "/api/me/profile/update", `{"givenName":"Before"}`).expect(t, 200, nil)

	proxy.Set(testenv.ResetWrites, 1, 0)
	for _, req := range []struct {
		who                *api
		method, path, body string
		key                string
	}{
		{a, "POST", "/profiles", `{"firstName":"New","uuid":"fence-2"}`, "fence-create"},
		{a, "PUT", "/profiles/" + p.ProfileID, `{"firstName":"Put","uuid":"fence-3"}`, ""},
		{a, "PATCH", "/profiles/" + p.ProfileID, `{"firstName":"Patch"}`, ""},
		{a, "POST", "/profiles/" + p.ProfileID + "/contacts", `{"key":"phone","value":"+15557770001"}`, "fence-contact"},
		{a, "PATCH", contact, `{"value":"patched@example.com"}`, ""},
		{a, "DELETE", contact, "", ""},
		{a, "DELETE", "/profiles/" + p.ProfileID, "", ""},
		{user, "POST", "/api/me/profile/update", `{"givenName":"During"}`, "fence-user-update"},
		{a.as(t, testenv.UserToken(t, "fence-new-user")), "POST", "/api/me/profile/update", `{"givenName":"First"}`, "fence-user-create"},
	} {
		var body any
		if req.body != "" {
			body = req.body
		}
		var headers []string
		if req.key != "" {
			headers = []string{"Idempotency-Key", req.key}
		}
		r := req.who.do(req.method, req.path, body, headers...)
		r.expectProblem(t, http.StatusServiceUnavailable, "")
		if r.Header.Get("Retry-After") == "" {
			t.Errorf("%s %s: 503 without Retry-After", req.method, req.path)
		}
	}
	proxy.Set(testenv.Pass, 0, 0)
	var after Profile
	a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, &after)
	if str(after.FirstName) != "Before" || str(after.UUID) != "fence-1" || len(after.Contacts) != 1 || after.Contacts[0].Value != "before@example.com" {
		t.Errorf("a write answered 503 changed the profile: %+v", after)
	}
	var me struct{ GivenName *string }
	user.do("GET", "/api/me/profile", nil).expect(t, 200, &me)
	if str(me.GivenName) != "Before" {
		t.Errorf("the user's update answered 503 but landed: %+v", me)
	}
	a.as(t, testenv.UserToken(t, "fence-new-user")).do("GET", "/api/me/profile", nil).expectProblem(t, http.StatusNotFound, "")

	// The keyed POSTs' retries run afresh and take effect once.
	var created []Profile
	for range 2 {
		var np Profile
		a.do("POST", "/profiles", `{"firstName":"New","uuid":"fence-2"}`, "Idempotency-Key", "fence-create").expect(t, 201, &np)
		created = append(created, np)
	}
	if created[0].ProfileID != created[1].ProfileID {
		t.Errorf("the keyed create's retries made two profiles: %s, %s", created[0].ProfileID, created[1].ProfileID)
	}
	for range 2 {
		a.do("POST", "/profiles/"+p.ProfileID+"/contacts", `{"key":"phone","value":"+15557770001"}`, "Idempotency-Key", "fence-contact").expect(t, 201, nil)
	}
	// The new user's profile has an id derived from the user id, which the
	// fence of the first try holds: the retry must still create it, once.
	newUser := a.as(t, testenv.UserToken(t, "fence-new-user"))
	for range 2 {
		newUser.do("POST", "/api/me/profile/update", `{"givenName":"First"}`, "Idempotency-Key", "fence-user-create").expect(t, 200, nil)
	}
	var first struct{ GivenName *string }
	newUser.do("GET", "/api/me/profile", nil).expect(t, 200, &first)
	if str(first.GivenName) != "First" {
		t.Errorf("the new user's profile after the retries: %+v", first)
	}
	a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, &after)
	if len(after.Contacts) != 2 {
		t.Errorf("%d contacts after the keyed add's retries, want 2", len(after.Contacts))
	}
	items := scanTable(t, a)
	if n := count(items, func(it item) bool { return it.Type == "profile" }); n != 4 {
		t.Errorf("%d profiles in the table, want 4 (the first, the two users', the keyed create)", n)
	}
}

// TestRetentionPurgeUnderFaults runs the scheduled job's Lambda handler,
// on its own IAM policy, over expired disabled profiles: while its delete
// transactions drop, it counts errors and deletes nothing (each delete
// settled by its fence); the next run deletes them.
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
	proxy.Set(testenv.ResetWrites, 1, 0)
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
