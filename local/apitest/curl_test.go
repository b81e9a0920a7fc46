package apitest_test

import (
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/shared/views"
)

// The references' own curl commands, as they print them: only the base
// URL, the token and the ids are filled in (the placeholders below).
// Each runs with the real curl against the local API and must give the
// reference's answer.
const (
	curlListProfiles = `curl --location -g --request GET 'https://your.base-url.here/profiles?limit=10&offset=0&sort_by=createTime&sort_order=desc&filter[enabled]=1&filter[firstName]=Westley&filter[lastName]=Daniel&filter[middleName]=Ivanov&filter[name]=Westley Daniel Ivanov&filter[uuid]=9' \
--header 'Authorization: Bearer <token>'`
	curlGetProfile = `curl --location --request GET 'https://your.base-url.here/profiles/60ba407d15951453e60e49f8' \
--header 'Authorization: Bearer <token>'`
	curlCreateProfile = `curl --location --request POST 'https://your.base-url.here/profiles' \
--header 'Authorization: Bearer <token>' \
--data-raw '{
  "contacts": [
    {
      "key": "email",
      "value": "client@email.com",
      "uuid": null
    },
    {
      "key": "phone",
      "value": "+9876543210",
      "uuid": null
    }
  ],
  "countryNumericCode": "840",
  "enabled": true,
  "firstName": "Mary",
  "middleName": "Jane",
  "lastName": "Smith",
  "uuid": null
}'`
	curlUpdateProfile = `curl --location --request PUT 'https://your.base-url.here/profiles/60ba407d15951453e60e49f8' \
--header 'Authorization: Bearer <token>' \
--data-raw '{
  "enabled": true,
  "firstName": "Mary",
  "lastName": "Smith",
  "middleName": "Jane",
  "countryNumericCode": "840",
  "uuid": null
}'`
	curlDeleteProfile = `curl --location --request DELETE 'https://your.base-url.here/profiles/60ba407d15951453e60e49f8' \
--header 'Authorization: Bearer <token>'`
	curlListContacts = `curl --location --request GET 'https://your.base-url.here/profiles/60ba407d15951453e60e49f8/contacts' \
--header 'Authorization: Bearer <token>'`
	curlGetContact = `curl --location --request GET 'https://your.base-url.here/profiles/60ba407d15951453e60e49f8/contacts/60ba407d15951453e60e49f8' \
--header 'Authorization: Bearer <token>'`
	curlCreateContact = `curl --location --request POST 'https://your.base-url.here/profiles/60ba407d15951453e60e49f8/contacts' \
--header 'Authorization: Bearer <token>' \
--data-raw '{
  "key": "email",
  "value": "client@email.com",
  "uuid": null
}'`
	curlUpdateContact = `curl --location --request PUT 'https://my.stage.org/v1/profiles/60ba407d15951453e60e49f8/contacts/60ba407d15951453e60e49f8' \
--header 'Authorization: Bearer <token>' \
--data-raw '{
  "key": "email",
  "value": "client@email.com",
  "uuid": null
}'`
	curlDeleteContact = `curl --location --request DELETE 'https://your.base-url.here/profiles/60ba407d15951453e60e49f8/contacts/60ba407d15951453e60e49f8' \
--header 'Authorization: Bearer <token>'`
	curlUpdateMyProfile = `curl -X POST \
 https://service.centrapay.com/api/me/profile/update \
 -H 'authorization: <TOKEN>' \
 -H 'content-type: application/json' \
 -d '
{
 "givenName": "John",
 "familyName": "Doe",
 "featureUpdates": false,
 "marketingUpdates": true,
 "email": "john.doe@centrapay.com"
}
'`
	curlGetUserProfile = `curl -X GET \
 https://service.centrapay.com/api/users/da75ad90-9a5b-4df0-8374-f48b3a8fbfcc/profile \
 -H 'x-api-key: <TOKEN>'`
)

