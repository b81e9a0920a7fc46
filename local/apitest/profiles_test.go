package apitest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/shared/views"
)

// The reference's PUT /profile/{profileId} example body.
const referenceUpdate = `{
  "enabled": true,
  "firstName": "Mary",
  "lastName": "Smith",
  "middleName": "Jane",
  "countryNumericCode": "840",
  "uuid": null
}`

// TestReferenceProfileLifecycle: the reference's create, read, both PUT
// spellings, a filtered listing and the delete, with the answers' shapes.
func TestReferenceProfileLifecycle(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	r := a.Do(t, "POST", "/profiles", apitest.ReferenceCreate, "Authorization", a.AdminAuth())
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var created views.Profile
	if err := json.Unmarshal(r.Body, &created); err != nil {
		t.Fatal(err)
	}
	if got, want := apitest.KeysInOrder(t, r.Body), []string{"profileId", "contacts", "countryNumericCode", "country", "enabled",
		"firstName", "middleName", "lastName", "name", "tags", "createTime", "updateTime", "uuid"}; !slices.Equal(got, want) {
		t.Errorf("profile keys %v, want %v", got, want)
	}
	if !idPattern.MatchString(created.ProfileID) {
		t.Errorf("profileId %q is not 24 hex characters", created.ProfileID)
	}
	if loc := r.Header.Get("Location"); loc != "/profiles/"+created.ProfileID {
		t.Errorf("Location %q", loc)
	}
	if r.Header.Get("ETag") == "" {
		t.Error("no ETag")
	}
	if apitest.StringOf(created.Name) != "Mary Jane Smith" || !created.Enabled || created.UUID != nil || len(created.Tags) != 0 || created.Tags == nil {
		t.Errorf("created %+v", created)
	}
	c := created.Country
	if c == nil || c.CountryName != "United States" || c.Alpha2Code != "US" || c.Alpha3Code != "USA" || c.NumericCode != "840" ||
		c.GeographicRegionNumericCode != "021" || c.GeographicRegionName != "Northern America" || !idPattern.MatchString(c.CountryID) {
		t.Errorf("country %+v", c)
	}
	if !timePattern.MatchString(created.CreateTime) || !timePattern.MatchString(created.UpdateTime) {
		t.Errorf("times %q %q", created.CreateTime, created.UpdateTime)
	}
	if len(created.Contacts) != 2 || created.Contacts[0].Key != "email" || created.Contacts[0].Value != "client@email.com" ||
		created.Contacts[1].Key != "phone" || created.Contacts[1].Value != "+9876543210" {
		t.Fatalf("contacts %+v", created.Contacts)
	}
	var rawProfile struct{ Contacts []json.RawMessage }
	_ = json.Unmarshal(r.Body, &rawProfile)
	if got, want := apitest.KeysInOrder(t, rawProfile.Contacts[0]), []string{"contactId", "key", "value", "createTime", "updateTime", "uuid", "verified"}; !slices.Equal(got, want) {
		t.Errorf("contact keys %v, want %v", got, want)
	}
	var rawContact map[string]json.RawMessage
	_ = json.Unmarshal(rawProfile.Contacts[0], &rawContact)
	if string(rawContact["uuid"]) != "null" || string(rawContact["verified"]) != "false" {
		t.Errorf("contact %s", rawProfile.Contacts[0])
	}

	got := must(a.Admin.GetProfile(ctx, created.ProfileID))(t)
	if got.ProfileID != created.ProfileID || len(got.Contacts) != 2 || apitest.StringOf(got.Name) != "Mary Jane Smith" || got.ETag != r.Header.Get("ETag") {
		t.Errorf("get %+v", got)
	}

	// The reference's PUT spelling and the plural path both update.
	if r := a.Do(t, "PUT", "/profile/"+created.ProfileID, referenceUpdate, "Authorization", a.AdminAuth()); r.Status != http.StatusOK {
		t.Fatalf("PUT /profile/{id}: %d %s", r.Status, r.Body)
	}
	updated := must(a.Admin.PutProfile(ctx, created.ProfileID, client.ProfileInput{FirstName: client.Value("Maria")}, nil))(t)
	if apitest.StringOf(updated.Name) != "Maria Jane Smith" || updated.CreateTime != created.CreateTime || len(updated.Contacts) != 2 {
		t.Errorf("updated %+v", updated)
	}

	list := must(a.Admin.ListProfiles(ctx, client.ListOptions{Limit: 10, SortBy: "createTime", SortOrder: "desc",
		Filters: map[string]string{"enabled": "1", "firstName": "maria", "lastName": "SMITH", "middleName": "Jane", "name": "Maria Jane Smith"}}))(t)
	if len(list.Items) != 1 || list.Items[0].ProfileID != created.ProfileID || len(list.Items[0].Contacts) != 2 {
		t.Errorf("list %+v", list.Items)
	}
	// offset=0 is accepted as sent.
	if r := a.Do(t, "GET", "/profiles?limit=10&offset=0", "", "Authorization", a.AdminAuth()); r.Status != http.StatusOK {
		t.Errorf("offset=0: %d %s", r.Status, r.Body)
	}

	r = a.Do(t, "DELETE", "/profiles/"+created.ProfileID, "", "Authorization", a.AdminAuth())
	if r.Status != http.StatusNoContent || len(r.Body) != 0 {
		t.Errorf("delete: %d %q", r.Status, r.Body)
	}
	_, err := a.Admin.GetProfile(ctx, created.ProfileID)
	problem(t, err, http.StatusNotFound, "")
	_, err = a.Admin.ListContacts(ctx, created.ProfileID, client.ListOptions{})
	problem(t, err, http.StatusNotFound, "")
	_, err = a.Admin.GetContact(ctx, created.ProfileID, created.Contacts[0].ContactID)
	problem(t, err, http.StatusNotFound, "")
	problem(t, a.Admin.DeleteProfile(ctx, created.ProfileID, nil), http.StatusNotFound, "")
}

