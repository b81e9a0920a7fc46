package dynamo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/profiles-service/profiles/shared/profile"
)

// List returns a page of profiles. No request reads more than a bound set
// by the request itself (offset, limit) and the caps of package profile,
// whatever the size of the table:
//   - filter[uuid] reads the uuid marker: at most one profile;
//   - filter[email] or filter[phone] reads the contact index for the value:
//     at most profile.MaxContactMatches profiles;
//   - a name filter on the sort field reads that field's index from the
//     filtered value on, in order;
//   - another name filter reads the entries of that value from its index
//     (at most profile.MaxSortMatches) and orders them by the values they
//     carry;
//   - otherwise the sort field's index is read in order, from the cursor
//     on, until offset+limit+1 entries have been seen.
//
// filter[enabled] chooses the index partitions read. A page index's
// entries hold the profiles as a page returns them; a thin index's are keys
// and sort values, and the page's profiles are then read by key.
func (s *Store) List(ctx context.Context, q profile.ListQuery) (profile.Result[profile.Profile], error) {
	switch {
	case q.Filter.UUID != nil:
		return s.listByUUID(ctx, q)
	case q.Filter.Email != nil || q.Filter.Phone != nil:
		return s.listByContact(ctx, q)
	}
	names := q.Filter.NameFilters()
	for _, nf := range names {
		if nf.Field == q.SortBy {
			return s.listInOrder(ctx, q, &nf)
		}
	}
	if len(names) > 0 {
		return s.listMatches(ctx, q, names[0])
	}
	return s.listInOrder(ctx, q, nil)
}

// listByUUID reads the profile holding the uuid, if any.
func (s *Store) listByUUID(ctx context.Context, q profile.ListQuery) (profile.Result[profile.Profile], error) {
	id, err := s.profileIDByMarker(ctx, uuidField.prefix+*q.Filter.UUID)
	if err != nil || id == "" {
		return s.pageOf(nil, q), err
	}
	p, err := s.Get(ctx, id)
	if errors.Is(err, profile.ErrNotFound) {
		return s.pageOf(nil, q), nil
	}
	if err != nil {
		return profile.Result[profile.Profile]{}, err
	}
	return s.pageOf([]*profile.Profile{p}, q), nil
}

// listByContact reads the profiles that hold the email address or phone
// number: one query of the contact index, then the profiles themselves.
func (s *Store) listByContact(ctx context.Context, q profile.ListQuery) (profile.Result[profile.Profile], error) {
	lookup := contactLookup(profile.KeyPhone, deref(q.Filter.Phone))
	what := "filter[phone]"
	if q.Filter.Email != nil {
		lookup, what = contactLookup(profile.KeyEmail, *q.Filter.Email), "filter[email]"
	}
	ids, err := s.contactProfileIDs(ctx, lookup, profile.MaxContactMatches)
	if err != nil {
		return profile.Result[profile.Profile]{}, err
	}
	if len(ids) > profile.MaxContactMatches {
		return profile.Result[profile.Profile]{}, &profile.TooBroadError{Limit: profile.MaxContactMatches,
			Hint: what + " belongs to more than " + fmt.Sprint(profile.MaxContactMatches) + " profiles; look them up by filter[uuid] instead"}
	}
	found, err := s.getMany(ctx, ids)
	if err != nil {
		return profile.Result[profile.Profile]{}, err
	}
	ps := make([]*profile.Profile, 0, len(ids))
	for _, id := range ids {
		if p := found[id]; p != nil {
			ps = append(ps, p)
		}
	}
	return s.pageOf(ps, q), nil
}

// pageOf is the page of q among ps, those that pass q's filter.
func (s *Store) pageOf(ps []*profile.Profile, q profile.ListQuery) profile.Result[profile.Profile] {
	var matching []profile.Profile
	for _, p := range ps {
		if q.Filter.Match(p) {
			matching = append(matching, *p)
		}
	}
	return profile.PageOf(matching, func(p profile.Profile) string { return sortKey(q.SortBy, &p) }, q.Page)
}

