package integration

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/profile"
)

// as returns a client of the same API with another token.
func (a *api) as(t *testing.T, token string) *api {
	c := *a
	c.t, c.token = t, token
	return &c
}

func newKey(t *testing.T, a *api, name string) string {
	t.Helper()
	return newKeyExpiring(t, a, name, time.Time{})
}

// newKeyExpiring stores a key that expires at expires (never when zero).
func newKeyExpiring(t *testing.T, a *api, name string, expires time.Time) string {
	t.Helper()
	key, rec, err := auth.NewAPIKey(name, profile.Now())
	if err != nil {
		t.Fatal(err)
	}
	rec.ExpireTime = expires
	if err := a.stack.Store.PutAPIKey(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return key
}

// verifyUserEmail marks, as an admin, the user's primary email verified:
// the partner's answer holds only a verified address.
func verifyUserEmail(t *testing.T, a *api, userID string) {
	t.Helper()
	var p Profile
	id := profile.UserProfileID(userID)
	a.do("GET", "/profiles/"+id, nil).expect(t, http.StatusOK, &p)
	for _, c := range p.Contacts {
		if c.Key == profile.KeyEmail {
			a.do("PATCH", "/profiles/"+id+"/contacts/"+c.ContactID, `{"verified":true}`).expect(t, http.StatusOK, nil)
			return
		}
	}
	t.Fatalf("user %s has no email", userID)
}

// TestPartnerLookupByAPIKey: the API-key authorizer reads the keys the
// DynamoDB store holds: a key PutAPIKey stored opens the partner route and
// records its last-used day (the authorizer's UpdateItem, which its IAM
// policy must allow), one revoked by its name or expired does not, and
// the table holds only the key's hash. The route's answers and the
// gateway's refusals are local/apitest's TestPartnerLookupByAPIKey.
func TestPartnerLookupByAPIKey(t *testing.T) {
	t.Parallel()
	admin := newAPI(t)
	user := admin.as(t, testenv.UserToken(t, "da75ad90-9a5b-4df0-8374-f48b3a8fbfcc"))
	user.do("POST", "/api/me/profile/update", `{"givenName":"John","familyName":"Doe","marketingUpdates":true,"email":"john.doe@centrapay.com"}`).expect(t, 200, nil)
	verifyUserEmail(t, admin, "da75ad90-9a5b-4df0-8374-f48b3a8fbfcc")
	good := newKey(t, admin, "partner-a")
	revoked := newKey(t, admin, "partner-b")
	if err := admin.stack.Store.RevokeAPIKeyByName(context.Background(), "partner-b"); err != nil {
		t.Fatal(err)
	}
	expired := newKeyExpiring(t, admin, "partner-c", time.Now().Add(-time.Minute))
	path := "/api/users/da75ad90-9a5b-4df0-8374-f48b3a8fbfcc/profile"
	partner := admin.as(t, "")
	usedFrom := auth.DayOf(time.Now())
	if want := `{"givenName":"John","familyName":"Doe","featureUpdates":false,"marketingUpdates":true,"email":"john.doe@centrapay.com"}`; string(partner.do("GET", path, nil, "x-api-key", good).expect(t, 200, nil).Body) != want {
		t.Errorf("the partner's view is not %s", want)
	}
	if r := partner.do("GET", path, nil, "x-api-key", revoked); r.Status != http.StatusForbidden {
		t.Errorf("a revoked key: status %d, want 403: %s", r.Status, r.Body)
	}
	if r := partner.do("GET", path, nil, "x-api-key", expired); r.Status != http.StatusForbidden {
		t.Errorf("an expired key: status %d, want 403: %s", r.Status, r.Body)
	}
	// The authorizer records the day before it answers.
	if rec, err := admin.stack.Store.APIKey(context.Background(), auth.HashAPIKey(good)); err != nil || rec.LastUsedDay < usedFrom || rec.LastUsedDay > auth.DayOf(time.Now()) {
		t.Errorf("the used key's last-used day: %+v, %v; want %s", rec, err, usedFrom)
	}
	// The key is stored only as its hash.
	for _, item := range scanAll(t, admin) {
		for _, v := range item {
			if s, ok := v.(*types.AttributeValueMemberS); ok && strings.Contains(s.Value, good) {
				t.Errorf("the key is stored in clear: %v", item)
			}
		}
	}
}

// TestUserEmailTakesOverAnotherContact: when the user's new email is
// already another contact of their profile (added by an admin), the primary
// email takes the value and the other contact goes, in one write: the
// address stays on the profile once.
func TestUserEmailTakesOverAnotherContact(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	user := a.as(t, testenv.UserToken(t, "takeover-user"))
	user.do("POST", "/api/me/profile/update", `{"givenName":"Tak","email":"first@example.com"}`).expect(t, 200, nil)
	var found []Profile
	a.do("GET", "/profiles?filter[email]=first%40example.com", nil).expect(t, 200, &found)
	if len(found) != 1 {
		t.Fatalf("the user's profile by email: %d found", len(found))
	}
	a.do("POST", "/profiles/"+found[0].ProfileID+"/contacts", `{"key":"email","value":"second@example.com"}`).expect(t, 201, nil)
	var me struct{ Email *string }
	user.do("POST", "/api/me/profile/update", `{"email":"Second@example.com"}`).expect(t, 200, &me)
	if apitest.StringOf(me.Email) != "Second@example.com" {
		t.Errorf("email %q, want the new one", apitest.StringOf(me.Email))
	}
	var p Profile
	a.do("GET", "/profiles/"+found[0].ProfileID, nil).expect(t, 200, &p)
	if len(p.Contacts) != 1 || p.Contacts[0].Value != "Second@example.com" {
		t.Errorf("contacts %+v, want the one email", p.Contacts)
	}
	if n := count(scanTable(t, a), func(it item) bool { return it.Type == "contact" }); n != 1 {
		t.Errorf("%d contact items, want 1", n)
	}
}