// TestPartialUpdate: absent fields stay, null clears the optional ones,
// read-only fields are ignored; a bad update is a 400 naming the field and
// changes nothing.
func TestPartialUpdate(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	p := must(a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value(" Ann "), MiddleName: client.Value("B"),
		LastName: client.Value("Cole"), CountryNumericCode: client.Value("250"), UUID: client.Value("ext-1"),
		Tags: client.Value([]string{"a", "b"})}, nil))(t)
	if apitest.StringOf(p.FirstName) != "Ann" || apitest.StringOf(p.CountryNumericCode) != "250" || p.Country == nil || p.Country.Alpha2Code != "FR" {
		t.Fatalf("created %+v", p)
	}
	// That a write moves updateTime is shared/api's
	// TestUpdatesMoveUpdateTimeByTheClock; here updateTime may not go back.
	body := `{"middleName":null,"countryNumericCode":null,"uuid":null,"enabled":false,
	  "profileId":"000000000000000000000000","name":"x","country":{"a":1},"contacts":[],"createTime":"1999","updateTime":"1999"}`
	r := a.Do(t, "PATCH", "/profiles/"+p.ProfileID, body, "Authorization", a.AdminAuth())
	var u views.Profile
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &u) != nil {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	if u.MiddleName != nil || u.CountryNumericCode != nil || u.Country != nil || u.UUID != nil || u.Enabled ||
		apitest.StringOf(u.FirstName) != "Ann" || apitest.StringOf(u.LastName) != "Cole" || apitest.StringOf(u.Name) != "Ann Cole" || !slices.Equal(u.Tags, []string{"a", "b"}) {
		t.Errorf("after patch %+v", u)
	}
	if u.ProfileID != p.ProfileID || u.CreateTime != p.CreateTime || u.UpdateTime < p.UpdateTime {
		t.Errorf("times/ids: created %s/%s updated %s/%s", p.CreateTime, p.UpdateTime, u.CreateTime, u.UpdateTime)
	}
	// The uuid was freed: another profile may take it.
	must(a.Admin.CreateProfile(ctx, client.ProfileInput{UUID: client.Value("ext-1")}, nil))(t)

	for _, tc := range []struct{ body, field string }{
		{`{}`, "body"},
		{`{"profileId":"x"}`, "body"},
		{`{"nickname":"x"}`, "nickname"},
		{`{"featureUpdates":true}`, "featureUpdates"},
		{`{"enabled":"yes"}`, "enabled"},
		{`{"enabled":null}`, "enabled"},
		{`{"firstName":5}`, "firstName"},
		{`{"tags":"a"}`, "tags"},
		{`{"countryNumericCode":"999"}`, "countryNumericCode"},
		{`{"lastName":"` + strings.Repeat("x", 256) + `"}`, "lastName"},
		{`[]`, "body"},
		{`{"firstName":"a"} {}`, "body"},
		{`{"firstName":`, "body"},
		{``, "body"},
	} {
		r := a.Do(t, "PATCH", "/profiles/"+p.ProfileID, tc.body, "Authorization", a.AdminAuth(), "Content-Type", "application/json")
		rawProblem(t, r, http.StatusBadRequest, tc.field)
	}
	after := must(a.Admin.GetProfile(ctx, p.ProfileID))(t)
	if after.UpdateTime != u.UpdateTime || after.Enabled || after.ETag != r.Header.Get("ETag") {
		t.Errorf("a rejected update changed the profile: %+v (ETag %s, was %s)", after, after.ETag, r.Header.Get("ETag"))
	}
	for _, id := range []string{"0123456789abcdef01234567", "not-an-id"} {
		_, err := a.Admin.PatchProfile(ctx, id, client.ProfileInput{FirstName: client.Value("x")}, nil)
		problem(t, err, http.StatusNotFound, "")
	}
}

