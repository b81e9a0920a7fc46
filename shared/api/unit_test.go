package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/profiles-service/profiles/shared/country"
	"github.com/profiles-service/profiles/shared/profile"
)

var testCursors = cursorCodec{key: []byte("unit-test-secret")}

// requestField returns the parameter a *requestError names, failing the
// test when err is not one with the status.
func requestField(t *testing.T, err error, status int) string {
	t.Helper()
	var re *requestError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v (%T), want *requestError", err, err)
	}
	if re.status != status {
		t.Errorf("status = %d, want %d (error %v)", re.status, status, err)
	}
	if re.msg == "" {
		t.Errorf("requestError for %q has no message", re.field)
	}
	return re.field
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	states := []cursorState{
		{},
		{Query: "createTime", After: "2021-01-01T00:00:00+00:00\x016006dda272f002519c3eb505"},
		{Query: "name desc\x00firstName=Émile\x00uuid=9", After: "émile 😀\x01000000000000000000000001"},
		{Query: "q", After: strings.Repeat("x", 1000)},
	}
	for _, s := range states {
		c := testCursors.encode(s)
		if strings.Count(c, ".") != 1 || strings.ContainsAny(c, "+/= \x00") {
			t.Errorf("encode(%+v) = %q, want URL-safe payload.signature", s, c)
		}
		got, ok := testCursors.decode(c)
		if !ok || got != s {
			t.Errorf("decode(encode(%+v)) = %+v, %v", s, got, ok)
		}
	}
}

func TestCursorRejects(t *testing.T) {
	t.Parallel()
	good := testCursors.encode(cursorState{Query: "createTime", After: "k1"})
	body, sig, _ := strings.Cut(good, ".")
	enc := base64.RawURLEncoding

	forged, _ := json.Marshal(cursorState{Query: "createTime", After: "k2"})
	rawSig, err := enc.DecodeString(sig)
	if err != nil {
		t.Fatal(err)
	}
	flipped := slices.Clone(rawSig)
	flipped[0] ^= 1
	flipFirst := func(s string) string {
		b := []byte(s)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		return string(b)
	}

	tests := []struct {
		name   string
		cursor string
	}{
		{"tampered payload", enc.EncodeToString(forged) + "." + sig},
		{"payload first character changed", flipFirst(body) + "." + sig},
		{"tampered signature", body + "." + enc.EncodeToString(flipped)},
		{"signature first character changed", body + "." + flipFirst(sig)},
		{"truncated signature", body + "." + enc.EncodeToString(rawSig[:8])},
		{"full-length HMAC", body + "." + enc.EncodeToString(append(slices.Clone(rawSig), make([]byte, 16)...))},
		{"no signature", body},
		{"empty signature", body + "."},
		{"another key", cursorCodec{key: []byte("other-secret")}.encode(cursorState{Query: "createTime", After: "k1"})},
		{"empty key", cursorCodec{}.encode(cursorState{Query: "createTime", After: "k1"})},
		{"padded base64", body + "=." + sig},
		{"standard base64 alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(body) + "x." + sig},
		{"extra part", good + ".x"},
		{"empty", ""},
		{"dot", "."},
		{"abc", "abc"},
		{"a.b", "a.b"},
		{"spaces", " " + good},
	}
	for _, tt := range tests {
		if tt.cursor == good {
			t.Fatalf("%s: test cursor equals the good one", tt.name)
		}
		if got, ok := testCursors.decode(tt.cursor); ok {
			t.Errorf("%s: decode(%q) = %+v, true; want rejected", tt.name, tt.cursor, got)
		}
	}
	if _, ok := testCursors.decode(good); !ok {
		t.Error("the untampered cursor was rejected")
	}
}

func TestCursorSignedNonJSONRejected(t *testing.T) {
	t.Parallel()
	payload := []byte("not json")
	c := base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(testCursors.mac(payload))
	if _, ok := testCursors.decode(c); ok {
		t.Error("a signed non-JSON payload was accepted")
	}
}

// query parses a raw query string, failing the test on a syntax error.
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

func TestDecodeBytesRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		field string // "" means any field containing "key"
	}{
		{"unknown field", `{"firstName":"Mary","nope":1}`, "nope"},
		{"unknown field first", `{"favouriteColour":"blue"}`, "favouriteColour"},
		{"string as number", `{"firstName": 5}`, "firstName"},
		{"bool as string", `{"enabled": "yes"}`, "enabled"},
		{"array as string", `{"tags": "blue"}`, "tags"},
		{"array of numbers", `{"tags": [1]}`, "tags"},
		{"contacts as object", `{"contacts": {}}`, "contacts"},
		{"contact key as number", `{"contacts":[{"key":5}]}`, ""},
		{"invalid UTF-8", "{\"firstName\":\"Ma\xffry\"}", "body"},
		{"trailing object", `{"firstName":"a"} {}`, "body"},
		{"trailing garbage", `{"firstName":"a"} x`, "body"},
		{"empty", ``, "body"},
		{"whitespace", " \n\t", "body"},
		{"array", `[]`, "body"},
		{"array of objects", `[{"firstName":"a"}]`, "body"},
		{"null", `null`, "body"},
		{"string", `"a"`, "body"},
		{"number", `5`, "body"},
		{"ends early", `{"firstName":`, "body"},
		{"syntax", `{"firstName" "a"}`, "body"},
		{"single quotes", `{'firstName':'a'}`, "body"},
	}
	for _, tt := range tests {
		var v profileBody
		err := decodeBytes([]byte(tt.body), &v)
		if err == nil {
			t.Errorf("%s: decodeBytes(%q) = nil, want an error", tt.name, tt.body)
			continue
		}
		got := requestField(t, err, http.StatusBadRequest)
		if tt.field == "" {
			if !strings.Contains(got, "key") {
				t.Errorf("%s: error field = %q, want one naming key", tt.name, got)
			}
		} else if got != tt.field {
			t.Errorf("%s: error field = %q, want %q (%v)", tt.name, got, tt.field, err)
		}
	}
}

