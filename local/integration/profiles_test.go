package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The reference's POST /profiles example body.
const referenceCreate = `{
  "contacts": [
    {"key": "email", "value": "client@email.com", "uuid": null},
    {"key": "phone", "value": "+9876543210", "uuid": null}
  ],
  "countryNumericCode": "840",
  "enabled": true,
  "firstName": "Mary",
  "middleName": "Jane",
  "lastName": "Smith",
  "uuid": null
}`

// The reference's PUT /profile/{profileId} example body.
const referenceUpdate = `{
  "enabled": true,
  "firstName": "Mary",
  "lastName": "Smith",
  "middleName": "Jane",
  "countryNumericCode": "840",
  "uuid": null
}`

var (
	idPattern   = regexp.MustCompile(`^[0-9a-f]{24}$`)
	timePattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$`)
)

func TestReferenceProfileLifecycle(t *testing.T) {
	t.Parallel()
	a := newAPI(t)

	var created Profile
	r := a.do("POST", "/profiles", referenceCreate).expect(t, http.StatusCreated, &created)
	if got, want := keysInOrder(t, r.Body), []string{"profileId", "contacts", "countryNumericCode", "country", "enabled",
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
	if str(created.Name) != "Mary Jane Smith" || !created.Enabled || created.UUID != nil || len(created.Tags) != 0 || created.Tags == nil {
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
	var rawContact map[string]json.RawMessage
	var rawProfile struct{ Contacts []json.RawMessage }
	_ = json.Unmarshal(r.Body, &rawProfile)
	if got, want := keysInOrder(t, rawProfile.Contacts[0]), []string{"contactId", "key", "value", "createTime", "updateTime", "uuid", "verified"}; !slices.Equal(got, want) {
		t.Errorf("contact keys %v, want %v", got, want)
	}
	_ = json.Unmarshal(rawProfile.Contacts[0], &rawContact)
	if string(rawContact["uuid"]) != "null" || string(rawContact["verified"]) != "false" {
		t.Errorf("contact %s", rawProfile.Contacts[0])
	}

	var got Profile
	a.do("GET", "/profiles/"+created.ProfileID, nil).expect(t, http.StatusOK, &got)
	if got.ProfileID != created.ProfileID || len(got.Contacts) != 2 || str(got.Name) != "Mary Jane Smith" {
		t.Errorf("get %+v", got)
	}

	// The reference's PUT spelling and the plural path both update.
	var updated Profile
	a.do("PUT", "/profile/"+created.ProfileID, referenceUpdate).expect(t, http.StatusOK, &updated)
	a.do("PUT", "/profiles/"+created.ProfileID, `{"firstName":"Maria"}`).expect(t, http.StatusOK, &updated)
	if str(updated.Name) != "Maria Jane Smith" || updated.CreateTime != created.CreateTime || len(updated.Contacts) != 2 {
		t.Errorf("updated %+v", updated)
	}

	var list []Profile
	a.do("GET", "/profiles?limit=10&offset=0&sort_by=createTime&sort_order=desc&filter[enabled]=1&filter[firstName]=maria&filter[lastName]=SMITH&filter[middleName]=Jane&filter[name]=Maria%20Jane%20Smith", nil).
		expect(t, http.StatusOK, &list)
	if len(list) != 1 || list[0].ProfileID != created.ProfileID || len(list[0].Contacts) != 2 {
		t.Errorf("list %+v", list)
	}

	r = a.do("DELETE", "/profiles/"+created.ProfileID, nil).expect(t, http.StatusNoContent, nil)
	if len(r.Body) != 0 {
		t.Errorf("delete body %q", r.Body)
	}
	for _, path := range []string{"/profiles/" + created.ProfileID, "/profiles/" + created.ProfileID + "/contacts",
		"/profiles/" + created.ProfileID + "/contacts/" + created.Contacts[0].ContactID} {
		a.do("GET", path, nil).expectProblem(t, http.StatusNotFound, "")
	}
	a.do("DELETE", "/profiles/"+created.ProfileID, nil).expectProblem(t, http.StatusNotFound, "")
	if items := tableItems(t, a); len(items) != 0 {
		t.Errorf("table still holds %d items after delete: %v", len(items), items)
	}
}

// tableItems reads every item of the test's table (the test may Scan; the service never does).
func tableItems(t *testing.T, a *api) []map[string]types.AttributeValue {
	t.Helper()
	out, err := a.stack.DB.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(a.stack.Config.TableName), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Items
}

func TestPartialUpdate(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":" Ann ","middleName":"B","lastName":"Cole","countryNumericCode":"250","uuid":"ext-1","tags":["a","b"]}`).
		expect(t, http.StatusCreated, &p)
	if str(p.FirstName) != "Ann" || str(p.CountryNumericCode) != "250" || p.Country.Alpha2Code != "FR" {
		t.Fatalf("created %+v", p)
	}
	// That a write moves updateTime is shared/api's
	// TestUpdatesMoveUpdateTimeByTheClock, on a clock that moves without a
	// sleep; here updateTime may not go back.

	// absent fields stay; null clears the optional ones; read-only fields are ignored.
	var u Profile
	body := `{"middleName":null,"countryNumericCode":null,"uuid":null,"enabled":false,
	  "profileId":"000000000000000000000000","name":"x","country":{"a":1},"contacts":[],"createTime":"1999","updateTime":"1999"}`
	a.do("PATCH", "/profiles/"+p.ProfileID, body).expect(t, http.StatusOK, &u)
	if u.MiddleName != nil || u.CountryNumericCode != nil || u.Country != nil || u.UUID != nil || u.Enabled ||
		str(u.FirstName) != "Ann" || str(u.LastName) != "Cole" || str(u.Name) != "Ann Cole" || !slices.Equal(u.Tags, []string{"a", "b"}) {
		t.Errorf("after patch %+v", u)
	}
	if u.ProfileID != p.ProfileID || u.CreateTime != p.CreateTime || u.UpdateTime < p.UpdateTime {
		t.Errorf("times/ids: created %s/%s updated %s/%s", p.CreateTime, p.UpdateTime, u.CreateTime, u.UpdateTime)
	}
	// The uuid was freed: another profile may take it.
	a.do("POST", "/profiles", `{"uuid":"ext-1"}`).expect(t, http.StatusCreated, nil)

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
		a.do("PATCH", "/profiles/"+p.ProfileID, tc.body).expectProblem(t, http.StatusBadRequest, tc.field)
	}
	var after Profile
	a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, http.StatusOK, &after)
	if after.UpdateTime != u.UpdateTime || after.Enabled {
		t.Errorf("a rejected update changed the profile: %+v", after)
	}
	a.do("PATCH", "/profiles/0123456789abcdef01234567", `{"firstName":"x"}`).expectProblem(t, http.StatusNotFound, "")
	a.do("PATCH", "/profiles/not-an-id", `{"firstName":"x"}`).expectProblem(t, http.StatusNotFound, "")
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
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
			a.do("POST", "/profiles", tc.body).expectProblem(t, tc.status, tc.field)
		})
	}
	if items := tableItems(t, a); len(items) != 0 {
		t.Errorf("rejected creates wrote %d items", len(items))
	}
	// The boundaries themselves are fine.
	a.do("POST", "/profiles", `{"firstName":"`+strings.Repeat("é", 255)+`","tags":["`+strings.Repeat("t", 64)+`"]}`).expect(t, 201, nil)
	a.do("POST", "/profiles", `{"contacts":[`+many(50, phone)+`]}`).expect(t, 201, nil)
}