// rawProblem fails the test unless r is a problem+json answer with the
// status whose errors name field (when not "").
func rawProblem(t *testing.T, r *apitest.Response, status int, field string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %.300s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p struct {
		Type, Title string
		Status      int
		Errors      []client.FieldError
	}
	if err := json.Unmarshal(r.Body, &p); err != nil || p.Status != status || p.Title == "" || p.Type == "" {
		t.Fatalf("problem body %s lacks type/title/status", r.Body)
	}
	if field != "" && !slices.ContainsFunc(p.Errors, func(e client.FieldError) bool { return e.Field == field }) {
		t.Fatalf("errors %s do not name field %q", r.Body, field)
	}
}

// TestCreateValidation: each invalid create is a 400 (413 for a body too
// large) naming the field, and none made a profile; the limits themselves
// are accepted.
func TestCreateValidation(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	many := func(n int, f func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = f(i)
		}
		return strings.Join(parts, ",")
	}
	for _, tc := range []struct {
		name, body, field string
		status            int
	}{
		{"unknown field", `{"nick":"x"}`, "nick", 400},
		{"wrong type", `{"firstName":true}`, "firstName", 400},
		{"long name", `{"firstName":"` + strings.Repeat("é", 256) + `"}`, "firstName", 400},
		{"control char", `{"firstName":"a\u0007b"}`, "firstName", 400},
		{"invalid utf-8", "{\"firstName\":\"\xff\xfe\"}", "body", 400},
		{"unknown country", `{"countryNumericCode":"999"}`, "countryNumericCode", 400},
		{"country letters", `{"countryNumericCode":"USA"}`, "countryNumericCode", 400},
		{"bad contact key", `{"contacts":[{"key":"fax","value":"1"}]}`, "contacts[0].key", 400},
		{"missing contact key", `{"contacts":[{"value":"a@b.co"}]}`, "contacts[0].key", 400},
		{"bad email", `{"contacts":[{"key":"email","value":"not-an-email"}]}`, "contacts[0].value", 400},
		{"bad phone", `{"contacts":[{"key":"phone","value":"12345"}]}`, "contacts[0].value", 400},
		{"duplicate contact", `{"contacts":[{"key":"email","value":"a@B.co"},{"key":"email","value":"a@b.co"}]}`, "contacts[1].value", 400},
		{"too many contacts", `{"contacts":[` + many(51, phone) + `]}`, "contacts", 400},
		{"too many tags", `{"tags":[` + many(51, func(i int) string { return `"t` + strconv.Itoa(i) + `"` }) + `]}`, "tags", 400},
		{"long tag", `{"tags":["` + strings.Repeat("t", 65) + `"]}`, "tags[0]", 400},
		{"empty tag", `{"tags":[""]}`, "tags[0]", 400},
		{"body too large", `{"firstName":"` + strings.Repeat("x", 1<<20) + `"}`, "", 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rawProblem(t, a.Do(t, "POST", "/profiles", tc.body, "Authorization", a.AdminAuth()), tc.status, tc.field)
		})
	}
	if page := must(a.Admin.ListProfiles(ctx, client.ListOptions{Limit: 100}))(t); len(page.Items) != 0 {
		t.Errorf("rejected creates made %d profiles", len(page.Items))
	}
	// The boundaries themselves are fine.
	must(a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value(strings.Repeat("é", 255)),
		Tags: client.Value([]string{strings.Repeat("t", 64)})}, nil))(t)
	if r := a.Do(t, "POST", "/profiles", `{"contacts":[`+many(50, phone)+`]}`, "Authorization", a.AdminAuth()); r.Status != http.StatusCreated {
		t.Errorf("50 contacts: %d %.300s", r.Status, r.Body)
	}
}