// TestReferenceCurlCommands runs every curl command of the two references
// with the real curl against the API and checks the reference's answer: its
// status and the shape of its body. The commands send no Content-Type, so
// curl labels their JSON application/x-www-form-urlencoded: the service
// reads a body as JSON whatever its Content-Type (openapi.yaml, docs/api.md).
func TestReferenceCurlCommands(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	curl := func(command string, fill ...string) (int, []byte) {
		t.Helper()
		r := strings.NewReplacer(append([]string{
			"https://your.base-url.here", a.URL, "https://my.stage.org/v1", a.URL,
			"https://service.centrapay.com", a.URL, "<token>", a.Token("admin", apitest.Scopes...),
		}, fill...)...)
		cmd := exec.Command("sh", "-c", r.Replace(command)+" --silent --show-error --write-out '\n%{http_code}'")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", r.Replace(command), err)
		}
		i := strings.LastIndexByte(string(out), '\n')
		status, _ := strconv.Atoi(string(out[i+1:]))
		return status, out[:i]
	}
	expect := func(what string, status, want int, body []byte, v any) {
		t.Helper()
		if status != want {
			t.Fatalf("%s: status %d, want %d: %s", what, status, want, body)
		}
		if v != nil {
			if err := json.Unmarshal(body, v); err != nil {
				t.Fatalf("%s: %v: %s", what, err, body)
			}
		}
	}

	var created views.Profile
	status, body := curl(curlCreateProfile)
	expect("POST /profiles", status, 201, body, &created)
	if created.ProfileID == "" || apitest.StringOf(created.Name) != "Mary Jane Smith" || len(created.Contacts) != 2 || created.Country == nil || created.Country.Alpha2Code != "US" {
		t.Fatalf("created %s", body)
	}
	wantContacts := map[string]string{"email": "client@email.com", "phone": "+9876543210"}
	for _, c := range created.Contacts {
		if c.ContactID == "" || wantContacts[c.Key] != c.Value {
			t.Errorf("created contact %+v, want the reference's with an id", c)
		}
	}
	if created.Contacts[0].ContactID == created.Contacts[1].ContactID {
		t.Errorf("the two contacts share the id %s", created.Contacts[0].ContactID)
	}
	// The reference's ids, filled in: a contact's path first, then a profile's.
	fillProfile := []string{"60ba407d15951453e60e49f8/contacts/60ba407d15951453e60e49f8", created.ProfileID + "/contacts/" + created.Contacts[0].ContactID,
		"60ba407d15951453e60e49f8", created.ProfileID}
	// isMary holds a profile body to the reference's Mary Jane Smith.
	isMary := func(what string, p views.Profile, body []byte) {
		t.Helper()
		if p.ProfileID != created.ProfileID || apitest.StringOf(p.Name) != "Mary Jane Smith" || apitest.StringOf(p.FirstName) != "Mary" ||
			apitest.StringOf(p.MiddleName) != "Jane" || apitest.StringOf(p.LastName) != "Smith" || !p.Enabled || p.Country == nil || p.Country.Alpha2Code != "US" ||
			len(p.Contacts) != 2 || p.CreateTime != created.CreateTime {
			t.Errorf("%s: %s, want the created Mary Jane Smith (%s) with her 2 contacts", what, body, created.ProfileID)
		}
	}

	var got views.Profile
	status, body = curl(curlGetProfile, fillProfile...)
	expect("GET /profiles/{id}", status, 200, body, &got)
	isMary("GET /profiles/{id}", got, body)
	got = views.Profile{}
	status, body = curl(curlUpdateProfile, fillProfile...)
	expect("PUT /profiles/{id}", status, 200, body, &got)
	isMary("PUT /profiles/{id}", got, body)
	var list []views.Profile
	// curl itself refuses the reference's URL as printed ("URL using
	// bad/illegal format": filter[name] holds spaces); with the spaces
	// percent-encoded, it is sent as written. Nobody here is Westley.
	status, body = curl(curlListProfiles, "Westley Daniel Ivanov", "Westley%20Daniel%20Ivanov")
	expect("GET /profiles with every filter", status, 200, body, &list)
	if list == nil || len(list) != 0 {
		t.Errorf("GET /profiles with every filter: %s, want []", body)
	}
	var contacts []views.Contact
	status, body = curl(curlListContacts, fillProfile...)
	expect("GET contacts", status, 200, body, &contacts)
	if len(contacts) != 2 {
		t.Errorf("GET contacts: %s, want the 2 created", body)
	}
	for i, c := range contacts {
		if i < len(created.Contacts) && (c.ContactID != created.Contacts[i].ContactID || c.Key != created.Contacts[i].Key || c.Value != created.Contacts[i].Value) {
			t.Errorf("GET contacts: contact %d is %+v, want %+v", i, c, created.Contacts[i])
		}
	}
	var c views.Contact
	status, body = curl(curlGetContact, fillProfile...)
	expect("GET contact", status, 200, body, &c)
	if c.ContactID != created.Contacts[0].ContactID || c.Key != created.Contacts[0].Key || c.Value != created.Contacts[0].Value || c.Value != "client@email.com" {
		t.Errorf("contact %s, want %+v", body, created.Contacts[0])
	}

	// The contact commands on a second profile, without client@email.com.
	other := must(a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Other")}, nil))(t)
	c = views.Contact{}
	status, body = curl(curlCreateContact, "60ba407d15951453e60e49f8", other.ProfileID)
	expect("POST contact", status, 201, body, &c)
	if c.ContactID == "" || c.Key != "email" || c.Value != "client@email.com" {
		t.Errorf("POST contact: %s", body)
	}
	contactID := c.ContactID
	fillContact := []string{"60ba407d15951453e60e49f8/contacts/60ba407d15951453e60e49f8", other.ProfileID + "/contacts/" + contactID}
	c = views.Contact{}
	status, body = curl(curlUpdateContact, fillContact...)
	expect("PUT contact", status, 200, body, &c)
	if c.ContactID != contactID || c.Key != "email" || c.Value != "client@email.com" {
		t.Errorf("PUT contact: %s, want contact %s", body, contactID)
	}
	status, body = curl(curlDeleteContact, fillContact...)
	expect("DELETE contact", status, 204, body, nil)
	if len(body) != 0 {
		t.Errorf("DELETE contact: body %s", body)
	}
	if _, err := a.Admin.GetContact(ctx, other.ProfileID, contactID); !client.IsNotFound(err) {
		t.Errorf("GET the deleted contact: %v, want a 404", err)
	}
	status, body = curl(curlDeleteProfile, fillProfile...)
	expect("DELETE profile", status, 204, body, nil)
	if len(body) != 0 {
		t.Errorf("DELETE profile: body %s", body)
	}
	if _, err := a.Admin.GetProfile(ctx, created.ProfileID); !client.IsNotFound(err) {
		t.Errorf("GET the deleted profile: %v, want a 404", err)
	}
	status, body = curl(curlGetProfile, fillProfile...)
	expect("GET /profiles/{id} after the delete", status, 404, body, nil)

	// The user-profile reference: the token alone in authorization.
	user := "da75ad90-9a5b-4df0-8374-f48b3a8fbfcc"
	var me map[string]any
	status, body = curl(curlUpdateMyProfile, "<TOKEN>", a.UserToken(user))
	expect("POST /api/me/profile/update", status, 200, body, &me)
	if got := apitest.KeysInOrder(t, body); strings.Join(got, ",") != "userId,givenName,familyName,featureUpdates,marketingUpdates,email,emailVerified,phoneNumber,phoneVerified" {
		t.Errorf("user profile keys %v", got)
	}
	verifyEmail(t, a, "john.doe@centrapay.com", true) // the partner's answer holds only a verified address
	status, body = curl(curlGetUserProfile, "<TOKEN>", a.NewAPIKey("curl-partner"))
	expect("GET /api/users/{userId}/profile", status, 200, body, &me)
	if want := `{"givenName":"John","familyName":"Doe","featureUpdates":false,"marketingUpdates":true,"email":"john.doe@centrapay.com"}`; string(body) != want {
		t.Errorf("partner view %s, want %s", body, want)
	}
}
