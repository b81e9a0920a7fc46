package dynamo

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/smithy-go"
)

// The indexes of the table (template.yaml's GlobalSecondaryIndexes;
// TestIndexesMatchTemplate holds the two to each other).
//
// A list index per sort field, named by indexFor, orders profiles by the
// attribute of the same name (sortKey). Its partition key, listPK, is the
// profile's enabled state and shard (listPK()), so filter[enabled] reads
// only its own partitions and a listing merges the partitions it reads by
// sort key. An erasure's mark moves the profile to a partition of its own
// (erasingPK()), which no listing reads. These list indexes are thin: the indexes of createTime and
// profileId hold only keys, byUpdateTime also the version the
// retention job deletes, and the indexes of the names also the other
// sort values, so a name filter can be ordered by any field without reading
// a profile. A page is then fetched by key (BatchGetItem). A thin index is
// written only when its key or projected values change. Two sort fields
// have a page index as well (pageIndexes), which a listing reads instead.
const listPartitionAttr = "listPK"

// contactIndex finds contact items by their value (contactLookup); it holds
// only keys.
const (
	contactIndex      = "byContact"
	contactLookupAttr = "lookup"
)

// The page indexes serve the pages an admin screen opens first, in one
// round trip: pagesByCreateTime the default listing and
// sort_by=createTime, pagesByLastName sort_by=lastName and filter[lastName]
// (both enabled partitions queried at once; one with filter[enabled]). Each
// has the keys of its thin twin (byCreateTime, byLastName) and projects what
// a page returns (profileAttributes; pagesByLastName also the other sort
// values, as byLastName), so a page needs no BatchGetItem; each costs a
// copy of that much of the item on every write of a profile
// (docs/performance.md, "Cost model").
//
// The thin twins are no longer read once their page index is ACTIVE. They
// stay in this version's template: CloudFormation adds or removes one index
// per stack update and does not wait for a new index to be built
// (docs/upgrading.md), so until then a listing reads the twin (pageIndexDown).
var pageIndexes = map[string]string{
	"createTime": "pagesByCreateTime",
	"lastName":   "pagesByLastName",
}

// isPageIndex tells a page index, whose entries hold what a page returns.
func isPageIndex(index string) bool {
	for _, p := range pageIndexes {
		if p == index {
			return true
		}
	}
	return false
}

// listIndex is the index a listing sorted (or filtered) by field reads,
// and its sort key attribute: the field's page index, unless it was found
// not ACTIVE lately, or else its thin index.
func (s *Store) listIndex(field string) (index, attr string) {
	attr = indexFor(field)
	if p, ok := pageIndexes[field]; ok && !s.pageIndexDown(p) {
		return p, attr
	}
	return attr, attr
}

// indexFor names the list index, and its sort key attribute, for a sort
// field. sort_by=enabled reads byProfileId: each of its partitions holds one
// enabled state in profileId order, and the merge puts the disabled
// partitions first (composeKey).
func indexFor(field string) string {
	if field == "enabled" {
		field = "profileId"
	}
	return "by" + strings.ToUpper(field[:1]) + field[1:]
}

// pageIndexRecheck is how long a page index found not ACTIVE goes unread
// before a listing tries it again.
const pageIndexRecheck = time.Minute

// pageIndexDown tells whether index was found not ACTIVE within the last
// pageIndexRecheck.
func (s *Store) pageIndexDown(index string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.downSince[index]
	return ok && s.budget.Now().Sub(at) < pageIndexRecheck
}

// pageIndexNotActive tells whether err is DynamoDB refusing a query of the
// page index because the table does not have it yet, or has not finished
// building it: both are a ValidationException naming the index ("The table
// does not have the specified index", "Cannot read from backfilling global
// secondary index"). If so, it notes the index as down, so listings read its
// thin twin for a while.
func (s *Store) pageIndexNotActive(ctx context.Context, index string, err error) bool {
	var apiErr smithy.APIError
	if !isPageIndex(index) || !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationException" ||
		!strings.Contains(apiErr.ErrorMessage(), index) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.downSince == nil {
		s.downSince = map[string]time.Time{}
	}
	s.downSince[index] = s.budget.Now()
	slog.WarnContext(ctx, "page index not active: listing from its thin twin", "index", index, "error", apiErr.ErrorMessage())
	return true
}
