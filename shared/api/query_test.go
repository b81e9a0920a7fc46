package api

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/profiles-service/profiles/shared/profile"
)

func query(t *testing.T, raw string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", raw, err)
	}
	return q
}

func parseProfiles(t *testing.T, raw string) (listRequest, error) {
	t.Helper()
	return parseList(query(t, raw), profile.ProfileSortFields, profileFilters, testCursors)
}

func TestParseListDefaults(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"", "unrelated=1"} {
		lr, err := parseProfiles(t, raw)
		if err != nil {
			t.Fatalf("parseList(%q): %v", raw, err)
		}
		want := profile.Page{Limit: 10, Offset: 0, SortBy: "createTime", Desc: false}
		if lr.page != want {
			t.Errorf("parseList(%q).page = %+v, want %+v", raw, lr.page, want)
		}
		if len(lr.filters) != 0 {
			t.Errorf("filters = %v, want none", lr.filters)
		}
	}
	lr, err := parseList(url.Values{}, profile.ContactSortFields, contactFilters, testCursors)
	if err != nil || lr.page.SortBy != "createTime" || lr.page.Limit != 10 {
		t.Errorf("contacts defaults = %+v, %v", lr.page, err)
	}
}

func TestParseListAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want profile.Page
	}{
		{"limit=1", profile.Page{Limit: 1, SortBy: "createTime"}},
		{"limit=100&offset=10000", profile.Page{Limit: 100, Offset: 10000, SortBy: "createTime"}},
		{"offset=0", profile.Page{Limit: 10, SortBy: "createTime"}},
		{"sort_by=name&sort_order=desc", profile.Page{Limit: 10, SortBy: "name", Desc: true}},
		{"sort_order=DESC", profile.Page{Limit: 10, SortBy: "createTime", Desc: true}},
		{"sort_order=asc", profile.Page{Limit: 10, SortBy: "createTime"}},
		{"limit=10&offset=0&sort_by=createTime&sort_order=desc", profile.Page{Limit: 10, SortBy: "createTime", Desc: true}},
	}
	for _, f := range profile.ProfileSortFields {
		tests = append(tests, struct {
			raw  string
			want profile.Page
		}{"sort_by=" + f, profile.Page{Limit: 10, SortBy: f}})
	}
	for _, tt := range tests {
		lr, err := parseProfiles(t, tt.raw)
		if err != nil {
			t.Errorf("parseList(%q): %v", tt.raw, err)
			continue
		}
		if lr.page != tt.want {
			t.Errorf("parseList(%q).page = %+v, want %+v", tt.raw, lr.page, tt.want)
		}
	}
}

func TestParseListRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw   string
		field string
	}{
		{"limit=0", "limit"},
		{"limit=101", "limit"},
		{"limit=x", "limit"},
		{"limit=-1", "limit"},
		{"limit=", "limit"},
		{"limit=1.5", "limit"},
		{"offset=10001", "offset"},
		{"offset=-1", "offset"},
		{"offset=ten", "offset"},
		{"sort_by=nope", "sort_by"},
		{"sort_by=", "sort_by"},
		{"sort_by=NAME", "sort_by"},
		{"sort_by=uuid", "sort_by"},
		{"sort_order=up", "sort_order"},
		{"sort_order=", "sort_order"},
		{"filter[nope]=1", "filter[nope]"},
		{"filter[name=Mary", "filter[name"},
		{"filter[]=x", "filter[]"},
		{"filter=x", "filter"},
		{"filter[key]=email", "filter[key]"}, // a contact filter on profiles
		{"filter[name]=a&filter[name]=b", "filter[name]"},
		{"limit=5&sort_by=nope", "sort_by"},
	}
	for _, tt := range tests {
		_, err := parseProfiles(t, tt.raw)
		if err == nil {
			t.Errorf("parseList(%q) = nil error, want one on %q", tt.raw, tt.field)
			continue
		}
		if got := requestField(t, err, http.StatusBadRequest); got != tt.field {
			t.Errorf("parseList(%q) error field = %q, want %q", tt.raw, got, tt.field)
		}
	}
}

