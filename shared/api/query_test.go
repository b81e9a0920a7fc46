package api

import (
	"bytes"
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
	return parseList(profileListing, nil, query(t, raw), testCursors)
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
	lr, err := parseList(contactListing, []string{"6006dda272f002519c3eb505"}, url.Values{}, testCursors)
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
	if errA != nil || errB != nil || !bytes.Equal(a.scope().canonical(), b.scope().canonical()) {
		t.Errorf("aliases give different cursor scopes %+v and %+v", a.scope(), b.scope())
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

// cursorFor returns the cursor the next link of the query raw on listing l
// at the path ids carries.
func cursorFor(t *testing.T, l listing, ids []string, raw, after string) string {
	t.Helper()
	lr, err := parseList(l, ids, query(t, raw), testCursors)
	if err != nil {
		t.Fatalf("parseList(%q): %v", raw, err)
	}
	return testCursors.encode(lr.scope(), after)
}

// TestParseListCursor: a cursor is accepted only by the listing, the path
// ids, the sort_by, sort_order and filters it was made for, whatever the
// limit; any other use is a 400 naming cursor.
func TestParseListCursor(t *testing.T) {
	t.Parallel()
	const profileA, profileB = "6006dda272f002519c3eb505", "6006dda272f002519c3eb506"
	A := []string{profileA}
	base := "sort_by=name&filter[firstName]=Mary"
	c := url.QueryEscape(cursorFor(t, profileListing, nil, base, "mary\x01abc"))
	contactsA := url.QueryEscape(cursorFor(t, contactListing, A, "", "2024-05-01T12:00:00+00:00\x01abc"))
	contactsUpdated := url.QueryEscape(cursorFor(t, contactListing, A, "sort_by=updateTime&sort_order=desc", "k"))
	contactsEmail := url.QueryEscape(cursorFor(t, contactListing, A, "filter[key]=email", "k"))
	profilesCreated := url.QueryEscape(cursorFor(t, profileListing, nil, "", "k"))
	tests := []struct {
		name    string
		listing listing
		ids     []string
		raw     string
		after   string // "" means an error on the field cursor is wanted
	}{
		{"same query", profileListing, nil, base + "&cursor=" + c, "mary\x01abc"},
		{"alias and other limit", profileListing, nil, "limit=3&sort_by=name&sort_order=asc&filter[profileFirstName]=Mary&cursor=" + c, "mary\x01abc"},
		{"with offset", profileListing, nil, base + "&offset=0&cursor=" + c, ""},
		{"other sort_by", profileListing, nil, "sort_by=lastName&filter[firstName]=Mary&cursor=" + c, ""},
		{"other sort_order", profileListing, nil, base + "&sort_order=desc&cursor=" + c, ""},
		{"other filter value", profileListing, nil, "sort_by=name&filter[firstName]=Anna&cursor=" + c, ""},
		{"extra filter", profileListing, nil, base + "&filter[enabled]=1&cursor=" + c, ""},
		{"filter dropped", profileListing, nil, "sort_by=name&cursor=" + c, ""},
		{"garbage", profileListing, nil, base + "&cursor=abc", ""},
		{"empty", profileListing, nil, base + "&cursor=", ""},
		{"other key", profileListing, nil, base + "&cursor=" + url.QueryEscape(cursorCodec{key: []byte("x")}.encode(cursorScope{listing: "profiles", sortBy: "name", filters: map[string]string{"firstName": "Mary"}}, "a")), ""},

		{"contacts, same profile and query", contactListing, A, "limit=7&cursor=" + contactsA, "2024-05-01T12:00:00+00:00\x01abc"},
		{"contacts, sort and filter repeated", contactListing, A, "sort_by=updateTime&sort_order=DESC&cursor=" + contactsUpdated, "k"},
		{"contacts, filter[key] repeated", contactListing, A, "filter[key]=email&cursor=" + contactsEmail, "k"},
		{"contacts cursor on /profiles", profileListing, nil, "cursor=" + contactsA, ""},
		{"contacts cursor on /profiles, same sort", profileListing, nil, "sort_by=createTime&sort_order=asc&cursor=" + contactsA, ""},
		{"contacts updateTime cursor on /profiles updateTime", profileListing, nil, "sort_by=updateTime&sort_order=desc&cursor=" + contactsUpdated, ""},
		{"profile A's contacts cursor on profile B", contactListing, []string{profileB}, "cursor=" + contactsA, ""},
		{"contacts cursor without a profile id", contactListing, nil, "cursor=" + contactsA, ""},
		{"contacts cursor, filter[key] dropped", contactListing, A, "cursor=" + contactsEmail, ""},
		{"contacts cursor, other filter[key]", contactListing, A, "filter[key]=phone&cursor=" + contactsEmail, ""},
		{"contacts cursor, other sort_order", contactListing, A, "sort_order=desc&cursor=" + contactsA, ""},
		{"profiles cursor on contacts", contactListing, A, "cursor=" + profilesCreated, ""},
	}
	for _, tt := range tests {
		lr, err := parseList(tt.listing, tt.ids, query(t, tt.raw), testCursors)
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
	next, err := parseList(profileListing, nil, q, testCursors)
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
