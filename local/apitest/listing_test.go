package apitest_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/shared/views"
)

// seedProfiles creates n profiles with names that collide, differ only in
// case, or are absent, and a mix of enabled flags. The same n gives the
// same profiles on every run (fixed seed, fields drawn in a fixed order),
// those local/integration's listing tests seed.
func seedProfiles(t *testing.T, a *apitest.API, n int) []views.Profile {
	t.Helper()
	firsts := []string{"Anna", "anna", "Ann", "Bob", "bob", "Émile", "Zoë", ""}
	middles := []string{"", "Lee", "lee", "Marie"}
	lasts := []string{"Smith", "smith", "Åberg", "Jones", "", "O'Neil"}
	opt := func(v string) client.Opt[string] {
		if v == "" {
			return client.Opt[string]{}
		}
		return client.Value(v)
	}
	rng := rand.New(rand.NewPCG(31, 2))
	out := make([]views.Profile, n)
	for i := range n {
		in := client.ProfileInput{Enabled: client.Value(rng.IntN(3) != 0), UUID: client.Value(fmt.Sprintf("u-%d", i))}
		in.FirstName = opt(firsts[rng.IntN(len(firsts))])
		in.MiddleName = opt(middles[rng.IntN(len(middles))])
		in.LastName = opt(lasts[rng.IntN(len(lasts))])
		out[i] = must(a.Admin.CreateProfile(ctx, in, nil))(t).Profile
	}
	return out
}

// pageByCursor follows the next links from the first page to the last.
func pageByCursor(t *testing.T, c *client.Client, o client.ListOptions) []string {
	t.Helper()
	page := must(c.ListProfiles(ctx, o))(t)
	all := apitest.IDs(page.Items)
	for pages := 0; page.Next != ""; pages++ {
		if pages > 100 {
			t.Fatal("too many pages")
		}
		if len(page.Items) == 0 {
			t.Fatalf("an empty page links to a next one: %s", page.Next)
		}
		page = must(c.NextProfiles(ctx, page.Next))(t)
		all = append(all, apitest.IDs(page.Items)...)
	}
	return all
}

func pageByOffset(t *testing.T, c *client.Client, o client.ListOptions, total int) []string {
	t.Helper()
	var all []string
	for off := 0; off < total+o.Limit; off += o.Limit {
		o.Offset = off
		page := must(c.ListProfiles(ctx, o))(t)
		if len(page.Items) > o.Limit {
			t.Fatalf("page of %d, limit %d", len(page.Items), o.Limit)
		}
		all = append(all, apitest.IDs(page.Items)...)
	}
	return all
}

// TestListingOrderAndPaging: every sort field in both orders, by offset and
// by cursor; the defaults; the largest page and an offset past the end.
func TestListingOrderAndPaging(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	ps := seedProfiles(t, a, 37)
	for _, field := range []string{"createTime", "enabled", "firstName", "lastName", "middleName", "name", "profileId", "updateTime"} {
		for _, order := range []string{"asc", "desc"} {
			t.Run(field+"_"+order, func(t *testing.T) {
				want := apitest.ExpectedOrder(ps, field, order == "desc")
				o := client.ListOptions{SortBy: field, SortOrder: order, Limit: 7}
				if got := pageByOffset(t, a.Admin, o, len(ps)); !slices.Equal(got, want) {
					t.Errorf("offset paging:\n got %v\nwant %v", got, want)
				}
				if got := pageByCursor(t, a.Admin, o); !slices.Equal(got, want) {
					t.Errorf("cursor paging:\n got %v\nwant %v", got, want)
				}
			})
		}
	}
	t.Run("default is createTime asc, limit 10", func(t *testing.T) {
		page := must(a.Admin.ListProfiles(ctx, client.ListOptions{}))(t)
		if want := apitest.ExpectedOrder(ps, "createTime", false)[:10]; !slices.Equal(apitest.IDs(page.Items), want) {
			t.Errorf("got %v want %v", apitest.IDs(page.Items), want)
		}
		if len(page.Items[0].Tags) != 0 || page.Items[0].Tags == nil {
			t.Errorf("tags %v", page.Items[0].Tags)
		}
	})
	t.Run("limit 100 and offset past the end", func(t *testing.T) {
		r := a.Do(t, "GET", "/profiles?limit=100", "", "Authorization", a.AdminAuth())
		page := must(a.Admin.ListProfiles(ctx, client.ListOptions{Limit: 100}))(t)
		if r.Status != http.StatusOK || len(page.Items) != len(ps) || r.Header.Get("Link") != "" || page.Next != "" {
			t.Errorf("got %d profiles, Link %q", len(page.Items), r.Header.Get("Link"))
		}
		r = a.Do(t, "GET", "/profiles?offset=10000", "", "Authorization", a.AdminAuth())
		if r.Status != http.StatusOK || strings.TrimSpace(string(r.Body)) != "[]" {
			t.Errorf("offset past the end: %d %s", r.Status, r.Body)
		}
	})
}

