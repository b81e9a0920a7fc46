package client

import (
	"strings"
	"testing"
)

// TestNextLink: the rel="next" target of Link header values (RFC 8288),
// whatever else the header holds.
func TestNextLink(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		values []string
		want   string
	}{
		{"none", nil, ""},
		{"the API's", []string{`</profiles?cursor=abc&limit=5>; rel="next"`}, "/profiles?cursor=abc&limit=5"},
		{"unquoted rel", []string{`</p?a=1>; rel=next`}, "/p?a=1"},
		{"among others", []string{`</first>; rel="first", </p?x=1,2>; rel="prev next"`}, "/p?x=1,2"},
		{"in a second header", []string{`</first>; rel="first"`, `</n>; title="t"; REL="Next"`}, "/n"},
		{"only prev", []string{`</p>; rel="prev"`}, ""},
		{"not a link", []string{`rel="next"`}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := nextLink(tc.values); got != tc.want {
				t.Errorf("nextLink(%q) = %q, want %q", tc.values, got, tc.want)
			}
		})
	}
}

// TestResolve: paths go below the base URL, stage prefix included; an
// absolute URL must name the base URL's server, so a Link header cannot
// send the credentials elsewhere.
func TestResolve(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		base, target, want, err string
	}{
		{"http://h:3000", "/profiles", "http://h:3000/profiles", ""},
		{"http://h:3000/", "/profiles?limit=2", "http://h:3000/profiles?limit=2", ""},
		{"https://h/prod", "/profiles/a%2Fb", "https://h/prod/profiles/a%2Fb", ""},
		{"https://h/prod", "/prod/profiles?cursor=x", "https://h/prod/profiles?cursor=x", ""},
		{"https://h/prod", "https://h/prod/profiles?cursor=x", "https://h/prod/profiles?cursor=x", ""},
		{"https://h", "https://evil.example/profiles", "", "not on the base URL's server"},
		{"https://h", "http://h/profiles", "", "not on the base URL's server"},
		{"https://h", "//evil.example/profiles", "", "not on the base URL's server"},
	} {
		c := New(tc.base)
		u, err := c.resolve(tc.target)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("resolve(%q) on %s: %v, %v; want an error %q", tc.target, tc.base, u, err, tc.err)
			}
			continue
		}
		if err != nil || u.String() != tc.want {
			t.Errorf("resolve(%q) on %s = %v, %v; want %s", tc.target, tc.base, u, err, tc.want)
		}
	}
}

// TestInputsEncodeEachFieldAsTold: absent fields are left out, null ones
// are null, set ones carry their value, in a fixed order.
func TestInputsEncodeEachFieldAsTold(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   interface{ MarshalJSON() ([]byte, error) }
		want string
	}{
		{"empty profile", ProfileInput{}, `{}`},
		{"every profile field", ProfileInput{FirstName: Value("a"), MiddleName: Null[string](), LastName: Value(""),
			CountryNumericCode: Value("840"), UUID: Null[string](), Enabled: Value(false), Tags: Value([]string{"x"}),
			Contacts: []ContactInput{{Key: Value("email"), Value: Value("a@b.c")}, {}}},
			`{"firstName":"a","middleName":null,"lastName":"","countryNumericCode":"840","enabled":false,"tags":["x"],"uuid":null,"contacts":[{"key":"email","value":"a@b.c"},{}]}`},
		{"empty contacts are sent", ProfileInput{Contacts: []ContactInput{}}, `{"contacts":[]}`},
		{"Null without Set", ProfileInput{Tags: Opt[[]string]{Null: true}}, `{"tags":null}`},
		{"contact", ContactInput{UUID: Null[string](), Verified: Value(true)}, `{"uuid":null,"verified":true}`},
		{"user", UserInput{GivenName: Value("J"), FamilyName: Null[string](), FeatureUpdates: Value(false), MarketingUpdates: Value(true), Email: Value("j@x.io")},
			`{"givenName":"J","familyName":null,"featureUpdates":false,"marketingUpdates":true,"email":"j@x.io"}`},
		{"escaping", UserInput{GivenName: Value(`"<é>"`)}, `{"givenName":"\"\u003cé\u003e\""}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.in.MarshalJSON()
			if err != nil || string(b) != tc.want {
				t.Errorf("got %s, %v; want %s", b, err, tc.want)
			}
		})
	}
}