func TestParseListFilterAliases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw       string
		canonical string
		value     string
	}{
		{"filter[profileFirstName]=Westley", "firstName", "Westley"},
		{"filter[firstName]=Westley", "firstName", "Westley"},
		{"filter[profileLastName]=Daniel", "lastName", "Daniel"},
		{"filter[lastName]=Daniel", "lastName", "Daniel"},
		{"filter[profileMiddleName]=Ivanov", "middleName", "Ivanov"},
		{"filter[middleName]=Ivanov", "middleName", "Ivanov"},
		{"filter[name]=Westley+Daniel+Ivanov", "name", "Westley Daniel Ivanov"},
		{"filter[enabled]=1", "enabled", "1"},
		{"filter[uuid]=9", "uuid", "9"},
		{"filter[firstName]=A&filter[profileFirstName]=A", "firstName", "A"},
	}
	for _, tt := range tests {
		lr, err := parseProfiles(t, tt.raw)
		if err != nil {
			t.Errorf("parseList(%q): %v", tt.raw, err)
			continue
		}
		if want := map[string]string{tt.canonical: tt.value}; !reflect.DeepEqual(lr.filters, want) {
			t.Errorf("parseList(%q).filters = %v, want %v", tt.raw, lr.filters, want)
		}
	}
	a, errA := parseProfiles(t, "filter[profileFirstName]=X")
	b, errB := parseProfiles(t, "filter[firstName]=X")
	if errA != nil || errB != nil || a.identity() != b.identity() {
		t.Errorf("aliases give different identities %q and %q", a.identity(), b.identity())
	}
	_, err := parseProfiles(t, "filter[firstName]=A&filter[profileFirstName]=B")
	if err == nil {
		t.Error("one filter given twice with different values was accepted")
	}
	// The reference's own example query.
	lr, err := parseProfiles(t, "limit=10&offset=0&sort_by=createTime&sort_order=desc&filter[enabled]=1&filter[firstName]=Westley&filter[lastName]=Daniel&filter[middleName]=Ivanov&filter[name]=Westley Daniel Ivanov&filter[uuid]=9")
	if err != nil {
		t.Fatalf("reference query: %v", err)
	}
	if len(lr.filters) != 6 || lr.filters["name"] != "Westley Daniel Ivanov" || !lr.page.Desc {
		t.Errorf("reference query parsed to %+v, %v", lr.page, lr.filters)
	}
}

// cursorFor returns the cursor the next link of the query raw carries.
func cursorFor(t *testing.T, raw, after string) string {
	t.Helper()
	lr, err := parseProfiles(t, raw)
	if err != nil {
		t.Fatalf("parseList(%q): %v", raw, err)
	}
	return testCursors.encode(cursorState{Query: lr.identity(), After: after})
}