// TestListingFilters: each filter, alone and combined, finds exactly the
// matching profiles, in every order, page by page; values that look like
// expressions match nothing.
func TestListingFilters(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	ps := seedProfiles(t, a, 30)
	if ps[0].Name == nil {
		t.Fatalf("the first seeded profile has no name to filter by: %+v", ps[0])
	}
	lower := strings.ToLower
	f := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		filters map[string]string
		match   func(views.Profile) bool
		none    bool // the case is meant to find nothing
	}{
		{f("enabled", "1"), func(p views.Profile) bool { return p.Enabled }, false},
		{f("enabled", "true"), func(p views.Profile) bool { return p.Enabled }, false},
		{f("enabled", "0"), func(p views.Profile) bool { return !p.Enabled }, false},
		{f("enabled", "false"), func(p views.Profile) bool { return !p.Enabled }, false},
		{f("firstName", "ANNA"), func(p views.Profile) bool { return lower(apitest.StringOf(p.FirstName)) == "anna" }, false},
		{f("profileFirstName", "anna"), func(p views.Profile) bool { return lower(apitest.StringOf(p.FirstName)) == "anna" }, false},
		{f("profileFirstName", "Ann"), func(p views.Profile) bool { return lower(apitest.StringOf(p.FirstName)) == "ann" }, false},
		{f("lastName", "smith"), func(p views.Profile) bool { return lower(apitest.StringOf(p.LastName)) == "smith" }, false},
		{f("profileLastName", "ÅBERG"), func(p views.Profile) bool { return lower(apitest.StringOf(p.LastName)) == "åberg" }, false},
		{f("middleName", "LEE"), func(p views.Profile) bool { return lower(apitest.StringOf(p.MiddleName)) == "lee" }, false},
		{f("profileMiddleName", "Marie"), func(p views.Profile) bool { return lower(apitest.StringOf(p.MiddleName)) == "marie" }, false},
		{f("name", apitest.StringOf(ps[0].Name)), func(p views.Profile) bool {
			return lower(apitest.StringOf(p.Name)) == lower(apitest.StringOf(ps[0].Name))
		}, false},
		{f("uuid", "u-3"), func(p views.Profile) bool { return apitest.StringOf(p.UUID) == "u-3" }, false},
		{f("uuid", "U-3"), func(views.Profile) bool { return false }, true},
		{f("uuid", "u-3", "enabled", map[bool]string{true: "0", false: "1"}[ps[3].Enabled]), func(views.Profile) bool { return false }, true},
		{f("enabled", "1", "lastName", "Smith"), func(p views.Profile) bool { return p.Enabled && lower(apitest.StringOf(p.LastName)) == "smith" }, false},
		{f("firstName", "anna", "lastName", "smith", "enabled", "1"), func(p views.Profile) bool {
			return p.Enabled && lower(apitest.StringOf(p.LastName)) == "smith" && lower(apitest.StringOf(p.FirstName)) == "anna"
		}, false},
		{f("lastName", "nobody"), func(views.Profile) bool { return false }, true},
		{f("name", "a OR 1=1"), func(views.Profile) bool { return false }, true},
		{f("lastName", "#PK <> :v"), func(views.Profile) bool { return false }, true},
	} {
		t.Run(fmt.Sprint(tc.filters), func(t *testing.T) {
			var want []views.Profile
			for _, p := range ps {
				if tc.match(p) {
					want = append(want, p)
				}
			}
			if !tc.none && len(want) == 0 {
				t.Fatalf("no seeded profile matches %v: the case would check nothing", tc.filters)
			}
			for _, sortBy := range []string{"createTime", "lastName", "firstName", "name"} {
				for _, order := range []string{"asc", "desc"} {
					w := apitest.ExpectedOrder(want, sortBy, order == "desc")
					got := pageByCursor(t, a.Admin, client.ListOptions{Limit: 3, SortBy: sortBy, SortOrder: order, Filters: tc.filters})
					if !slices.Equal(got, w) && !(len(got) == 0 && len(w) == 0) {
						t.Errorf("sort %s %s:\n got %v\nwant %v", sortBy, order, got, w)
					}
				}
			}
		})
	}
}

