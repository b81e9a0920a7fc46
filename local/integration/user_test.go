package integration

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/profile"
)

type UserProfile struct {
	UserID           string  `json:"userId"`
	GivenName        *string `json:"givenName"`
	FamilyName       *string `json:"familyName"`
	FeatureUpdates   bool    `json:"featureUpdates"`
	MarketingUpdates bool    `json:"marketingUpdates"`
	Email            *string `json:"email"`
	EmailVerified    bool    `json:"emailVerified"`
	PhoneNumber      *string `json:"phoneNumber"`
	PhoneVerified    bool    `json:"phoneVerified"`
}

// as returns a client of the same API with another token.
func (a *api) as(t *testing.T, token string) *api {
	c := *a
	c.t, c.token = t, token
	return &c
}

func newKey(t *testing.T, a *api, name string) string {
	t.Helper()
	key, rec, err := auth.NewAPIKey(name, profile.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.stack.Store.PutAPIKey(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return key
}

// adminProfileOf finds the admin view of the profile with the first name.
func adminProfileOf(t *testing.T, a *api, firstName string) Profile {
	t.Helper()
	var list []Profile
	a.do("GET", "/profiles?filter[firstName]="+firstName, nil).expect(t, 200, &list)
	if len(list) != 1 {
		t.Fatalf("%d admin profiles named %s", len(list), firstName)
	}
	return list[0]
}

func TestUserProfileUpdateAndViews(t *testing.T) {
	t.Parallel()
	admin := newAPI(t)
	user := admin.as(t, testenv.UserToken(t, "9f4b3bae-dc30-11ea-ab70-2743d9be3dd5")) // no scope needed
	user.do("GET", "/api/me/profile", nil).expectProblem(t, 404, "")

	// The reference's request creates the profile on first use.
	var u UserProfile
	r := user.do("POST", "/api/me/profile/update", `{
 "givenName": "John",
 "familyName": "Doe",
 "featureUpdates": false,
 "marketingUpdates": true,
 "email": "john.doe@centrapay.com"
}`).expect(t, 200, &u)
	if got, want := keysInOrder(t, r.Body), []string{"userId", "givenName", "familyName", "featureUpdates", "marketingUpdates",
		"email", "emailVerified", "phoneNumber", "phoneVerified"}; !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	if u.UserID != "9f4b3bae-dc30-11ea-ab70-2743d9be3dd5" || str(u.GivenName) != "John" || str(u.FamilyName) != "Doe" ||
		u.FeatureUpdates || !u.MarketingUpdates || str(u.Email) != "john.doe@centrapay.com" || u.EmailVerified ||
		u.PhoneNumber != nil || u.PhoneVerified {
		t.Errorf("created %+v", u)
	}

	// Partial update: only what is sent changes.
	user.do("POST", "/api/me/profile/update", `{"featureUpdates":true}`).expect(t, 200, &u)
	if !u.FeatureUpdates || !u.MarketingUpdates || str(u.GivenName) != "John" || str(u.Email) != "john.doe@centrapay.com" {
		t.Errorf("after partial update %+v", u)
	}

	// The admin API shows the same profile, in its own shape only.
	p := adminProfileOf(t, admin, "John")
	raw := admin.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, nil).Body
	for _, hidden := range []string{"userId", "featureUpdates", "marketingUpdates"} {
		if strings.Contains(string(raw), hidden) {
			t.Errorf("admin Profile shows %s: %s", hidden, raw)
		}
	}
	if str(p.LastName) != "Doe" || len(p.Contacts) != 1 || p.Contacts[0].Value != "john.doe@centrapay.com" || !p.Enabled {
		t.Fatalf("admin view %+v", p)
	}

	// Admin changes show in the user view: a first name, a verification, a phone.
	admin.do("PATCH", "/profiles/"+p.ProfileID, `{"firstName":"Johnny"}`).expect(t, 200, nil)
	admin.do("PATCH", "/profiles/"+p.ProfileID+"/contacts/"+p.Contacts[0].ContactID, `{"verified":true}`).expect(t, 200, nil)
	admin.do("POST", "/profiles/"+p.ProfileID+"/contacts", `{"key":"phone","value":"+64271112222","verified":true}`).expect(t, 201, nil)
	user.do("GET", "/api/me/profile", nil).expect(t, 200, &u)
	if str(u.GivenName) != "Johnny" || !u.EmailVerified || str(u.PhoneNumber) != "+64271112222" || !u.PhoneVerified {
		t.Errorf("user view after admin changes %+v", u)
	}

	// The same email (normalised) keeps the verification; another resets it.
	user.do("POST", "/api/me/profile/update", `{"email":"john.doe@CENTRAPAY.com"}`).expect(t, 200, &u)
	if !u.EmailVerified || str(u.Email) != "john.doe@centrapay.com" {
		t.Errorf("same email changed verification: %+v", u)
	}
	user.do("POST", "/api/me/profile/update", `{"email":"john@doe.example"}`).expect(t, 200, &u)
	if u.EmailVerified || str(u.Email) != "john@doe.example" {
		t.Errorf("new email kept verification: %+v", u)
	}
	var c Contact
	admin.do("GET", "/profiles/"+p.ProfileID+"/contacts/"+p.Contacts[0].ContactID, nil).expect(t, 200, &c)
	if c.Value != "john@doe.example" || c.Verified {
		t.Errorf("admin contact after the user's email change %+v", c)
	}

	// Bad updates are 400s and change nothing.
	for _, tc := range []struct{ body, field string }{
		{`{}`, "body"},
		{`{"phoneNumber":"+64271112222"}`, "phoneNumber"},
		{`{"userId":"someone-else"}`, "userId"},
		{`{"givenName":5}`, "givenName"},
		{`{"featureUpdates":"yes"}`, "featureUpdates"},
		{`{"email":"not-an-email"}`, "email"},
		{`{"email":null}`, "email"},
		{`{"familyName":"` + strings.Repeat("x", 256) + `"}`, "familyName"},
	} {
		user.do("POST", "/api/me/profile/update", tc.body).expectProblem(t, 400, tc.field)
	}
	var after UserProfile
	user.do("GET", "/api/me/profile", nil).expect(t, 200, &after)
	if str(after.Email) != str(u.Email) || str(after.GivenName) != str(u.GivenName) || str(after.FamilyName) != str(u.FamilyName) ||
		after.FeatureUpdates != u.FeatureUpdates || after.EmailVerified != u.EmailVerified {
		t.Errorf("a rejected update changed the profile: %+v", after)
	}

	// Another user has a profile of their own.
	other := admin.as(t, testenv.UserToken(t, "someone-else"))
	other.do("GET", "/api/me/profile", nil).expectProblem(t, 404, "")
	other.do("POST", "/api/me/profile/update", `{"givenName":"Zed"}`).expect(t, 200, &u)
	if u.UserID != "someone-else" || u.Email != nil || u.EmailVerified {
		t.Errorf("other user %+v", u)
	}
	adminProfileOf(t, admin, "Zed")
}

func TestPartnerLookupByAPIKey(t *testing.T) {
	t.Parallel()
	admin := newAPI(t)
	user := admin.as(t, testenv.UserToken(t, "da75ad90-9a5b-4df0-8374-f48b3a8fbfcc"))
	user.do("POST", "/api/me/profile/update", `{"givenName":"John","familyName":"Doe","marketingUpdates":true,"email":"john.doe@centrapay.com"}`).expect(t, 200, nil)
	good := newKey(t, admin, "partner-a")
	revoked := newKey(t, admin, "partner-b")
	if err := admin.stack.Store.RevokeAPIKey(context.Background(), auth.HashAPIKey(revoked)); err != nil {
		t.Fatal(err)
	}
	path := "/api/users/da75ad90-9a5b-4df0-8374-f48b3a8fbfcc/profile"
	partner := admin.as(t, "")

	r := partner.do("GET", path, nil, "x-api-key", good).expect(t, 200, nil)
	if got, want := keysInOrder(t, r.Body), []string{"givenName", "familyName", "featureUpdates", "marketingUpdates", "email"}; !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	if want := `{"givenName":"John","familyName":"Doe","featureUpdates":false,"marketingUpdates":true,"email":"john.doe@centrapay.com"}`; string(r.Body) != want {
		t.Errorf("body %s, want %s", r.Body, want)
	}
	partner.do("GET", "/api/users/nobody/profile", nil, "x-api-key", good).expectProblem(t, 404, "")

	for _, tc := range []struct {
		name    string
		client  *api
		headers []string
		status  int
	}{
		{"no key", partner, nil, http.StatusUnauthorized},
		{"unknown key", partner, []string{"x-api-key", "pk_not-a-key"}, http.StatusForbidden},
		{"revoked key", partner, []string{"x-api-key", revoked}, http.StatusForbidden},
		{"a Bearer token does not open the key route", admin, nil, http.StatusUnauthorized},
		{"a key in Authorization does not open it", partner, []string{"Authorization", "Bearer " + good}, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := tc.client.as(t, tc.client.token).do("GET", path, nil, tc.headers...); r.Status != tc.status {
				t.Errorf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
		})
	}
	// A key never opens a Bearer route.
	for _, p := range []string{"/api/me/profile", "/profiles"} {
		if r := partner.do("GET", p, nil, "x-api-key", good); r.Status != http.StatusUnauthorized {
			t.Errorf("%s with an API key: status %d", p, r.Status)
		}
	}
	// The key is stored only as its hash.
	for _, item := range tableItems(t, admin) {
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
	if str(me.Email) != "Second@example.com" {
		t.Errorf("email %q, want the new one", str(me.Email))
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
