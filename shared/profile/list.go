package profile

import (
	"slices"
	"strconv"
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

// MaxSortMatches is the most profiles a name filter may match when the
// page is sorted by another field: the store reads and orders all of them
// (thin index entries, not the profiles). A query matching more is a
// TooBroadError; sorting by the filtered field pages through any number.
const MaxSortMatches = 1000

// MaxContactMatches is the most profiles one filter[email] or filter[phone]
// may find: the store reads each of them to order and filter the page.
const MaxContactMatches = 100

// Filter selects profiles; every set field must match (AND).
type Filter struct {
	Enabled    *bool
	FirstName  *string
	MiddleName *string
	LastName   *string
	Name       *string
	UUID       *string
	Email      *string // normalised as stored (NormalizeEmail); compared case-insensitively
	Phone      *string // normalised as stored (NormalizePhone, E.164)
}

// NameFilter is a set name filter: the sort field of the name and its value.
type NameFilter struct {
	Field string
	Value string
}

// NameFilters lists the set name filters in the order a store should
// prefer them as an index.
func (f Filter) NameFilters() []NameFilter {
	var out []NameFilter
	for _, nf := range []struct {
		field string
		v     *string
	}{{"name", f.Name}, {"lastName", f.LastName}, {"firstName", f.FirstName}, {"middleName", f.MiddleName}} {
		if nf.v != nil {
			out = append(out, NameFilter{nf.field, *nf.v})
		}
	}
	return out
}

// Match reports whether p passes every set filter. Names compare
// case-insensitively and whole, uuid and phone exactly, and email
// case-insensitively (as duplicates are found, SameContactValue).
func (f Filter) Match(p *Profile) bool {
	// Fold, not EqualFold: a match must be exactly what a store's
	// Fold-ed index keys hold.
	eq := func(want *string, got string) bool {
		return want == nil || Fold(*want) == Fold(got)
	}
	return (f.Enabled == nil || *f.Enabled == p.Enabled) &&
		eq(f.FirstName, p.FirstName) && eq(f.MiddleName, p.MiddleName) &&
		eq(f.LastName, p.LastName) && eq(f.Name, p.Name()) &&
		(f.UUID == nil || *f.UUID == p.UUID) &&
		(f.Email == nil || p.findValue(KeyEmail, *f.Email) != nil) &&
		(f.Phone == nil || p.findValue(KeyPhone, *f.Phone) != nil)
}

// TooBroadError is a listing that would read more than a store reads for
// one request; Hint says how to narrow it.
type TooBroadError struct {
	Limit int
	Hint  string
}

func (e *TooBroadError) Error() string {
	return "the query matches more than " + strconv.Itoa(e.Limit) + " profiles: " + e.Hint
}

// Page is the position and size of a list request.
type Page struct {
	Limit  int
	Offset int
	SortBy string
	Desc   bool
	After  string // where the previous page ended (its Result.Last), "" for the first page
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

// contactKeySep separates a contact's sort value from the id that breaks
// ties; it sorts below every character a validated value may hold.
const contactKeySep = "\x01"

// ContactSortKey orders contacts for the sort field, case-insensitively,
// ties broken by contactId.
func ContactSortKey(field string, c *Contact) string {
	switch field {
	case "createTime":
		return FormatTime(c.CreateTime) + contactKeySep + c.ID
	case "updateTime":
		return FormatTime(c.UpdateTime) + contactKeySep + c.ID
	case "key":
		return c.Key + contactKeySep + c.ID
	case "value":
		return Fold(c.Value) + contactKeySep + c.ID
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
