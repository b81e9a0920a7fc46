package profile

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Listing limits from the design card.
const (
	DefaultLimit = 10
	MaxLimit     = 100
	MaxOffset    = 10000
)

// ProfileSortFields are the sort_by values of GET /profiles; the first is the default.
var ProfileSortFields = []string{"createTime", "enabled", "firstName", "lastName", "middleName", "name", "profileId", "updateTime"}

// ContactSortFields are the sort_by values of GET /profiles/{id}/contacts; the first is the default.
var ContactSortFields = []string{"createTime", "updateTime", "key", "value"}

// keySep separates a sort value from the id that breaks ties. It sorts below
// every character a validated value may hold (control characters are
// rejected), so "ab" orders before "abc".
const keySep = "\x01"

// maxSortValueBytes keeps a sort key under DynamoDB's 1,024-byte limit for a
// sort key; values longer than this order by their first bytes, then by id.
const maxSortValueBytes = 900

// Fold is the case-insensitive form of a value used for sorting and filtering.
func Fold(s string) string {
	s = strings.ToLower(s)
	if len(s) <= maxSortValueBytes {
		return s
	}
	cut := maxSortValueBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// SortKey is the value that orders p for the sort field: the case-folded
// value, then the profileId, so the order is total. The store's list indexes
// hold exactly these values.
func SortKey(field string, p *Profile) string {
	switch field {
	case "createTime":
		return FormatTime(p.CreateTime) + keySep + p.ID
	case "updateTime":
		return FormatTime(p.UpdateTime) + keySep + p.ID
	case "enabled":
		if p.Enabled {
			return "1" + keySep + p.ID
		}
		return "0" + keySep + p.ID
	case "firstName":
		return Fold(p.FirstName) + keySep + p.ID
	case "middleName":
		return Fold(p.MiddleName) + keySep + p.ID
	case "lastName":
		return Fold(p.LastName) + keySep + p.ID
	case "name":
		return Fold(p.Name()) + keySep + p.ID
	case "profileId":
		return p.ID
	}
	panic("profile: unknown sort field " + field)
}

// EqualPrefix is the start every SortKey of field shares when the field's
// value equals value case-insensitively; it lets a store read only those.
func EqualPrefix(value string) string {
	return Fold(value) + keySep
}

// Filter selects profiles; every set field must match (AND).
type Filter struct {
	Enabled    *bool
	FirstName  *string
	MiddleName *string
	LastName   *string
	Name       *string
	UUID       *string
}

// NameFilters lists the set name filters as (sort field, value) pairs, in
// the order a store should prefer them as an index.
func (f Filter) NameFilters() [][2]string {
	var out [][2]string
	for _, nf := range []struct {
		field string
		v     *string
	}{{"name", f.Name}, {"lastName", f.LastName}, {"firstName", f.FirstName}, {"middleName", f.MiddleName}} {
		if nf.v != nil {
			out = append(out, [2]string{nf.field, *nf.v})
		}
	}
	return out
}

// Match reports whether p passes every set filter. Names compare
// case-insensitively and whole; uuid compares exactly.
func (f Filter) Match(p *Profile) bool {
	// ToLower, not EqualFold: a match must be exactly what the index's
	// ToLower-folded range (EqualPrefix) holds.
	eq := func(want *string, got string) bool {
		return want == nil || strings.ToLower(*want) == strings.ToLower(got) //lint:ignore SA6005 see above
	}
	return (f.Enabled == nil || *f.Enabled == p.Enabled) &&
		eq(f.FirstName, p.FirstName) && eq(f.MiddleName, p.MiddleName) &&
		eq(f.LastName, p.LastName) && eq(f.Name, p.Name()) &&
		(f.UUID == nil || *f.UUID == p.UUID)
}

// Page is the position and size of a list request.
type Page struct {
	Limit  int
	Offset int
	SortBy string
	Desc   bool
	After  string // the SortKey of the last item of the previous page, "" for the first page
}

// Before reports whether sort key a comes before b in the page's order.
func (pg Page) Before(a, b string) bool {
	if pg.Desc {
		return a > b
	}
	return a < b
}

// ListQuery is a request for a page of profiles.
type ListQuery struct {
	Page
	Filter Filter
}

// Result is one page of a listing: its items, whether more follow, and the
// sort key of its last item (the next page's After).
type Result[T any] struct {
	Items []T
	More  bool
	Last  string
}

// PageOf orders items by key in pg's order and cuts pg's page from them. It
// is the in-memory form of what the store does with its indexes.
func PageOf[T any](items []T, key func(T) string, pg Page) Result[T] {
	type keyed struct {
		k string
		v T
	}
	ks := make([]keyed, 0, len(items))
	for _, it := range items {
		k := key(it)
		if pg.After != "" && !pg.Before(pg.After, k) {
			continue
		}
		ks = append(ks, keyed{k, it})
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		switch {
		case a.k == b.k:
			return 0
		case pg.Before(a.k, b.k):
			return -1
		}
		return 1
	})
	if pg.Offset >= len(ks) {
		return Result[T]{Items: []T{}}
	}
	ks = ks[pg.Offset:]
	res := Result[T]{Items: make([]T, 0, min(pg.Limit, len(ks)))}
	for i, kv := range ks {
		if i == pg.Limit {
			res.More = true
			break
		}
		res.Items = append(res.Items, kv.v)
		res.Last = kv.k
	}
	return res
}

// ContactSortKey orders contacts for the sort field, ties broken by contactId.
func ContactSortKey(field string, c *Contact) string {
	switch field {
	case "createTime":
		return FormatTime(c.CreateTime) + keySep + c.ID
	case "updateTime":
		return FormatTime(c.UpdateTime) + keySep + c.ID
	case "key":
		return c.Key + keySep + c.ID
	case "value":
		return Fold(c.Value) + keySep + c.ID
	}
	panic("profile: unknown contact sort field " + field)
}

// ContactQuery is a request for a page of a profile's contacts.
type ContactQuery struct {
	Page
	Key *string
}

// ListContacts returns a page of p's contacts.
func ListContacts(p *Profile, q ContactQuery) Result[Contact] {
	matching := make([]Contact, 0, len(p.Contacts))
	for _, c := range p.Contacts {
		if q.Key == nil || *q.Key == c.Key {
			matching = append(matching, c)
		}
	}
	return PageOf(matching, func(c Contact) string { return ContactSortKey(q.SortBy, &c) }, q.Page)
}
