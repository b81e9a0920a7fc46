package dynamo

import "strings"

// The indexes of the table (template.yaml's GlobalSecondaryIndexes;
// TestIndexesMatchTemplate holds the two to each other).
//
// A list index per sort field, named by indexFor, orders profiles by the
// attribute of the same name (sortKey). Its partition key, listPK, is the
// profile's enabled state and shard (listPK()), so filter[enabled] reads
// only its own partitions and a listing merges the partitions it reads by
// sort key. Every list index is thin: the indexes of createTime and
// profileId hold only keys, byUpdateTime also the version the
// retention job deletes, and the indexes of the four names also the other
// sort values, so a name filter can be ordered by any field without reading
// a profile. A page is then fetched by key (BatchGetItem). A thin index is
// written only when its key or projected values change: adding a contact
// writes no list index at all.
const listPartitionAttr = "listPK"

// contactIndex finds contact items by their value (contactLookup); it holds
// only keys.
const (
	contactIndex      = "byContact"
	contactLookupAttr = "lookup"
)

// pagesIndex serves the pages an admin screen opens first, in one round
// trip: the default listing and sort_by=createTime (both enabled
// partitions, queried at once) and filter[enabled] with either (one). It is
// byCreateTime's keys with the whole profile item projected, so a page
// needs no BatchGetItem; it costs one more copy of the item on every write
// of a profile (docs/performance.md, "Cost model"). The thin byCreateTime
// index is no longer read; it stays in this version because CloudFormation
// adds or removes one index per stack update (docs/upgrading.md).
const pagesIndex = "pagesByCreateTime"

// listIndex is the index a listing sorted by field reads, and its sort key
// attribute.
func listIndex(field string) (index, attr string) {
	if field == "createTime" {
		return pagesIndex, indexFor(field)
	}
	return indexFor(field), indexFor(field)
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
