package integration

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// seedProfiles creates n profiles with names that collide, differ only in
// case, or are absent, and a mix of enabled flags. The same n gives the
// same profiles on every run (fixed seed, fields drawn in a fixed order).
func seedProfiles(t *testing.T, a *api, n int) []Profile {
	t.Helper()
	calls := make([]call, n)
	for i, body := range seedBodies(n) {
		calls[i] = a.req("POST", "/profiles", body)
	}
	out := make([]Profile, n)
	for i, r := range sendAll(t, calls, 8) {
		r.expect(t, http.StatusCreated, &out[i])
	}
	return out
}

// seedBodies are the bodies seedProfiles posts.
func seedBodies(n int) []map[string]any {
	fields := []struct {
		name string
		set  []string
	}{
		{"firstName", []string{"Anna", "anna", "Ann", "Bob", "bob", "Émile", "Zoë", ""}},
		{"middleName", []string{"", "Lee", "lee", "Marie"}},
		{"lastName", []string{"Smith", "smith", "Åberg", "Jones", "", "O'Neil"}},
	}
	rng := rand.New(rand.NewPCG(31, 2)) // a seed whose 30 profiles match every case of TestListingFilters
	out := make([]map[string]any, n)
	for i := range n {
		body := map[string]any{"enabled": rng.IntN(3) != 0, "uuid": fmt.Sprintf("u-%d", i)}
		for _, f := range fields {
			if v := f.set[rng.IntN(len(f.set))]; v != "" {
				body[f.name] = v
			}
		}
		out[i] = body
	}
	return out
}

// sortValue is the test's own reading of the documented order of a field.
func sortValue(p Profile, field string) string {
	switch field {
	case "createTime":
		return p.CreateTime
	case "updateTime":
		return p.UpdateTime
	case "enabled":
		return fmt.Sprint(p.Enabled) // "false" < "true"
	case "firstName":
		return strings.ToLower(str(p.FirstName))
	case "middleName":
		return strings.ToLower(str(p.MiddleName))
	case "lastName":
		return strings.ToLower(str(p.LastName))
	case "name":
		return strings.ToLower(str(p.Name))
	case "profileId":
		return p.ProfileID
	}
	panic(field)
}

func expectedOrder(ps []Profile, field string, desc bool) []string {
	sorted := slices.Clone(ps)
	slices.SortFunc(sorted, func(a, b Profile) int {
		c := strings.Compare(sortValue(a, field), sortValue(b, field))
		if c == 0 {
			c = strings.Compare(a.ProfileID, b.ProfileID)
		}
		if desc {
			c = -c
		}
		return c
	})
	return ids(sorted)
}

func ids(ps []Profile) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ProfileID
	}
	return out
}

var linkNext = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// pageByCursor follows Link rel="next" from the first page to the last.
func pageByCursor(t *testing.T, a *api, first string) []string {
	t.Helper()
	var all []string
	path := first
	for pages := 0; path != ""; pages++ {
		if pages > 100 {
			t.Fatal("too many pages")
		}
		var page []Profile
		r := a.do("GET", path, nil).expect(t, http.StatusOK, &page)
		all = append(all, ids(page)...)
		path = ""
		if l := r.Header.Get("Link"); l != "" {
			m := linkNext.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("Link %q", l)
			}
			if len(page) == 0 {
				t.Fatalf("an empty page links to a next one: %s", l)
			}
			path = m[1]
		}
	}
	return all
}

func pageByOffset(t *testing.T, a *api, base string, limit, total int) []string {
	t.Helper()
	var all []string
	for off := 0; off < total+limit; off += limit {
		var page []Profile
		a.do("GET", fmt.Sprintf("%s&limit=%d&offset=%d", base, limit, off), nil).expect(t, http.StatusOK, &page)
		if len(page) > limit {
			t.Fatalf("page of %d, limit %d", len(page), limit)
		}
		all = append(all, ids(page)...)
	}
	return all
}