func phone(i int) string { return fmt.Sprintf(`{"key":"phone","value":"+1555000%04d"}`, i) }

// TestUUIDIsUnique: a taken uuid is a 409 naming its holder, on create and
// on update; a deleted profile's uuid is free again; filter[uuid] finds it.
func TestUUIDIsUnique(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	named := func(first, uuid string) client.ProfileInput {
		return client.ProfileInput{FirstName: client.Value(first), UUID: client.Value(uuid)}
	}
	first := must(a.Admin.CreateProfile(ctx, named("A", "crm-42"), nil))(t)
	_, err := a.Admin.CreateProfile(ctx, named("B", "crm-42"), nil)
	if e := problem(t, err, http.StatusConflict, ""); e.ExistingProfileID != first.ProfileID || e.Type != client.ProblemConflict {
		t.Errorf("409 %s, want the existing profile %q", e.Body, first.ProfileID)
	}
	second := must(a.Admin.CreateProfile(ctx, named("B", "crm-43"), nil))(t)
	_, err = a.Admin.PatchProfile(ctx, second.ProfileID, client.ProfileInput{UUID: client.Value("crm-42")}, nil)
	if e := problem(t, err, http.StatusConflict, ""); e.ExistingProfileID != first.ProfileID {
		t.Errorf("409 names %q", e.ExistingProfileID)
	}
	byUUID := func(u string) []views.Profile {
		return must(a.Admin.ListProfiles(ctx, client.ListOptions{Filters: map[string]string{"uuid": u}}))(t).Items
	}
	if list := byUUID("crm-42"); len(list) != 1 || list[0].ProfileID != first.ProfileID {
		t.Errorf("filter[uuid] gave %+v", list)
	}
	if err := a.Admin.DeleteProfile(ctx, first.ProfileID, nil); err != nil {
		t.Fatal(err)
	}
	must(a.Admin.PatchProfile(ctx, second.ProfileID, client.ProfileInput{UUID: client.Value("crm-42")}, nil))(t)
	if list := byUUID("crm-43"); len(list) != 0 {
		t.Errorf("the old uuid still finds %+v", list)
	}
}
