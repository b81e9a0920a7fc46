package apitest_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/shared/views"
)

func email(v string) client.ContactInput {
	return client.ContactInput{Key: client.Value("email"), Value: client.Value(v)}
}

func phoneContact(v string) client.ContactInput {
	return client.ContactInput{Key: client.Value("phone"), Value: client.Value(v)}
}

// TestContactLifecycle: a contact's create (normalised), read, PUT and
// PATCH, its conflicts, validation and unknown ids, and its delete.
func TestContactLifecycle(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	r := a.Do(t, "POST", "/profiles", apitest.ReferenceCreate, "Authorization", a.AdminAuth())
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	p := must(a.Admin.ListProfiles(ctx, client.ListOptions{}))(t).Items[0]
	base := "/profiles/" + p.ProfileID + "/contacts"

	r = a.Do(t, "POST", base, `{"key":"email","value":"Other@Email.COM","uuid":null}`, "Authorization", a.AdminAuth())
	if r.Status != http.StatusCreated {
		t.Fatalf("create contact: %d %s", r.Status, r.Body)
	}
	c := must(a.Admin.GetContact(ctx, p.ProfileID, strings.TrimPrefix(r.Header.Get("Location"), base+"/")))(t)
	if r.Header.Get("Location") != base+"/"+c.ContactID || !idPattern.MatchString(c.ContactID) {
		t.Errorf("Location %q for %+v", r.Header.Get("Location"), c)
	}
	if c.Value != "Other@email.com" || c.Key != "email" || c.Verified || c.UUID != nil || c.ETag != r.Header.Get("ETag") {
		t.Errorf("created %+v", c)
	}
	// The reference's PUT body, then a PATCH of one field.
	if r := a.Do(t, "PUT", base+"/"+c.ContactID, `{"key":"email","value":"client2@email.com","uuid":null}`, "Authorization", a.AdminAuth()); r.Status != http.StatusOK {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	got := must(a.Admin.PatchContact(ctx, p.ProfileID, c.ContactID, client.ContactInput{Verified: client.Value(true), UUID: client.Value("crm-c-1")}, nil))(t)
	if got.Value != "client2@email.com" || !got.Verified || apitest.StringOf(got.UUID) != "crm-c-1" || got.CreateTime != c.CreateTime {
		t.Errorf("updated %+v", got)
	}
	all := must(a.Admin.GetProfile(ctx, p.ProfileID))(t)
	if len(all.Contacts) != 3 || !sameContact(all.Contacts[2], got.Contact) {
		t.Errorf("profile contacts %+v", all.Contacts)
	}

	// Conflicts, validation and unknown ids.
	_, err := a.Admin.CreateContact(ctx, p.ProfileID, email("CLIENT@email.com"), nil)
	problem(t, err, http.StatusConflict, "")
	_, err = a.Admin.PatchContact(ctx, p.ProfileID, c.ContactID, client.ContactInput{Value: client.Value("client@EMAIL.com")}, nil)
	problem(t, err, http.StatusConflict, "")
	for _, tc := range []struct{ method, path, body, field string }{
		{"PATCH", base + "/" + c.ContactID, `{"key":"phone"}`, "value"},
		{"PATCH", base + "/" + c.ContactID, `{}`, "body"},
		{"PATCH", base + "/" + c.ContactID, `{"key":"fax"}`, "key"},
		{"PATCH", base + "/" + c.ContactID, `{"value":7}`, "value"},
		{"POST", base, `{"value":"a@b.co"}`, "key"},
		{"POST", base, `{"key":"phone","value":"+1 (555) 010-9999","extra":1}`, "extra"},
	} {
		rawProblem(t, a.Do(t, tc.method, tc.path, tc.body, "Authorization", a.AdminAuth()), http.StatusBadRequest, tc.field)
	}
	const unknown = "0123456789abcdef01234567"
	_, err = a.Admin.GetContact(ctx, p.ProfileID, unknown)
	problem(t, err, http.StatusNotFound, "")
	_, err = a.Admin.PatchContact(ctx, p.ProfileID, unknown, client.ContactInput{Verified: client.Value(true)}, nil)
	problem(t, err, http.StatusNotFound, "")
	problem(t, a.Admin.DeleteContact(ctx, p.ProfileID, unknown, nil), http.StatusNotFound, "")
	_, err = a.Admin.CreateContact(ctx, unknown, email("a@b.co"), nil)
	problem(t, err, http.StatusNotFound, "")
	_, err = a.Admin.ListContacts(ctx, unknown, client.ListOptions{})
	problem(t, err, http.StatusNotFound, "")

	r = a.Do(t, "DELETE", base+"/"+c.ContactID, "", "Authorization", a.AdminAuth())
	if r.Status != http.StatusNoContent || len(r.Body) != 0 {
		t.Errorf("delete: %d %q", r.Status, r.Body)
	}
	_, err = a.Admin.GetContact(ctx, p.ProfileID, c.ContactID)
	problem(t, err, http.StatusNotFound, "")
	if all := must(a.Admin.GetProfile(ctx, p.ProfileID))(t); len(all.Contacts) != 2 {
		t.Errorf("contacts after delete %+v", all.Contacts)
	}
}

// TestContactLimit: a profile holds 50 contacts; the 51st is a 409.
func TestContactLimit(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	p := must(a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Many")}, nil))(t)
	for i := range 50 {
		must(a.Admin.CreateContact(ctx, p.ProfileID, phoneContact(fmt.Sprintf("+1555000%04d", i)), nil))(t)
	}
	_, err := a.Admin.CreateContact(ctx, p.ProfileID, email("one@too.many"), nil)
	if e := problem(t, err, http.StatusConflict, ""); e.Type != client.ProblemConflict {
		t.Errorf("type %q", e.Type)
	}
	if list := must(a.Admin.ListContacts(ctx, p.ProfileID, client.ListOptions{Limit: 100}))(t); len(list.Items) != 50 {
		t.Errorf("%d contacts", len(list.Items))
	}
}

// TestContactListing: the default order is creation order; sort, filter
// and offset; cursor paging gives each contact once; bad parameters are
// 400s naming the parameter.
func TestContactListing(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	p := must(a.Admin.CreateProfile(ctx, client.ProfileInput{Contacts: []client.ContactInput{
		phoneContact("+64271112222"), email("b@x.io"), email("A@x.io"), phoneContact("+15550001111"), email("c@x.io")}}, nil))(t)
	all := must(a.Admin.ListContacts(ctx, p.ProfileID, client.ListOptions{}))(t).Items
	if len(all) != 5 {
		t.Fatalf("%d contacts", len(all))
	}
	for i := range all {
		if !sameContact(all[i], p.Contacts[i]) {
			t.Errorf("default order (createTime) differs from creation order at %d: %+v vs %+v", i, all[i], p.Contacts[i])
		}
	}
	values := func(cs []views.Contact) []string {
		out := []string{}
		for _, c := range cs {
			out = append(out, c.Value)
		}
		return out
	}
	for _, tc := range []struct {
		o    client.ListOptions
		want []string
	}{
		{client.ListOptions{SortBy: "value"}, []string{"+15550001111", "+64271112222", "A@x.io", "b@x.io", "c@x.io"}},
		{client.ListOptions{SortBy: "value", SortOrder: "desc"}, []string{"c@x.io", "b@x.io", "A@x.io", "+64271112222", "+15550001111"}},
		{client.ListOptions{SortBy: "key"}, []string{"b@x.io", "A@x.io", "c@x.io", "+64271112222", "+15550001111"}},
		{client.ListOptions{Filters: map[string]string{"key": "phone"}}, []string{"+64271112222", "+15550001111"}},
		{client.ListOptions{Filters: map[string]string{"key": "email"}, SortBy: "value", SortOrder: "desc", Limit: 2, Offset: 1}, []string{"b@x.io", "A@x.io"}},
		{client.ListOptions{SortBy: "updateTime", Limit: 2}, []string{"+64271112222", "b@x.io"}},
	} {
		if got := must(a.Admin.ListContacts(ctx, p.ProfileID, tc.o))(t).Items; !slices.Equal(values(got), tc.want) {
			t.Errorf("%+v: got %v want %v", tc.o, values(got), tc.want)
		}
	}
	// Cursor paging over contacts gives each once.
	var seen []string
	pages := 0
	for c, err := range a.Admin.Contacts(ctx, p.ProfileID, client.ListOptions{Limit: 2, SortBy: "value"}) {
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, c.Value)
	}
	for page := must(a.Admin.ListContacts(ctx, p.ProfileID, client.ListOptions{Limit: 2, SortBy: "value"}))(t); ; pages++ {
		if page.Next == "" {
			break
		}
		page = must(a.Admin.NextContacts(ctx, page.Next))(t)
	}
	if want := []string{"+15550001111", "+64271112222", "A@x.io", "b@x.io", "c@x.io"}; !slices.Equal(seen, want) || pages != 2 {
		t.Errorf("cursor paging %v over %d next pages", seen, pages)
	}
	for _, q := range []string{"filter[key]=fax", "sort_by=name", "filter[value]=x", "limit=0"} {
		param := strings.SplitN(q, "=", 2)[0]
		rawProblem(t, a.Do(t, "GET", "/profiles/"+p.ProfileID+"/contacts?"+q, "", "Authorization", a.AdminAuth()), http.StatusBadRequest, param)
	}
}

func sameContact(a, b views.Contact) bool {
	return a.ContactID == b.ContactID && a.Key == b.Key && a.Value == b.Value && a.CreateTime == b.CreateTime &&
		a.UpdateTime == b.UpdateTime && apitest.StringOf(a.UUID) == apitest.StringOf(b.UUID) && (a.UUID == nil) == (b.UUID == nil) && a.Verified == b.Verified
}