// listMatches reads every entry of the first name filter's value from its
// index (at most profile.MaxSortMatches), keeps those that pass the other
// name filters, orders them by the values they carry and fetches the page.
func (s *Store) listMatches(ctx context.Context, q profile.ListQuery, nf profile.NameFilter) (profile.Result[profile.Profile], error) {
	prefix := equalPrefix(nf.Value)
	others := otherNames(q.Filter, nf.Field)
	var all []entry
	read := 0
	for _, pk := range s.partitions(q.Filter.Enabled) {
		index, attr := s.listIndex(nf.Field)
		c := &indexCursor{s: s, index: index, attr: attr, pk: pk, prefix: prefix}
		for {
			// One more than the cap tells a match too many.
			c.batch = batchSize(profile.MaxSortMatches + 1 - read)
			if err := c.fill(ctx); err != nil {
				return profile.Result[profile.Profile]{}, err
			}
			if c.done() {
				break
			}
			if read++; read > profile.MaxSortMatches {
				return profile.Result[profile.Profile]{}, &profile.TooBroadError{Limit: profile.MaxSortMatches,
					Hint: fmt.Sprintf("filter[%s] matches more than %d profiles, too many to sort by %s; sort_by=%s pages through any number, or add filters",
						nf.Field, profile.MaxSortMatches, q.SortBy, nf.Field)}
			}
			if e := c.pop(); matchesNames(e, others) {
				e.key = e.sortValue(q.SortBy)
				all = append(all, e)
			}
		}
	}
	res := profile.PageOf(firstOfEach(all, q.Page), func(e entry) string { return e.key }, q.Page)
	return s.fetchPage(ctx, q, res.Items, res.More)
}

// firstOfEach keeps, of the entries of one profile (an index that lags its
// table can hold it in both enabled partitions), the first in the page's
// order, as the merge of listInOrder does. Kept from before the cursor, it
// is left out of the pages after it, so no page repeats a profile that an
// earlier page showed.
func firstOfEach(es []entry, pg profile.Page) []entry {
	slices.SortStableFunc(es, func(a, b entry) int {
		switch {
		case a.key == b.key:
			return 0
		case pg.Before(a.key, b.key):
			return -1
		}
		return 1
	})
	seen := make(map[string]bool, len(es))
	out := es[:0]
	for _, e := range es {
		if !seen[e.id] {
			seen[e.id] = true
			out = append(out, e)
		}
	}
	return out
}

// fetchPage reads the page's profiles by key and returns them in the
// entries' order. An index lags its table a little: a profile deleted
// meanwhile is left out, as is one that no longer passes the filter (and,
// for a name longer than an index key keeps, one whose key only seemed to).
func (s *Store) fetchPage(ctx context.Context, q profile.ListQuery, page []entry, more bool) (profile.Result[profile.Profile], error) {
	res := profile.Result[profile.Profile]{Items: make([]profile.Profile, 0, len(page)), More: more}
	var ids []string
	found := make(map[string]*profile.Profile, len(page))
	for _, e := range page {
		if !e.full {
			ids = append(ids, e.id)
			continue
		}
		// A page index's entry holds the profile as a page returns it.
		p, err := decodeProfile(e.item)
		if err != nil {
			return res, err
		}
		found[e.id] = p
	}
	if len(ids) > 0 {
		more, err := s.getMany(ctx, ids)
		if err != nil {
			return res, err
		}
		maps.Copy(found, more)
	}
	for _, e := range page {
		if p := found[e.id]; p != nil && p.ID != "" && q.Filter.Match(p) {
			res.Items = append(res.Items, *p)
		}
		res.Last = e.key
	}
	return res, nil
}

// otherNames are the name filters not served by the index of field.
func otherNames(f profile.Filter, field string) []nameCheck {
	var out []nameCheck
	for _, nf := range f.NameFilters() {
		if nf.Field != field {
			out = append(out, nameCheck{attr: indexFor(nf.Field), prefix: equalPrefix(nf.Value)})
		}
	}
	return out
}

// nameCheck is a name filter checked on an index entry's projected sort value.
type nameCheck struct{ attr, prefix string }

func matchesNames(e entry, checks []nameCheck) bool {
	for _, c := range checks {
		if !strings.HasPrefix(stringAttr(e.item, c.attr), c.prefix) {
			return false
		}
	}
	return true
}

// partitions are the list partitions holding the profiles of the enabled
// state (both when nil), over every shard.
func (s *Store) partitions(enabled *bool) []string {
	states := []bool{false, true}
	if enabled != nil {
		states = []bool{*enabled}
	}
	var out []string
	for _, e := range states {
		for shard := range s.shards {
			out = append(out, listPK(e, shard))
		}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
