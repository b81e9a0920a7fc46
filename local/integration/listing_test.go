package integration

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/local/apitest"
)

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
		all = append(all, apitest.IDs(page)...)
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
			if w := apitest.ExpectedOrder(tc.want, sortBy, false); !slices.Equal(got, w) && !(len(got) == 0 && len(w) == 0) {
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