func TestDecodeBodySize(t *testing.T) {
	t.Parallel()
	object := func(n int) string { // a JSON object of exactly n bytes
		return `{"firstName":"` + strings.Repeat("a", n-len(`{"firstName":""}`)) + `"}`
	}
	tests := []struct {
		name   string
		body   string
		status int // 0 means accepted
	}{
		{"at the limit", object(maxBody), 0},
		{"one byte over", object(maxBody + 1), http.StatusRequestEntityTooLarge},
		{"far over", object(3 * maxBody), http.StatusRequestEntityTooLarge},
		{"empty", "", http.StatusBadRequest},
	}
	for _, tt := range tests {
		var v profileBody
		err := decode(httptest.NewRequest(http.MethodPost, "/profiles", strings.NewReader(tt.body)), &v)
		if tt.status == 0 {
			if err != nil {
				t.Errorf("%s: decode: %v", tt.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: decode accepted %d bytes", tt.name, len(tt.body))
			continue
		}
		if got := requestField(t, err, tt.status); got != "body" {
			t.Errorf("%s: field = %q, want body", tt.name, got)
		}
	}
}

func TestDecodeBytesRejectsUnknownContactField(t *testing.T) {
	t.Parallel()
	var c contactBody
	err := decodeBytes([]byte(`{"key":"email","value":"a@b.com","vaule":"x"}`), &c)
	if err == nil {
		t.Fatal("unknown contact field accepted")
	}
	if got := requestField(t, err, http.StatusBadRequest); got != "vaule" {
		t.Errorf("field = %q, want vaule", got)
	}
}

func TestDecodeBytesRejectsUnknownNestedContactField(t *testing.T) {
	t.Parallel()
	var v profileBody
	err := decodeBytes([]byte(`{"contacts":[{"key":"email","value":"a@b.com","uid":"x"}]}`), &v)
	if err == nil {
		t.Fatal(`decodeBytes accepted the unknown field "uid" inside contacts[0]`)
	}
	if got := requestField(t, err, http.StatusBadRequest); !strings.Contains(got, "uid") {
		t.Errorf("field = %q, want one naming uid", got)
	}
}

func TestDecodeBytesAccepts(t *testing.T) {
	t.Parallel()
	body := `  {
	  "profileId": "6006dda272f002519c3eb505", "name": "ignored", "country": {"countryName": "x"},
	  "createTime": "2021-01-01T00:00:00+00:00", "updateTime": "2021-01-01T00:00:00+00:00",
	  "contacts": [{"key": "email", "value": "client@email.com", "uuid": null}],
	  "countryNumericCode": "840", "enabled": false, "firstName": "Mary", "middleName": null,
	  "tags": ["blue"], "uuid": null
	}` + "\n"
	var v profileBody
	if err := decodeBytes([]byte(body), &v); err != nil {
		t.Fatalf("decodeBytes: %v", err)
	}
	c := v.changes()
	switch {
	case !c.FirstName.Set || c.FirstName.Value != "Mary":
		t.Errorf("FirstName = %+v", c.FirstName)
	case !c.MiddleName.Set || !c.MiddleName.Null:
		t.Errorf("MiddleName = %+v, want null", c.MiddleName)
	case c.LastName.Set:
		t.Errorf("LastName = %+v, want absent", c.LastName)
	case !c.Enabled.Set || c.Enabled.Value:
		t.Errorf("Enabled = %+v, want false", c.Enabled)
	case !c.UUID.Null || c.CountryCode.Value != "840" || !slices.Equal(c.Tags.Value, []string{"blue"}):
		t.Errorf("changes = %+v", c)
	case len(v.Contacts.Value) != 1 || v.Contacts.Value[0].Key.Value != "email" || !v.Contacts.Value[0].UUID.Null:
		t.Errorf("contacts = %+v", v.Contacts)
	}
}

func TestIfMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headers []string
		any     bool    // want no pinned versions: absent or "*"
		allows  []int64 // versions among 0..5 it must allow
		bad     bool
	}{
		{name: "absent", any: true},
		{name: "star", headers: []string{"*"}, any: true},
		{name: "star in a list", headers: []string{`"1", *`}, any: true},
		{name: "one tag", headers: []string{`"3"`}, allows: []int64{3}},
		{name: "list", headers: []string{`"1", "2"`}, allows: []int64{1, 2}},
		{name: "list no spaces", headers: []string{`"1","2"`}, allows: []int64{1, 2}},
		{name: "two header values", headers: []string{`"1"`, `"4"`}, allows: []int64{1, 4}},
		{name: "weak tag matches nothing (strong comparison)", headers: []string{`W/"3"`}, allows: []int64{}},
		{name: "unknown tag", headers: []string{`"abc"`}, allows: []int64{}},
		{name: "empty tag", headers: []string{`""`}, allows: []int64{}},
		{name: "negative tag", headers: []string{`"-1"`}, allows: []int64{}},
		{name: "unknown and known", headers: []string{`"abc", "5"`}, allows: []int64{5}},
		{name: "unquoted", headers: []string{`3`}, bad: true},
		{name: "half quoted", headers: []string{`"3`}, bad: true},
		{name: "empty value", headers: []string{``}, bad: true},
		{name: "one bad in list", headers: []string{`"1", 2`}, bad: true},
		{name: "bad second header", headers: []string{`"1"`, `x`}, bad: true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodPut, "/profiles/x", nil)
		for _, h := range tt.headers {
			r.Header.Add("If-Match", h)
		}
		m, err := ifMatch(r)
		switch {
		case tt.bad:
			if err == nil {
				t.Errorf("%s: ifMatch = %v, nil; want an error", tt.name, m)
			} else if got := requestField(t, err, http.StatusBadRequest); got != "If-Match" {
				t.Errorf("%s: field = %q, want If-Match", tt.name, got)
			}
			continue
		case err != nil:
			t.Errorf("%s: ifMatch: %v", tt.name, err)
			continue
		case tt.any:
			if m.Pinned() {
				t.Errorf("%s: ifMatch = %#v, want no pinned versions", tt.name, m)
			}
			for v := range int64(6) {
				if !m.Allows(v) {
					t.Errorf("%s: Any does not allow %d", tt.name, v)
				}
			}
			continue
		}
		if !m.Pinned() {
			t.Errorf("%s: ifMatch = %#v is not pinned to the tags' versions", tt.name, m)
		}
		for v := range int64(6) {
			if got, want := m.Allows(v), slices.Contains(tt.allows, v); got != want {
				t.Errorf("%s: Allows(%d) = %v, want %v (match %v)", tt.name, v, got, want, m)
			}
		}
	}
}