func phone(i int) string { return fmt.Sprintf(`{"key":"phone","value":"+1555000%04d"}`, i) }

func TestUUIDIsUnique(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var first, second Profile
	a.do("POST", "/profiles", `{"firstName":"A","uuid":"crm-42"}`).expect(t, 201, &first)
	p := a.do("POST", "/profiles", `{"firstName":"B","uuid":"crm-42"}`).expectProblem(t, 409, "")
	if p.ExistingProfileID != first.ProfileID {
		t.Errorf("409 names %q, want the existing profile %q", p.ExistingProfileID, first.ProfileID)
	}
	a.do("POST", "/profiles", `{"firstName":"B","uuid":"crm-43"}`).expect(t, 201, &second)
	p = a.do("PATCH", "/profiles/"+second.ProfileID, `{"uuid":"crm-42"}`).expectProblem(t, 409, "")
	if p.ExistingProfileID != first.ProfileID {
		t.Errorf("409 names %q", p.ExistingProfileID)
	}
	var list []Profile
	a.do("GET", "/profiles?filter[uuid]=crm-42", nil).expect(t, 200, &list)
	if len(list) != 1 || list[0].ProfileID != first.ProfileID {
		t.Errorf("filter[uuid] gave %+v", list)
	}
	a.do("DELETE", "/profiles/"+first.ProfileID, nil).expect(t, 204, nil)
	a.do("PATCH", "/profiles/"+second.ProfileID, `{"uuid":"crm-42"}`).expect(t, 200, nil)
	a.do("GET", "/profiles?filter[uuid]=crm-43", nil).expect(t, 200, &list)
	if len(list) != 0 {
		t.Errorf("the old uuid still finds %+v", list)
	}
}