func TestListingOrderAndPaging(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	ps := seedProfiles(t, a, 37)
	for _, field := range []string{"createTime", "enabled", "firstName", "lastName", "middleName", "name", "profileId", "updateTime"} {
		for _, order := range []string{"asc", "desc"} {
			t.Run(field+"_"+order, func(t *testing.T) {
				want := expectedOrder(ps, field, order == "desc")
				base := "/profiles?sort_by=" + field + "&sort_order=" + order
				if got := pageByOffset(t, a, base, 7, len(ps)); !slices.Equal(got, want) {
					t.Errorf("offset paging:\n got %v\nwant %v", got, want)
				}
				if got := pageByCursor(t, a, base+"&limit=7"); !slices.Equal(got, want) {
					t.Errorf("cursor paging:\n got %v\nwant %v", got, want)
				}
			})
		}
	}
	t.Run("default is createTime asc, limit 10", func(t *testing.T) {
		var page []Profile
		a.do("GET", "/profiles", nil).expect(t, http.StatusOK, &page)
		if want := expectedOrder(ps, "createTime", false)[:10]; !slices.Equal(ids(page), want) {
			t.Errorf("got %v want %v", ids(page), want)
		}
		if len(page[0].Tags) != 0 || page[0].Tags == nil {
			t.Errorf("tags %v", page[0].Tags)
		}
	})
	t.Run("limit 100 and offset past the end", func(t *testing.T) {
		var page []Profile
		r := a.do("GET", "/profiles?limit=100", nil).expect(t, http.StatusOK, &page)
		if len(page) != len(ps) || r.Header.Get("Link") != "" {
			t.Errorf("got %d profiles, Link %q", len(page), r.Header.Get("Link"))
		}
		r = a.do("GET", "/profiles?offset=10000", nil).expect(t, http.StatusOK, nil)
		if strings.TrimSpace(string(r.Body)) != "[]" {
			t.Errorf("body %s", r.Body)
		}
	})
}

func TestListingFilters(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	ps := seedProfiles(t, a, 30)
	if ps[0].Name == nil {
		t.Fatalf("the first seeded profile has no name to filter by: %+v", ps[0])
	}
	lower := strings.ToLower
	for _, tc := range []struct {
		query string
		match func(Profile) bool
		none  bool // the case is meant to find nothing
	}{
		{"filter[enabled]=1", func(p Profile) bool { return p.Enabled }, false},
		{"filter[enabled]=true", func(p Profile) bool { return p.Enabled }, false},
		{"filter[enabled]=0", func(p Profile) bool { return !p.Enabled }, false},
		{"filter[enabled]=false", func(p Profile) bool { return !p.Enabled }, false},
		{"filter[firstName]=ANNA", func(p Profile) bool { return lower(str(p.FirstName)) == "anna" }, false},
		{"filter[profileFirstName]=anna", func(p Profile) bool { return lower(str(p.FirstName)) == "anna" }, false},
		{"filter[profileFirstName]=Ann", func(p Profile) bool { return lower(str(p.FirstName)) == "ann" }, false},
		{"filter[lastName]=smith", func(p Profile) bool { return lower(str(p.LastName)) == "smith" }, false},
		{"filter[profileLastName]=%C3%85BERG", func(p Profile) bool { return lower(str(p.LastName)) == "åberg" }, false},
		{"filter[middleName]=LEE", func(p Profile) bool { return lower(str(p.MiddleName)) == "lee" }, false},
		{"filter[profileMiddleName]=Marie", func(p Profile) bool { return lower(str(p.MiddleName)) == "marie" }, false},
		{"filter[name]=" + url.QueryEscape(str(ps[0].Name)), func(p Profile) bool { return lower(str(p.Name)) == lower(str(ps[0].Name)) }, false},
		{"filter[uuid]=u-3", func(p Profile) bool { return str(p.UUID) == "u-3" }, false},
		{"filter[uuid]=U-3", func(p Profile) bool { return false }, true},
		{"filter[uuid]=u-3&filter[enabled]=" + map[bool]string{true: "0", false: "1"}[ps[3].Enabled], func(p Profile) bool { return false }, true},
		{"filter[enabled]=1&filter[lastName]=Smith", func(p Profile) bool { return p.Enabled && lower(str(p.LastName)) == "smith" }, false},
		{"filter[firstName]=anna&filter[lastName]=smith&filter[enabled]=1", func(p Profile) bool {
			return p.Enabled && lower(str(p.LastName)) == "smith" && lower(str(p.FirstName)) == "anna"
		}, false},
		{"filter[lastName]=nobody", func(p Profile) bool { return false }, true},
		{"filter[name]=" + url.QueryEscape("a OR 1=1"), func(p Profile) bool { return false }, true},
		{"filter[lastName]=" + url.QueryEscape("#PK <> :v"), func(p Profile) bool { return false }, true},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var want []Profile
			for _, p := range ps {
				if tc.match(p) {
					want = append(want, p)
				}
			}
			if !tc.none && len(want) == 0 {
				t.Fatalf("no seeded profile matches %s: the case would check nothing", tc.query)
			}
			for _, sortBy := range []string{"createTime", "lastName", "firstName", "name"} {
				for _, order := range []string{"asc", "desc"} {
					w := expectedOrder(want, sortBy, order == "desc")
					got := pageByCursor(t, a, "/profiles?limit=3&sort_by="+sortBy+"&sort_order="+order+"&"+tc.query)
					if !slices.Equal(got, w) && !(len(got) == 0 && len(w) == 0) {
						t.Errorf("sort %s %s:\n got %v\nwant %v", sortBy, order, got, w)
					}
				}
			}
		})
	}
}

