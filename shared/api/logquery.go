package api

import (
	"net/url"
	"slices"
	"strings"

	"github.com/profiles-service/profiles/shared/profile"
)

// loggedQuery is the query string as the request log keeps it. A value
// stays only under a key of the allow-list (loggedValues) and only when it
// is one the parameter can take (a limit, a sort field, asc or desc…), so
// a name, an address or a number sent in any parameter, known or not, or
// in a known one's wrong place, is never logged. A cursor, which carries
// a sort value, is "[cursor]". A key is kept when it names, in any case, a
// parameter or field the API knows (so ?LASTNAME=… shows what the client
// meant), else it is "[param]": a key may hold personal data too.
func loggedQuery(q url.Values) string {
	masked := url.Values{}
	for k, vals := range q {
		for _, v := range vals {
			switch keep, known := loggedValues[k]; {
			case k == "cursor":
				masked.Add(k, "[cursor]")
			case known && keep(v):
				masked.Add(k, v)
			case knownName(k):
				masked.Add(k, "[masked]")
			default:
				masked.Add("[param]", "[masked]")
			}
		}
	}
	s, _ := url.QueryUnescape(masked.Encode())
	return s
}

// loggedValues is the allow-list: the parameters whose values are never
// personal, each with the test of the values it can take.
var loggedValues = map[string]func(string) bool{
	"limit":           digits,
	"offset":          digits,
	"sort_by":         sortField,
	"sort_order":      oneOf("asc", "desc"),
	"filter[enabled]": oneOf("1", "0", "true", "false"),
	"filter[key]":     oneOf(profile.KeyEmail, profile.KeyPhone),
}

// digits is a number a limit or an offset can be: a phone number is longer.
func digits(v string) bool {
	if v == "" || len(v) > 5 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

func sortField(v string) bool {
	return slices.Contains(profile.ProfileSortFields, v) || slices.Contains(profile.ContactSortFields, v)
}

func oneOf(vals ...string) func(string) bool {
	return func(v string) bool {
		for _, want := range vals {
			if strings.EqualFold(v, want) {
				return true
			}
		}
		return false
	}
}

// knownName reports whether a query key names, in any case, a parameter
// of the API or a field a filter or sort could name: such a key is the
// client's intent, not its data.
func knownName(k string) bool {
	k = strings.ToLower(k)
	if inner, ok := strings.CutPrefix(k, "filter["); ok {
		k = strings.TrimSuffix(inner, "]")
	}
	return knownNames[k]
}

// knownNames are the lower-cased names knownName accepts.
var knownNames = namesOf(profileListing, contactListing)

func namesOf(listings ...listing) map[string]bool {
	names := map[string]bool{"limit": true, "offset": true, "sort_by": true, "sort_order": true, "cursor": true, "filter": true}
	for _, l := range listings {
		for alias := range l.filters {
			names[strings.ToLower(alias)] = true
		}
		for _, f := range l.sortFields {
			names[strings.ToLower(f)] = true
		}
	}
	return names
}
