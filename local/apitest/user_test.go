package apitest_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/shared/views"
)

// adminProfileOf finds the admin view of the profile with the first name.
func adminProfileOf(t *testing.T, a *apitest.API, firstName string) views.Profile {
	t.Helper()
	list := must(a.Admin.ListProfiles(ctx, client.ListOptions{Filters: map[string]string{"firstName": firstName}}))(t).Items
	if len(list) != 1 {
		t.Fatalf("%d admin profiles named %s", len(list), firstName)
	}
	return list[0]
}

// TestUserProfileUpdateAndViews: the user's first update creates their
// profile; updates are partial; the admin API shows the same profile in
// its own shape, and admin changes show in the user's view; the email's
// verification follows its value; bad updates change nothing; each user
// has a profile of their own.
func TestUserProfileUpdateAndViews(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	const sub = "9f4b3bae-dc30-11ea-ab70-2743d9be3dd5"
	user := a.User(sub) // no scope needed
	_, err := user.GetMyProfile(ctx)
	problem(t, err, http.StatusNotFound, "")

	// The reference's request creates the profile on first use.
	r := a.Do(t, "POST", "/api/me/profile/update", `{
 "givenName": "John",
 "familyName": "Doe",
 "featureUpdates": false,
 "marketingUpdates": true,
 "email": "john.doe@centrapay.com"
}`, "Authorization", "Bearer "+a.UserToken(sub))
	if r.Status != http.StatusOK {
		t.Fatalf("first update: %d %s", r.Status, r.Body)
	}
	if got, want := apitest.KeysInOrder(t, r.Body), []string{"userId", "givenName", "familyName", "featureUpdates", "marketingUpdates",
		"email", "emailVerified", "phoneNumber", "phoneVerified"}; !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	u := must(user.GetMyProfile(ctx))(t)
	if u.UserID != sub || apitest.StringOf(u.GivenName) != "John" || apitest.StringOf(u.FamilyName) != "Doe" ||
		u.FeatureUpdates || !u.MarketingUpdates || apitest.StringOf(u.Email) != "john.doe@centrapay.com" || u.EmailVerified ||
		u.PhoneNumber != nil || u.PhoneVerified {
		t.Errorf("created %+v", u)
	}

	// Partial update: only what is sent changes.
	u = must(user.UpdateMyProfile(ctx, client.UserInput{FeatureUpdates: client.Value(true)}, nil))(t)
	if !u.FeatureUpdates || !u.MarketingUpdates || apitest.StringOf(u.GivenName) != "John" || apitest.StringOf(u.Email) != "john.doe@centrapay.com" {
		t.Errorf("after partial update %+v", u)
	}

	// The admin API shows the same profile, in its own shape only.
	p := adminProfileOf(t, a, "John")
	raw := a.Do(t, "GET", "/profiles/"+p.ProfileID, "", "Authorization", a.AdminAuth()).Body
	for _, hidden := range []string{"userId", "featureUpdates", "marketingUpdates"} {
		if strings.Contains(string(raw), hidden) {
			t.Errorf("admin Profile shows %s: %s", hidden, raw)
		}
	}
	if apitest.StringOf(p.LastName) != "Doe" || len(p.Contacts) != 1 || p.Contacts[0].Value != "john.doe@centrapay.com" || !p.Enabled {
		t.Fatalf("admin view %+v", p)
	}

	// Admin changes show in the user view: a first name, a verification, a phone.
	must(a.Admin.PatchProfile(ctx, p.ProfileID, client.ProfileInput{FirstName: client.Value("Johnny")}, nil))(t)
	must(a.Admin.PatchContact(ctx, p.ProfileID, p.Contacts[0].ContactID, client.ContactInput{Verified: client.Value(true)}, nil))(t)
	must(a.Admin.CreateContact(ctx, p.ProfileID, client.ContactInput{Key: client.Value("phone"), Value: client.Value("+64271112222"),
		Verified: client.Value(true)}, nil))(t)
	u = must(user.GetMyProfile(ctx))(t)
	if apitest.StringOf(u.GivenName) != "Johnny" || !u.EmailVerified || apitest.StringOf(u.PhoneNumber) != "+64271112222" || !u.PhoneVerified {
		t.Errorf("user view after admin changes %+v", u)
	}

	// The same email (normalised) keeps the verification; another resets it.
	u = must(user.UpdateMyProfile(ctx, client.UserInput{Email: client.Value("john.doe@CENTRAPAY.com")}, nil))(t)
	if !u.EmailVerified || apitest.StringOf(u.Email) != "john.doe@centrapay.com" {
		t.Errorf("same email changed verification: %+v", u)
	}
	u = must(user.UpdateMyProfile(ctx, client.UserInput{Email: client.Value("john@doe.example")}, nil))(t)
	if u.EmailVerified || apitest.StringOf(u.Email) != "john@doe.example" {
		t.Errorf("new email kept verification: %+v", u)
	}
	if c := must(a.Admin.GetContact(ctx, p.ProfileID, p.Contacts[0].ContactID))(t); c.Value != "john@doe.example" || c.Verified {
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
		rawProblem(t, a.Do(t, "POST", "/api/me/profile/update", tc.body, "Authorization", "Bearer "+a.UserToken(sub)), http.StatusBadRequest, tc.field)
	}
	after := must(user.GetMyProfile(ctx))(t)
	if apitest.StringOf(after.Email) != apitest.StringOf(u.Email) || apitest.StringOf(after.GivenName) != apitest.StringOf(u.GivenName) ||
		apitest.StringOf(after.FamilyName) != apitest.StringOf(u.FamilyName) || after.FeatureUpdates != u.FeatureUpdates || after.EmailVerified != u.EmailVerified {
		t.Errorf("a rejected update changed the profile: %+v", after)
	}

	// Another user has a profile of their own.
	other := a.User("someone-else")
	_, err = other.GetMyProfile(ctx)
	problem(t, err, http.StatusNotFound, "")
	u = must(other.UpdateMyProfile(ctx, client.UserInput{GivenName: client.Value("Zed")}, nil))(t)
	if u.UserID != "someone-else" || u.Email != nil || u.EmailVerified {
		t.Errorf("other user %+v", u)
	}
	adminProfileOf(t, a, "Zed")
}

