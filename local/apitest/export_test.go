package apitest_test

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/shared/views"
)

// sameProfile fails the test unless the export's profile holds the Profile
// object's every field, each contact with its version, and the fields
// only the export shows.
func sameProfile(t *testing.T, e *views.Export, p *client.Profile, userID string, feature, marketing bool) {
	t.Helper()
	x := e.Profile
	if e.Schema != "profiles-export/1" || !timePattern.MatchString(e.ExportTime) {
		t.Errorf("schema %q, exportTime %q", e.Schema, e.ExportTime)
	}
	got := views.Profile{ProfileID: x.ProfileID, CountryNumericCode: x.CountryNumericCode, Country: x.Country,
		Enabled: x.Enabled, FirstName: x.FirstName, MiddleName: x.MiddleName, LastName: x.LastName, Name: x.Name,
		Tags: x.Tags, CreateTime: x.CreateTime, UpdateTime: x.UpdateTime, UUID: x.UUID}
	for _, c := range x.Contacts {
		got.Contacts = append(got.Contacts, c.Contact)
		if c.Version < 1 {
			t.Errorf("contact %s: version %d", c.ContactID, c.Version)
		}
	}
	if !reflect.DeepEqual(got, p.Profile) {
		t.Errorf("export's profile\n %+v\nwant the Profile object\n %+v", got, p.Profile)
	}
	if v := strconv.FormatInt(x.Version, 10); `"`+v+`"` != p.ETag {
		t.Errorf("version %s, ETag %s", v, p.ETag)
	}
	if x.TouchTime < x.UpdateTime || !timePattern.MatchString(x.TouchTime) {
		t.Errorf("touchTime %q before updateTime %q", x.TouchTime, x.UpdateTime)
	}
	if apitest.StringOf(x.UserID) != userID || x.FeatureUpdates != feature || x.MarketingUpdates != marketing {
		t.Errorf("userId %v, preferences %v/%v; want %q, %v/%v", x.UserID, x.FeatureUpdates, x.MarketingUpdates, userID, feature, marketing)
	}
}

// TestExportProfile: an admin with the read scope exports a profile: the
// Profile object with every contact's version, the profile's version and
// touchTime, no user; a contact's removal leaves the export and moves
// touchTime. An unknown, malformed or deleted id is a 404; the write scope
// alone, an end user's token or none cannot export.
func TestExportProfile(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	p := must(a.Admin.CreateProfile(ctx, client.ProfileInput{
		FirstName: client.Value("Ada"), MiddleName: client.Value("Byron"), LastName: client.Value("Lovelace"),
		CountryNumericCode: client.Value("826"), Tags: client.Value([]string{"analyst", "engine"}), UUID: client.Value("ext-ada-1"),
		Contacts: []client.ContactInput{
			{Key: client.Value("email"), Value: client.Value("ada@example.org"), UUID: client.Value("mail-1"), Verified: client.Value(true)},
			{Key: client.Value("phone"), Value: client.Value("+441234567890")},
			{Key: client.Value("email"), Value: client.Value("old@example.org")},
		},
	}, nil))(t)
	e := must(a.Admin.ExportProfile(ctx, p.ProfileID))(t)
	sameProfile(t, e, p, "", false, false)
	if e.User != nil {
		t.Errorf("a profile linked to no user exports a user view: %+v", e.User)
	}
	if e.Profile.TouchTime != p.UpdateTime {
		t.Errorf("touchTime %s of a new profile, want its updateTime %s", e.Profile.TouchTime, p.UpdateTime)
	}

	a.Clock.Advance(10 * time.Second) // past the second the times keep
	if err := a.Admin.DeleteContact(ctx, p.ProfileID, p.Contacts[2].ContactID, nil); err != nil {
		t.Fatal(err)
	}
	p = must(a.Admin.GetProfile(ctx, p.ProfileID))(t)
	e = must(a.Admin.ExportProfile(ctx, p.ProfileID))(t)
	sameProfile(t, e, p, "", false, false)
	if len(e.Profile.Contacts) != 2 || e.Profile.TouchTime <= p.UpdateTime {
		t.Errorf("after a removal: %d contacts, touchTime %s (updateTime %s)", len(e.Profile.Contacts), e.Profile.TouchTime, p.UpdateTime)
	}

	readOnly := a.Client(client.WithBearerToken(a.Token("reader", "profiles:read")))
	must(readOnly.ExportProfile(ctx, p.ProfileID))(t)
	for _, tc := range []struct {
		name          string
		authorization string
		status        int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"an end user's token", "Bearer " + a.UserToken("someone", apitest.Scopes...), http.StatusUnauthorized},
		{"the write scope alone", "Bearer " + a.Token("writer", "profiles:write"), http.StatusForbidden},
	} {
		if r := a.Do(t, "GET", "/profiles/"+p.ProfileID+"/export", "", "Authorization", tc.authorization); r.Status != tc.status {
			t.Errorf("%s: %d, want %d: %s", tc.name, r.Status, tc.status, r.Body)
		}
	}

	if err := a.Admin.DeleteProfile(ctx, p.ProfileID, nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{p.ProfileID, "0123456789abcdef01234567", "not-an-id"} {
		_, err := a.Admin.ExportProfile(ctx, id)
		problem(t, err, http.StatusNotFound, "")
	}
}

