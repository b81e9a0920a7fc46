package integration

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestContactLifecycle(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var p Profile
	a.do("POST", "/profiles", referenceCreate).expect(t, 201, &p)
	base := "/profiles/" + p.ProfileID + "/contacts"

	var c Contact
	r := a.do("POST", base, `{"key":"email","value":"Other@Email.COM","uuid":null}`).expect(t, http.StatusCreated, &c)
	if r.Header.Get("Location") != base+"/"+c.ContactID || !idPattern.MatchString(c.ContactID) {
		t.Errorf("Location %q for %+v", r.Header.Get("Location"), c)
	}
	if c.Value != "Other@email.com" || c.Key != "email" || c.Verified || c.UUID != nil {
		t.Errorf("created %+v", c)
	}
	var got Contact
	a.do("GET", base+"/"+c.ContactID, nil).expect(t, 200, &got)
	if !sameContact(got, c) {
		t.Errorf("get %+v, want %+v", got, c)
	}
	// The reference's PUT body, then a PATCH of one field.
	a.do("PUT", base+"/"+c.ContactID, `{"key":"email","value":"client2@email.com","uuid":null}`).expect(t, 200, &got)
	a.do("PATCH", base+"/"+c.ContactID, `{"verified":true,"uuid":"crm-c-1"}`).expect(t, 200, &got)
	if got.Value != "client2@email.com" || !got.Verified || str(got.UUID) != "crm-c-1" || got.CreateTime != c.CreateTime {
		t.Errorf("updated %+v", got)
	}
	var all Profile
	a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, &all)
	if len(all.Contacts) != 3 || !sameContact(all.Contacts[2], got) {
		t.Errorf("profile contacts %+v", all.Contacts)
	}

	// Conflicts, validation and unknown ids.
	a.do("POST", base, `{"key":"email","value":"CLIENT@email.com"}`).expectProblem(t, 409, "")
	a.do("PATCH", base+"/"+c.ContactID, `{"value":"client@EMAIL.com"}`).expectProblem(t, 409, "")
	a.do("PATCH", base+"/"+c.ContactID, `{"key":"phone"}`).expectProblem(t, 400, "value")
	a.do("PATCH", base+"/"+c.ContactID, `{}`).expectProblem(t, 400, "body")
	a.do("PATCH", base+"/"+c.ContactID, `{"key":"fax"}`).expectProblem(t, 400, "key")
	a.do("PATCH", base+"/"+c.ContactID, `{"value":7}`).expectProblem(t, 400, "value")
	a.do("POST", base, `{"value":"a@b.co"}`).expectProblem(t, 400, "key")
	a.do("POST", base, `{"key":"phone","value":"+1 (555) 010-9999","extra":1}`).expectProblem(t, 400, "extra")
	a.do("GET", base+"/0123456789abcdef01234567", nil).expectProblem(t, 404, "")
	a.do("PATCH", base+"/0123456789abcdef01234567", `{"verified":true}`).expectProblem(t, 404, "")
	a.do("DELETE", base+"/0123456789abcdef01234567", nil).expectProblem(t, 404, "")
	a.do("POST", "/profiles/0123456789abcdef01234567/contacts", `{"key":"email","value":"a@b.co"}`).expectProblem(t, 404, "")
	a.do("GET", "/profiles/0123456789abcdef01234567/contacts", nil).expectProblem(t, 404, "")

	r = a.do("DELETE", base+"/"+c.ContactID, nil).expect(t, 204, nil)
	if len(r.Body) != 0 {
		t.Errorf("body %q", r.Body)
	}
	a.do("GET", base+"/"+c.ContactID, nil).expectProblem(t, 404, "")
	a.do("GET", "/profiles/"+p.ProfileID, nil).expect(t, 200, &all)
	if len(all.Contacts) != 2 {
		t.Errorf("contacts after delete %+v", all.Contacts)
	}
}

