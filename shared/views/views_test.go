package views

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/profiles-service/profiles/shared/country"
	"github.com/profiles-service/profiles/shared/profile"
)

// objectKeys returns the keys of the JSON object raw in document order, and
// its values by key.
func objectKeys(t *testing.T, raw []byte) ([]string, map[string]json.RawMessage) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", raw)
	}
	var keys []string
	vals := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		k := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
		vals[k] = v
	}
	return keys, vals
}

var (
	referenceProfileKeys = []string{"profileId", "contacts", "countryNumericCode", "country", "enabled", "firstName", "middleName", "lastName", "name", "tags", "createTime", "updateTime", "uuid"}
	referenceContactKeys = []string{"contactId", "key", "value", "createTime", "updateTime", "uuid"}
	referenceCountryKeys = []string{"countryId", "countryName", "alpha2Code", "alpha3Code", "numericCode", "geographicRegionNumericCode", "geographicRegionName", "createTime", "updateTime"}
)

func TestProfileViewEmpty(t *testing.T) {
	t.Parallel()
	p := &profile.Profile{ID: "6006dda272f002519c3eb505", CreateTime: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), UpdateTime: time.Date(2021, 1, 1, 3, 4, 5, 0, time.FixedZone("X", 3600))}
	b, err := json.Marshal(ProfileOf(p))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"profileId":"6006dda272f002519c3eb505","contacts":[],"countryNumericCode":null,"country":null,` +
		`"enabled":false,"firstName":null,"middleName":null,"lastName":null,"name":null,"tags":[],` +
		`"createTime":"2021-01-01T00:00:00+00:00","updateTime":"2021-01-01T02:04:05+00:00","uuid":null}`
	if string(b) != want {
		t.Errorf("ProfileOf JSON =\n%s\nwant\n%s", b, want)
	}
	keys, _ := objectKeys(t, b)
	if !slices.Equal(keys, referenceProfileKeys) {
		t.Errorf("keys = %q, want %q", keys, referenceProfileKeys)
	}
}

// referenceProfile is THE PROFILE OBJECT of the API reference.
const referenceProfile = `{
  "profileId": "6006dda272f002519c3eb505",
  "contacts": [
    {
      "contactId": "6006dda272f002519c3eb505",
      "key": "email",
      "value": "marysmith@email.com",
      "createTime": "2021-01-01T00:00:00+00:00",
      "updateTime": "2021-01-01T00:00:00+00:00",
      "uuid": null
    }
  ],
  "countryNumericCode": "840",
  "country": {
    "countryId": "6006dda272f002519c3eb505",
    "countryName": "United States",
    "alpha2Code": "US",
    "alpha3Code": "USA",
    "numericCode": "840",
    "geographicRegionNumericCode": "021",
    "geographicRegionName": "Northern America",
    "createTime": "2021-01-01T00:00:00+00:00",
    "updateTime": "2021-01-01T00:00:00+00:00"
  },
  "enabled": true,
  "firstName": "Mary",
  "middleName": "Jane",
  "lastName": "Smith",
  "name": "Mary Jane Smith",
  "tags": [
    "blue",
    "green"
  ],
  "createTime": "2021-01-01T00:00:00+00:00",
  "updateTime": "2021-01-01T00:00:00+00:00",
  "uuid": null
}`

func TestProfileViewReference(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &profile.Profile{
		ID: "6006dda272f002519c3eb505", FirstName: "Mary", MiddleName: "Jane", LastName: "Smith",
		CountryCode: "840", Enabled: true, Tags: []string{"blue", "green"}, CreateTime: t0, UpdateTime: t0,
		Contacts: []profile.Contact{{ID: "6006dda272f002519c3eb505", Key: "email", Value: "marysmith@email.com", CreateTime: t0, UpdateTime: t0}},
	}
	got, err := json.Marshal(ProfileOf(p))
	if err != nil {
		t.Fatal(err)
	}
	keys, vals := objectKeys(t, got)
	if !slices.Equal(keys, referenceProfileKeys) {
		t.Errorf("profile keys = %q, want %q", keys, referenceProfileKeys)
	}
	countryKeys, countryVals := objectKeys(t, vals["country"])
	if !slices.Equal(countryKeys, referenceCountryKeys) {
		t.Errorf("country keys = %q, want %q", countryKeys, referenceCountryKeys)
	}
	wantCountry := map[string]string{
		"countryName": `"United States"`, "alpha2Code": `"US"`, "alpha3Code": `"USA"`, "numericCode": `"840"`,
		"geographicRegionNumericCode": `"021"`, "geographicRegionName": `"Northern America"`,
		"createTime": `"2021-01-01T00:00:00+00:00"`, "updateTime": `"2021-01-01T00:00:00+00:00"`,
	}
	for k, want := range wantCountry {
		if string(countryVals[k]) != want {
			t.Errorf("country.%s = %s, want %s", k, countryVals[k], want)
		}
	}
	us, _ := country.Lookup("840")
	if string(countryVals["countryId"]) != strconv.Quote(us.ID) || len(us.ID) != 24 {
		t.Errorf("countryId = %s, want %q", countryVals["countryId"], us.ID)
	}
	var contacts []json.RawMessage
	if err := json.Unmarshal(vals["contacts"], &contacts); err != nil || len(contacts) != 1 {
		t.Fatalf("contacts = %s", vals["contacts"])
	}
	contactKeys, _ := objectKeys(t, contacts[0])
	if want := append(slices.Clone(referenceContactKeys), "verified"); !slices.Equal(contactKeys, want) {
		t.Errorf("contact keys = %q, want %q", contactKeys, want)
	}

	// Apart from the country id and the added "verified", the view is the reference object.
	var gotAny, wantAny map[string]any
	if err := json.Unmarshal(got, &gotAny); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(referenceProfile), &wantAny); err != nil {
		t.Fatal(err)
	}
	delete(gotAny["country"].(map[string]any), "countryId")
	delete(wantAny["country"].(map[string]any), "countryId")
	delete(gotAny["contacts"].([]any)[0].(map[string]any), "verified")
	if !reflect.DeepEqual(gotAny, wantAny) {
		t.Errorf("ProfileOf =\n%v\nwant\n%v", gotAny, wantAny)
	}
}

func TestContactView(t *testing.T) {
	t.Parallel()
	c := &profile.Contact{ID: "6006dda272f002519c3eb505", Key: "phone", Value: "+9876543210", UUID: "u-1", Verified: true,
		CreateTime: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), UpdateTime: time.Date(2021, 1, 2, 0, 0, 0, 0, time.UTC)}
	b, err := json.Marshal(ContactOf(c))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"contactId":"6006dda272f002519c3eb505","key":"phone","value":"+9876543210",` +
		`"createTime":"2021-01-01T00:00:00+00:00","updateTime":"2021-01-02T00:00:00+00:00","uuid":"u-1","verified":true}`
	if string(b) != want {
		t.Errorf("ContactOf JSON =\n%s\nwant\n%s", b, want)
	}
}