// TestListingBadParameters: each bad parameter is a 400 naming it: limits,
// offsets, sort fields, filters, and a cursor that is forged, tampered
// with, or sent with another query than its own.
func TestListingBadParameters(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	seedProfiles(t, a, 3)
	first := must(a.Admin.ListProfiles(ctx, client.ListOptions{Limit: 1}))(t)
	if first.Next == "" {
		t.Fatal("no next link")
	}
	u, _ := url.Parse(first.Next)
	cursor := u.Query().Get("cursor")
	tampered := []byte(cursor)
	tampered[3] ^= 1
	for _, tc := range []struct{ query, param string }{
		{"limit=0", "limit"}, {"limit=101", "limit"}, {"limit=x", "limit"}, {"limit=-1", "limit"},
		{"offset=-1", "offset"}, {"offset=10001", "offset"}, {"offset=1.5", "offset"},
		{"sort_by=email", "sort_by"}, {"sort_by=", "sort_by"}, {"sort_order=up", "sort_order"},
		{"filter[email]=x", "filter[email]"}, {"filter[enabled]=yes", "filter[enabled]"}, {"filter=x", "filter"},
		{"cursor=abc", "cursor"}, {"cursor=" + string(tampered), "cursor"},
		{"cursor=" + url.QueryEscape(cursor) + "&offset=0", "cursor"},
		{"cursor=" + url.QueryEscape(cursor) + "&sort_by=lastName", "cursor"},
		{"cursor=" + url.QueryEscape(cursor) + "&filter[enabled]=1", "cursor"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			rawProblem(t, a.Do(t, "GET", "/profiles?"+tc.query, "", "Authorization", a.AdminAuth()), http.StatusBadRequest, tc.param)
		})
	}
	// The cursor itself works when the query matches.
	must(a.Admin.NextProfiles(ctx, first.Next))(t)
}

// TestListingByContact: filter[email] and filter[phone] find exactly the
// profiles holding the contact, normalised as stored (any case of an email
// address, a phone number as typed), alone and with other filters.
func TestListingByContact(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	mk := func(first string, enabled bool, contacts ...client.ContactInput) views.Profile {
		return must(a.Admin.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value(first), Enabled: client.Value(enabled),
			Contacts: contacts}, nil))(t).Profile
	}
	mary := mk("Mary", true, email("Mary.Smith@Example.COM"), phoneContact("+64271112222"))
	mary2 := mk("Mary", false, email("mary.smith@example.com"))
	john := mk("John", true, email("john@example.com"), phoneContact("+64273334444"))
	mk("Other", true, email("other@example.com"))
	for _, tc := range []struct {
		filters map[string]string
		want    []views.Profile
	}{
		{map[string]string{"email": "mary.smith@example.com"}, []views.Profile{mary, mary2}},
		{map[string]string{"email": "MARY.SMITH@EXAMPLE.COM"}, []views.Profile{mary, mary2}},
		{map[string]string{"email": "mary.smith@example.com", "enabled": "0"}, []views.Profile{mary2}},
		{map[string]string{"email": "john@example.com", "firstName": "john"}, []views.Profile{john}},
		{map[string]string{"email": "john@example.com", "firstName": "mary"}, nil},
		{map[string]string{"phone": "+64271112222"}, []views.Profile{mary}},
		{map[string]string{"phone": "+64 27 111 2222"}, []views.Profile{mary}},
		{map[string]string{"phone": "0064-27-333-4444"}, []views.Profile{john}},
		{map[string]string{"phone": "+64271112222", "email": "mary.smith@example.com"}, []views.Profile{mary}},
		{map[string]string{"phone": "+64999999999"}, nil},
		{map[string]string{"email": "nobody@example.com"}, nil},
	} {
		for _, sortBy := range []string{"createTime", "name", "enabled"} {
			got := pageByCursor(t, a.Admin, client.ListOptions{Limit: 1, SortBy: sortBy, Filters: tc.filters})
			if w := apitest.ExpectedOrder(tc.want, sortBy, false); !slices.Equal(got, w) && !(len(got) == 0 && len(w) == 0) {
				t.Errorf("%v sort_by=%s: got %v, want %v", tc.filters, sortBy, got, w)
			}
		}
	}
	_, err := a.Admin.ListProfiles(ctx, client.ListOptions{Filters: map[string]string{"email": "not-an-email"}})
	problem(t, err, http.StatusBadRequest, "filter[email]")
	_, err = a.Admin.ListProfiles(ctx, client.ListOptions{Filters: map[string]string{"phone": "12345"}})
	problem(t, err, http.StatusBadRequest, "filter[phone]")
}

// TestListingEmptyFilterValue: an empty filter value is a 400 naming the
// filter, whichever filter it is (a filter names a value to match).
func TestListingEmptyFilterValue(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	for _, f := range []string{"enabled", "firstName", "profileFirstName", "middleName", "lastName", "name", "uuid", "email", "phone"} {
		_, err := a.Admin.ListProfiles(ctx, client.ListOptions{Filters: map[string]string{f: ""}})
		// An alias (profileFirstName) is named as the filter it stands for.
		named := "filter[" + strings.ToLower(strings.TrimPrefix(f, "profile"))[:1] + strings.TrimPrefix(f, "profile")[1:] + "]"
		if e := problem(t, err, http.StatusBadRequest, ""); len(e.Errors) != 1 || e.Errors[0].Field != named {
			t.Errorf("filter[%s]= : errors %+v, want the filter named", f, e.Errors)
		}
	}
}