func TestContactLimit(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"firstName":"Many"}`).expect(t, 201, &p)
	for i := range 50 {
		a.do("POST", "/profiles/"+p.ProfileID+"/contacts", fmt.Sprintf(`{"key":"phone","value":"+1555000%04d"}`, i)).expect(t, 201, nil)
	}
	a.do("POST", "/profiles/"+p.ProfileID+"/contacts", `{"key":"email","value":"one@too.many"}`).expectProblem(t, 409, "")
	var list []Contact
	a.do("GET", "/profiles/"+p.ProfileID+"/contacts?limit=100", nil).expect(t, 200, &list)
	if len(list) != 50 {
		t.Errorf("%d contacts", len(list))
	}
}

func TestContactListing(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var p Profile
	a.do("POST", "/profiles", `{"contacts":[
		{"key":"phone","value":"+64271112222"},{"key":"email","value":"b@x.io"},
		{"key":"email","value":"A@x.io"},{"key":"phone","value":"+15550001111"},{"key":"email","value":"c@x.io"}]}`).expect(t, 201, &p)
	base := "/profiles/" + p.ProfileID + "/contacts"
	var all []Contact
	a.do("GET", base, nil).expect(t, 200, &all)
	if len(all) != 5 {
		t.Fatalf("%d contacts", len(all))
	}
	for i := range all {
		if !sameContact(all[i], p.Contacts[i]) {
			t.Errorf("default order (createTime) differs from creation order at %d: %+v vs %+v", i, all[i], p.Contacts[i])
		}
	}
	values := func(cs []Contact) []string {
		out := []string{}
		for _, c := range cs {
			out = append(out, c.Value)
		}
		return out
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"sort_by=value", []string{"+15550001111", "+64271112222", "A@x.io", "b@x.io", "c@x.io"}},
		{"sort_by=value&sort_order=desc", []string{"c@x.io", "b@x.io", "A@x.io", "+64271112222", "+15550001111"}},
		{"sort_by=key", []string{"b@x.io", "A@x.io", "c@x.io", "+64271112222", "+15550001111"}},
		{"filter[key]=phone", []string{"+64271112222", "+15550001111"}},
		{"filter[key]=email&sort_by=value&sort_order=desc&limit=2&offset=1", []string{"b@x.io", "A@x.io"}},
		{"sort_by=updateTime&limit=2", []string{"+64271112222", "b@x.io"}},
	} {
		var got []Contact
		a.do("GET", base+"?"+tc.query, nil).expect(t, 200, &got)
		if !slices.Equal(values(got), tc.want) {
			t.Errorf("%s: got %v want %v", tc.query, values(got), tc.want)
		}
	}
	// Cursor paging over contacts gives each once.
	var seen []string
	path := base + "?limit=2&sort_by=value"
	for path != "" {
		var page []Contact
		r := a.do("GET", path, nil).expect(t, 200, &page)
		seen = append(seen, values(page)...)
		path = ""
		if m := linkNext.FindStringSubmatch(r.Header.Get("Link")); m != nil {
			path = m[1]
		}
	}
	if want := []string{"+15550001111", "+64271112222", "A@x.io", "b@x.io", "c@x.io"}; !slices.Equal(seen, want) {
		t.Errorf("cursor paging %v", seen)
	}
	for _, q := range []string{"filter[key]=fax", "sort_by=name", "filter[value]=x", "limit=0"} {
		param := strings.SplitN(q, "=", 2)[0]
		a.do("GET", base+"?"+q, nil).expectProblem(t, 400, param)
	}
}

func sameContact(a, b Contact) bool {
	return a.ContactID == b.ContactID && a.Key == b.Key && a.Value == b.Value && a.CreateTime == b.CreateTime &&
		a.UpdateTime == b.UpdateTime && str(a.UUID) == str(b.UUID) && (a.UUID == nil) == (b.UUID == nil) && a.Verified == b.Verified
}
