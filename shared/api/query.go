package api

import (
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/profiles-service/profiles/shared/profile"
)

// listRequest is a parsed list query: the page, the filter values by their
// canonical names, the parameters a next link repeats, and the scope its
// cursors are bound to.
type listRequest struct {
	page    profile.Page
	filters map[string]string
	next    url.Values
	listing listing
	pathIDs []string
}

// listing is one list route: the name its cursors are bound to, its sort
// fields (the first is the default) and the filters it takes.
type listing struct {
	name       string
	sortFields []string
	filters    filterAliases
}

// filterAliases maps each accepted filter[...] name to its canonical name.
type filterAliases map[string]string

var (
	profileListing = listing{name: "profiles", sortFields: profile.ProfileSortFields, filters: filterAliases{
		"enabled": "enabled", "name": "name", "uuid": "uuid", "email": "email", "phone": "phone",
		"profileFirstName": "firstName", "firstName": "firstName",
		"profileLastName": "lastName", "lastName": "lastName",
		"profileMiddleName": "middleName", "middleName": "middleName",
	}}
	contactListing = listing{name: "contacts", sortFields: profile.ContactSortFields, filters: filterAliases{"key": "key"}}
)

// parseList reads limit, offset, sort_by, sort_order, cursor and filter[...]
// from the query string of listing l at the path whose ids are pathIDs.
// Each bad value is a 400 naming its parameter.
func parseList(l listing, pathIDs []string, q url.Values, cursors cursorCodec) (listRequest, error) {
	lr := listRequest{
		page:    profile.Page{Limit: profile.DefaultLimit, SortBy: l.sortFields[0]},
		filters: map[string]string{},
		next:    url.Values{},
		listing: l,
		pathIDs: pathIDs,
	}
	var err error
	if lr.page.Limit, err = intParam(q, "limit", profile.DefaultLimit, 1, profile.MaxLimit); err != nil {
		return lr, err
	}
	if lr.page.Offset, err = intParam(q, "offset", 0, 0, profile.MaxOffset); err != nil {
		return lr, err
	}
	if v, ok := single(q, "sort_by"); ok {
		if !slices.Contains(l.sortFields, v) {
			return lr, badRequest("sort_by", "must be one of %s", strings.Join(l.sortFields, ", "))
		}
		lr.page.SortBy = v
	}
	if v, ok := single(q, "sort_order"); ok {
		switch strings.ToLower(v) {
		case "asc":
		case "desc":
			lr.page.Desc = true
		default:
			return lr, badRequest("sort_order", "must be asc or desc")
		}
	}
	for name, vals := range q {
		if !strings.HasPrefix(name, "filter") {
			continue
		}
		inner, ok := strings.CutPrefix(name, "filter[")
		inner, closed := strings.CutSuffix(inner, "]")
		canonical := l.filters[inner]
		if !ok || !closed || canonical == "" {
			return lr, badRequest(name, "is not a known filter; use one of %s", strings.Join(filterNames(l.filters), ", "))
		}
		if prev, dup := lr.filters[canonical]; dup && prev != vals[0] || len(vals) > 1 && !allEqual(vals) {
			return lr, badRequest(name, "is given twice with different values")
		}
		lr.filters[canonical] = vals[0]
	}
	lr.next.Set("limit", strconv.Itoa(lr.page.Limit))
	lr.next.Set("sort_by", lr.page.SortBy)
	lr.next.Set("sort_order", map[bool]string{false: "asc", true: "desc"}[lr.page.Desc])
	for k, v := range lr.filters {
		lr.next.Set("filter["+k+"]", v)
	}
	if c, ok := single(q, "cursor"); ok {
		if q.Has("offset") {
			return lr, badRequest("cursor", "cannot be combined with offset")
		}
		// One check for forged, altered and misused cursors alike: the
		// signature covers the scope, which the cursor does not carry.
		after, valid := cursors.decode(lr.scope(), c)
		if !valid {
			return lr, badRequest("cursor", "is not a cursor this API issued for this listing; "+
				"a cursor is valid only on the path, and with the sort_by, sort_order and filters, of the page whose Link carried it")
		}
		lr.page.After = after
	}
	return lr, nil
}

// scope is what the cursors of this query are bound to. The limit is not
// part of it: a client may change the page size between pages.
func (lr listRequest) scope() cursorScope {
	return cursorScope{listing: lr.listing.name, pathIDs: lr.pathIDs, sortBy: lr.page.SortBy, desc: lr.page.Desc, filters: lr.filters}
}

// nextLink is the Link header value for the page after one ending at last.
func (lr listRequest) nextLink(path string, cursors cursorCodec, last string) string {
	v := url.Values{}
	for k, vals := range lr.next {
		v[k] = vals
	}
	v.Set("cursor", cursors.encode(lr.scope(), last))
	return "<" + path + "?" + v.Encode() + ">; rel=\"next\""
}

func filterNames(a filterAliases) []string {
	names := make([]string, 0, len(a))
	for k := range a {
		names = append(names, "filter["+k+"]")
	}
	sort.Strings(names)
	return names
}

func allEqual(vals []string) bool {
	for _, v := range vals {
		if v != vals[0] {
			return false
		}
	}
	return true
}

// single returns a parameter given once (or several times with one value).
func single(q url.Values, name string) (string, bool) {
	vals, ok := q[name]
	if !ok || len(vals) == 0 {
		return "", false
	}
	return vals[0], true
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v, ok := single(q, name)
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest(name, "must be an integer from %d to %d", lo, hi)
	}
	return n, nil
}

// profileFilter turns the canonical filter values into the domain filter.
// An empty value is a 400: a filter names a value to match, and the API
// never holds an empty name (it answers null).
func profileFilter(f map[string]string) (profile.Filter, error) {
	var out profile.Filter
	for k, v := range f {
		if v == "" {
			return out, badRequest("filter["+k+"]", "must not be empty: a filter names the value to match; leave it out to list every profile")
		}
		switch k {
		case "enabled":
			var b bool
			switch strings.ToLower(v) {
			case "1", "true":
				b = true
			case "0", "false":
			default:
				return out, badRequest("filter[enabled]", "must be 1, 0, true or false")
			}
			out.Enabled = &b
		case "firstName":
			out.FirstName = &v
		case "middleName":
			out.MiddleName = &v
		case "lastName":
			out.LastName = &v
		case "name":
			out.Name = &v
		case "uuid":
			out.UUID = &v
		case "email":
			e, ok := profile.NormalizeEmail(v)
			if !ok {
				return out, badRequest("filter[email]", "must be an email address")
			}
			out.Email = &e
		case "phone":
			ph, ok := profile.NormalizePhone(v)
			if !ok {
				return out, badRequest("filter[phone]", "must be a phone number in international form, such as +64271112222")
			}
			out.Phone = &ph
		}
	}
	return out, nil
}