// problemBody is the decoded problem+json of a response.
type problemBody struct {
	Type              string               `json:"type"`
	Title             string               `json:"title"`
	Status            int                  `json:"status"`
	Detail            string               `json:"detail"`
	Errors            []profile.FieldError `json:"errors"`
	ExistingProfileID *string              `json:"existingProfileId"`
}

func TestWriteError(t *testing.T) {
	t.Parallel()
	validation := &profile.ValidationError{Errors: []profile.FieldError{
		{Field: "firstName", Message: "must be at most 255 characters"},
		{Field: "contacts[1].value", Message: "must be a valid email address"},
	}}
	tests := []struct {
		name       string
		err        error
		status     int
		typ        string
		title      string
		errors     []profile.FieldError
		existing   string
		detail     string // "" means not checked
		retryAfter string
	}{
		{name: "validation", err: validation, status: 400, typ: problemBase + "validation", title: "Invalid request", errors: validation.Errors},
		{name: "wrapped validation", err: fmt.Errorf("create: %w", validation), status: 400, typ: problemBase + "validation", title: "Invalid request", errors: validation.Errors},
		{name: "bad parameter", err: badRequest("limit", "must be an integer from %d to %d", 1, 100), status: 400, typ: problemBase + "validation", title: "Invalid request",
			errors: []profile.FieldError{{Field: "limit", Message: "must be an integer from 1 to 100"}}},
		{name: "too large", err: &requestError{status: http.StatusRequestEntityTooLarge, field: "body", msg: "must be at most 1 MB"}, status: 413, typ: "about:blank", title: "Request Entity Too Large",
			errors: []profile.FieldError{{Field: "body", Message: "must be at most 1 MB"}}},
		{name: "not found", err: profile.ErrNotFound, status: 404, typ: "about:blank", title: "Not Found", detail: "The resource does not exist."},
		{name: "wrapped not found", err: fmt.Errorf("get: %w", profile.ErrNotFound), status: 404, typ: "about:blank", title: "Not Found"},
		{name: "conflict", err: &profile.ConflictError{Detail: "the email a@b.com belongs to another profile", ExistingID: "6006dda272f002519c3eb505"},
			status: 409, typ: problemBase + "conflict", title: "Conflict", existing: "6006dda272f002519c3eb505", detail: "the email a@b.com belongs to another profile"},
		{name: "conflict without id", err: &profile.ConflictError{Detail: "a profile holds at most 50 contacts"}, status: 409, typ: problemBase + "conflict", title: "Conflict"},
		{name: "precondition", err: profile.ErrPreconditionFailed, status: 412, typ: "about:blank", title: "Precondition Failed"},
		{name: "unauthenticated", err: errUnauthenticated, status: 401, typ: "about:blank", title: "Unauthorized"},
		{name: "unavailable", err: fmt.Errorf("query: %w", profile.ErrUnavailable), status: 503, typ: "about:blank", title: "Service Unavailable", retryAfter: "1"},
		{name: "unknown", err: errors.New("secret internal detail"), status: 500, typ: "about:blank", title: "Internal Server Error", detail: "An unexpected error occurred."},
		{name: "panic", err: errPanic, status: 500, typ: "about:blank", title: "Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			writeError(w, httptest.NewRequest(http.MethodGet, "/profiles", nil), tt.err)
			res := w.Result()
			if res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.status)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if got := res.Header.Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
			}
			body := w.Body.Bytes()
			if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length = %q, body is %d bytes", cl, len(body))
			}
			var p problemBody
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if p.Status != tt.status || p.Type != tt.typ || p.Title != tt.title || p.Detail == "" {
				t.Errorf("problem = %+v, want status %d type %q title %q", p, tt.status, tt.typ, tt.title)
			}
			if tt.detail != "" && p.Detail != tt.detail {
				t.Errorf("detail = %q, want %q", p.Detail, tt.detail)
			}
			if tt.status == 500 && strings.Contains(string(body), "secret") {
				t.Errorf("500 body leaks the error: %s", body)
			}
			if !reflect.DeepEqual(p.Errors, tt.errors) {
				t.Errorf("errors = %+v, want %+v", p.Errors, tt.errors)
			}
			switch {
			case tt.existing == "" && p.ExistingProfileID != nil:
				t.Errorf("existingProfileId = %q, want absent", *p.ExistingProfileID)
			case tt.existing != "" && (p.ExistingProfileID == nil || *p.ExistingProfileID != tt.existing):
				t.Errorf("existingProfileId = %v, want %q", p.ExistingProfileID, tt.existing)
			}
		})
	}
}

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
	b, err := json.Marshal(profileView(p))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"profileId":"6006dda272f002519c3eb505","contacts":[],"countryNumericCode":null,"country":null,` +
		`"enabled":false,"firstName":null,"middleName":null,"lastName":null,"name":null,"tags":[],` +
		`"createTime":"2021-01-01T00:00:00+00:00","updateTime":"2021-01-01T02:04:05+00:00","uuid":null}`
	if string(b) != want {
		t.Errorf("profileView JSON =\n%s\nwant\n%s", b, want)
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
	got, err := json.Marshal(profileView(p))
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
		t.Errorf("profileView =\n%v\nwant\n%v", gotAny, wantAny)
	}
}

func TestContactView(t *testing.T) {
	t.Parallel()
	c := &profile.Contact{ID: "6006dda272f002519c3eb505", Key: "phone", Value: "+9876543210", UUID: "u-1", Verified: true,
		CreateTime: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), UpdateTime: time.Date(2021, 1, 2, 0, 0, 0, 0, time.UTC)}
	b, err := json.Marshal(contactView(c))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"contactId":"6006dda272f002519c3eb505","key":"phone","value":"+9876543210",` +
		`"createTime":"2021-01-01T00:00:00+00:00","updateTime":"2021-01-02T00:00:00+00:00","uuid":"u-1","verified":true}`
	if string(b) != want {
		t.Errorf("contactView JSON =\n%s\nwant\n%s", b, want)
	}
}