// TestPartnerLookupByAPIKey: a known key reads a user's profile in the
// partner's shape; no key, an unknown or revoked one, or a credential of
// another kind is refused by the gateway; a key never opens a Bearer route.
func TestPartnerLookupByAPIKey(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	const sub = "da75ad90-9a5b-4df0-8374-f48b3a8fbfcc"
	must(a.User(sub).UpdateMyProfile(ctx, client.UserInput{GivenName: client.Value("John"), FamilyName: client.Value("Doe"),
		MarketingUpdates: client.Value(true), Email: client.Value("john.doe@centrapay.com")}, nil))(t)
	verifyEmail(t, a, "john.doe@centrapay.com", true) // the partner sees only a verified address
	good := a.NewAPIKey("partner-a")
	revoked := a.NewAPIKey("partner-b")
	a.RevokeAPIKey(revoked)
	path := "/api/users/" + sub + "/profile"

	r := a.Do(t, "GET", path, "", "x-api-key", good)
	if r.Status != http.StatusOK {
		t.Fatalf("lookup: %d %s", r.Status, r.Body)
	}
	if want := `{"givenName":"John","familyName":"Doe","featureUpdates":false,"marketingUpdates":true,"email":"john.doe@centrapay.com"}`; string(r.Body) != want {
		t.Errorf("body %s, want %s", r.Body, want)
	}
	if p := must(a.Partner(good).GetUserProfile(ctx, sub))(t); apitest.StringOf(p.GivenName) != "John" || !p.MarketingUpdates {
		t.Errorf("typed lookup %+v", p)
	}
	_, err := a.Partner(good).GetUserProfile(ctx, "nobody")
	problem(t, err, http.StatusNotFound, "")

	for _, tc := range []struct {
		name    string
		headers []string
		status  int
	}{
		{"no key", nil, http.StatusUnauthorized},
		{"unknown key", []string{"x-api-key", "pk_not-a-key"}, http.StatusForbidden},
		{"revoked key", []string{"x-api-key", revoked}, http.StatusForbidden},
		{"a Bearer token does not open the key route", []string{"Authorization", a.AdminAuth()}, http.StatusUnauthorized},
		{"a key in Authorization does not open it", []string{"Authorization", "Bearer " + good}, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := a.Do(t, "GET", path, "", tc.headers...); r.Status != tc.status {
				t.Errorf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
		})
	}
	// A key never opens a Bearer route.
	for _, p := range []string{"/api/me/profile", "/profiles"} {
		if r := a.Do(t, "GET", p, "", "x-api-key", good); r.Status != http.StatusUnauthorized {
			t.Errorf("%s with an API key: status %d", p, r.Status)
		}
	}
}

// TestUserEmailTakesOverAnotherContact: when the user's new email is
// already another contact of their profile (added by an admin), the primary
// email takes the value and the other contact goes: the address stays on
// the profile once. (local/integration also counts the table's items.)
func TestUserEmailTakesOverAnotherContact(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	user := a.User("takeover-user")
	must(user.UpdateMyProfile(ctx, client.UserInput{GivenName: client.Value("Tak"), Email: client.Value("first@example.com")}, nil))(t)
	found := must(a.Admin.ListProfiles(ctx, client.ListOptions{Filters: map[string]string{"email": "first@example.com"}}))(t).Items
	if len(found) != 1 {
		t.Fatalf("the user's profile by email: %d found", len(found))
	}
	must(a.Admin.CreateContact(ctx, found[0].ProfileID, email("second@example.com"), nil))(t)
	me := must(user.UpdateMyProfile(ctx, client.UserInput{Email: client.Value("Second@example.com")}, nil))(t)
	if apitest.StringOf(me.Email) != "Second@example.com" {
		t.Errorf("email %q, want the new one", apitest.StringOf(me.Email))
	}
	p := must(a.Admin.GetProfile(ctx, found[0].ProfileID))(t)
	if len(p.Contacts) != 1 || p.Contacts[0].Value != "Second@example.com" {
		t.Errorf("contacts %+v, want the one email", p.Contacts)
	}
}