func TestParseListCursor(t *testing.T) {
	t.Parallel()
	base := "sort_by=name&filter[firstName]=Mary"
	c := cursorFor(t, base, "mary\x01abc")
	tests := []struct {
		name  string
		raw   string
		after string // "" means an error on the field cursor is wanted
	}{
		{"same query", base + "&cursor=" + url.QueryEscape(c), "mary\x01abc"},
		{"alias and other limit", "limit=3&sort_by=name&sort_order=asc&filter[profileFirstName]=Mary&cursor=" + url.QueryEscape(c), "mary\x01abc"},
		{"with offset", base + "&offset=0&cursor=" + url.QueryEscape(c), ""},
		{"other sort_by", "sort_by=lastName&filter[firstName]=Mary&cursor=" + url.QueryEscape(c), ""},
		{"other sort_order", base + "&sort_order=desc&cursor=" + url.QueryEscape(c), ""},
		{"other filter value", "sort_by=name&filter[firstName]=Anna&cursor=" + url.QueryEscape(c), ""},
		{"extra filter", base + "&filter[enabled]=1&cursor=" + url.QueryEscape(c), ""},
		{"filter dropped", "sort_by=name&cursor=" + url.QueryEscape(c), ""},
		{"garbage", base + "&cursor=abc", ""},
		{"empty", base + "&cursor=", ""},
		{"other key", base + "&cursor=" + url.QueryEscape(cursorCodec{key: []byte("x")}.encode(cursorState{Query: "name\x00firstName=Mary", After: "a"})), ""},
	}
	for _, tt := range tests {
		lr, err := parseProfiles(t, tt.raw)
		if tt.after == "" {
			if err == nil {
				t.Errorf("%s: parseList accepted the cursor, After = %q", tt.name, lr.page.After)
				continue
			}
			if got := requestField(t, err, http.StatusBadRequest); got != "cursor" {
				t.Errorf("%s: error field = %q, want cursor", tt.name, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: parseList: %v", tt.name, err)
			continue
		}
		if lr.page.After != tt.after {
			t.Errorf("%s: After = %q, want %q", tt.name, lr.page.After, tt.after)
		}
	}
}

func TestNextLinkRoundTrip(t *testing.T) {
	t.Parallel()
	raw := "limit=3&sort_by=lastName&sort_order=desc&filter[profileLastName]=Smith&filter[enabled]=true"
	lr, err := parseProfiles(t, raw)
	if err != nil {
		t.Fatal(err)
	}
	last := "smith\x016006dda272f002519c3eb505"
	link := lr.nextLink("/profiles", testCursors, last)
	target, ok := strings.CutPrefix(link, "<")
	target, rel, ok2 := strings.Cut(target, ">")
	if !ok || !ok2 || rel != `; rel="next"` {
		t.Fatalf("Link = %q, want <…>; rel=\"next\"", link)
	}
	u, err := url.Parse(target)
	if err != nil || u.Path != "/profiles" {
		t.Fatalf("link target %q: %v", target, err)
	}
	q := u.Query()
	for k, want := range map[string]string{"limit": "3", "sort_by": "lastName", "sort_order": "desc", "filter[lastName]": "Smith", "filter[enabled]": "true"} {
		if got := q.Get(k); got != want {
			t.Errorf("next link %s = %q, want %q", k, got, want)
		}
	}
	next, err := parseList(q, profile.ProfileSortFields, profileFilters, testCursors)
	if err != nil {
		t.Fatalf("parsing the next link: %v", err)
	}
	if next.page.After != last || next.page.Limit != 3 || next.page.SortBy != "lastName" || !next.page.Desc {
		t.Errorf("next page = %+v", next.page)
	}
}

func TestProfileFilter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value string
		want  bool
	}{
		{"1", true}, {"true", true}, {"TRUE", true}, {"True", true},
		{"0", false}, {"false", false}, {"FALSE", false},
	}
	for _, tt := range tests {
		f, err := profileFilter(map[string]string{"enabled": tt.value})
		if err != nil {
			t.Errorf("filter[enabled]=%s: %v", tt.value, err)
			continue
		}
		if f.Enabled == nil || *f.Enabled != tt.want {
			t.Errorf("filter[enabled]=%s: Enabled = %v, want %v", tt.value, f.Enabled, tt.want)
		}
	}
	for _, bad := range []string{"yes", "no", "", "2", "t"} {
		_, err := profileFilter(map[string]string{"enabled": bad})
		if err == nil {
			t.Errorf("filter[enabled]=%q accepted", bad)
			continue
		}
		if got := requestField(t, err, http.StatusBadRequest); got != "filter[enabled]" {
			t.Errorf("filter[enabled]=%q: field = %q", bad, got)
		}
	}
	f, err := profileFilter(map[string]string{"firstName": "A", "middleName": "B", "lastName": "C", "name": "A B C", "uuid": "u"})
	if err != nil {
		t.Fatal(err)
	}
	got := []*string{f.FirstName, f.MiddleName, f.LastName, f.Name, f.UUID}
	want := []string{"A", "B", "C", "A B C", "u"}
	for i := range want {
		if got[i] == nil || *got[i] != want[i] {
			t.Errorf("filter %d = %v, want %q", i, got[i], want[i])
		}
	}
	if f.Enabled != nil {
		t.Error("Enabled set without filter[enabled]")
	}
	if f, err := profileFilter(map[string]string{}); err != nil || !reflect.DeepEqual(f, profile.Filter{}) {
		t.Errorf("empty filter = %+v, %v", f, err)
	}
}