// TestExportMyProfile: the signed-in user exports their own profile: the
// user view as GET /api/me/profile answers it, and the profile with the
// user link, the preferences and every contact, as the admin export shows
// it. Before the first update, and for another user, it is a 404; an admin
// token cannot open it.
func TestExportMyProfile(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	const sub = "9f4b3bae-dc30-11ea-ab70-2743d9be3dd5"
	user := a.User(sub)
	_, err := user.ExportMyProfile(ctx)
	problem(t, err, http.StatusNotFound, "")

	must(user.UpdateMyProfile(ctx, client.UserInput{GivenName: client.Value("John"), FamilyName: client.Value("Doe"),
		FeatureUpdates: client.Value(true), MarketingUpdates: client.Value(false), Email: client.Value("john.doe@centrapay.com")}, nil))(t)
	p := adminProfileOf(t, a, "John")
	must(a.Admin.PatchContact(ctx, p.ProfileID, p.Contacts[0].ContactID, client.ContactInput{Verified: client.Value(true)}, nil))(t)
	must(a.Admin.CreateContact(ctx, p.ProfileID, client.ContactInput{Key: client.Value("phone"), Value: client.Value("+64271112222"), UUID: client.Value("phone-uuid")}, nil))(t)

	e := must(user.ExportMyProfile(ctx))(t)
	full := must(a.Admin.GetProfile(ctx, p.ProfileID))(t)
	sameProfile(t, e, full, sub, true, false)
	u := must(user.GetMyProfile(ctx))(t)
	if e.User == nil || !reflect.DeepEqual(*e.User, u.User) {
		t.Errorf("export's user view %+v, want GET /api/me/profile's %+v", e.User, u.User)
	}
	if !u.EmailVerified || apitest.StringOf(u.PhoneNumber) != "+64271112222" || u.PhoneVerified {
		t.Errorf("user view %+v", u.User)
	}
	adminExport := must(a.Admin.ExportProfile(ctx, p.ProfileID))(t)
	e.ExportTime, adminExport.ExportTime = "", ""
	if !reflect.DeepEqual(e, adminExport) {
		t.Errorf("the user's export\n %+v\nthe admin's\n %+v", e, adminExport)
	}

	_, err = a.User("another-user").ExportMyProfile(ctx)
	problem(t, err, http.StatusNotFound, "")
	for _, tc := range []struct {
		name          string
		authorization string
	}{
		{"no token", ""},
		{"an admin token", a.AdminAuth()},
	} {
		r := a.Do(t, "GET", "/api/me/profile/export", "", "Authorization", tc.authorization)
		if r.Status != http.StatusUnauthorized || strings.Contains(string(r.Body), "John") {
			t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
		}
	}
	if slices.ContainsFunc(e.Profile.Contacts, func(c views.ExportContact) bool { return c.Version < 1 }) {
		t.Errorf("contacts without versions: %+v", e.Profile.Contacts)
	}
}