// TestListingByContact: filter[email] and filter[phone] find exactly the
// profiles holding the contact, normalised as stored (any case of an email
// address, a phone number as typed), alone and with other filters.
func TestListingByContact(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	mk := func(first string, enabled bool, contacts ...map[string]any) Profile {
		var p Profile
		a.do("POST", "/profiles", map[string]any{"firstName": first, "enabled": enabled, "contacts": contacts}).expect(t, 201, &p)
		return p
	}
	email := func(v string) map[string]any { return map[string]any{"key": "email", "value": v} }
	phone := func(v string) map[string]any { return map[string]any{"key": "phone", "value": v} }
	mary := mk("Mary", true, email("Mary.Smith@Example.COM"), phone("+64271112222"))
	mary2 := mk("Mary", false, email("mary.smith@example.com"))
	john := mk("John", true, email("john@example.com"), phone("+64273334444"))
	mk("Other", true, email("other@example.com"))
	for _, tc := range []struct {
		query string
		want  []Profile
	}{
		{"filter[email]=mary.smith%40example.com", []Profile{mary, mary2}},
		{"filter[email]=MARY.SMITH%40EXAMPLE.COM", []Profile{mary, mary2}},
		{"filter[email]=mary.smith%40example.com&filter[enabled]=0", []Profile{mary2}},
		{"filter[email]=john%40example.com&filter[firstName]=john", []Profile{john}},
		{"filter[email]=john%40example.com&filter[firstName]=mary", nil},
		{"filter[phone]=%2B64271112222", []Profile{mary}},
		{"filter[phone]=%2B64%2027%20111%202222", []Profile{mary}},
		{"filter[phone]=0064-27-333-4444", []Profile{john}},
		{"filter[phone]=%2B64271112222&filter[email]=mary.smith%40example.com", []Profile{mary}},
		{"filter[phone]=%2B64999999999", nil},
		{"filter[email]=nobody%40example.com", nil},
	} {
		for _, sortBy := range []string{"createTime", "name", "enabled"} {
			got := pageByCursor(t, a, "/profiles?limit=1&sort_by="+sortBy+"&"+tc.query)
			if w := expectedOrder(tc.want, sortBy, false); !slices.Equal(got, w) && !(len(got) == 0 && len(w) == 0) {
				t.Errorf("%s sort_by=%s: got %v, want %v", tc.query, sortBy, got, w)
			}
		}
	}
	a.do("GET", "/profiles?filter[email]=not-an-email", nil).expectProblem(t, http.StatusBadRequest, "filter[email]")
	a.do("GET", "/profiles?filter[phone]=12345", nil).expectProblem(t, http.StatusBadRequest, "filter[phone]")
}

// TestListingTooBroad: an email address held by more profiles than one
// look-up reads is a 422 that says how to narrow the query, not a slow
// answer; narrowed, the same look-up answers.
func TestListingTooBroad(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	// The test needs the profiles, not concurrency: a few writes at a time,
	// so each answers within its request budget on a loaded 2-core machine
	// (101 at once did not: 503, outcome unknown).
	creates := make([]call, 101)
	for i := range creates {
		creates[i] = a.req("POST", "/profiles", map[string]any{"firstName": fmt.Sprintf("P%03d", i),
			"contacts": []map[string]any{{"key": "email", "value": "shared@example.com"}}})
	}
	for _, r := range sendAll(t, creates, 4) {
		r.expect(t, 201, nil)
	}
	p := a.do("GET", "/profiles?filter[email]=shared%40example.com", nil).expectProblem(t, http.StatusUnprocessableEntity, "")
	if !strings.Contains(p.Detail, "filter[email]") || !strings.Contains(p.Type, "query-too-broad") {
		t.Errorf("422 %+v does not say which filter is too broad", p)
	}
	var one []Profile
	a.do("GET", "/profiles?filter[email]=shared%40example.com&filter[uuid]=none", nil).expect(t, 200, &one)
	if len(one) != 0 {
		t.Errorf("narrowed by a uuid nobody holds: %d profiles", len(one))
	}
}
