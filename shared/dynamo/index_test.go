package dynamo

import (
	"slices"
	"testing"

	"github.com/profiles-service/profiles/local/samtemplate"
	"github.com/profiles-service/profiles/shared/profile"
)

// TestIndexesMatchTemplate holds the indexes the store reads to
// template.yaml's: a list index per sort field, keyed by the list partition
// and the sort key of its name; the projections a listing relies on (a name
// index carries every other sort value, byUpdateTime the version the
// retention job deletes at); the contact look-up index. No other index.
func TestIndexesMatchTemplate(t *testing.T) {
	tpl, err := samtemplate.FindAndLoad(".")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]samtemplate.Index{}
	for _, ix := range tpl.Table.GlobalSecondaryIndexes {
		got[ix.IndexName] = ix
	}
	names := []string{"firstName", "middleName", "lastName", "name"}
	want := map[string]bool{contactIndex: true}
	// The other sort values a name index carries, so a name filter can be
	// ordered by any field from its entries.
	otherSortValues := func(index string) []string {
		var out []string
		for _, other := range profile.ProfileSortFields {
			if o := indexFor(other); o != index && other != "enabled" && other != "profileId" && !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
		return out
	}
	checkProjection := func(index string, ix samtemplate.Index, projected []string) {
		t.Helper()
		projected = slices.Sorted(slices.Values(projected))
		has := slices.Sorted(slices.Values(ix.Projection.NonKeyAttributes))
		if !slices.Equal(has, projected) || (len(projected) == 0) != (ix.Projection.ProjectionType == "KEYS_ONLY") {
			t.Errorf("%s projects %s %v, want %v", index, ix.Projection.ProjectionType, has, projected)
		}
	}
	// The page indexes: their thin twin's keys, and what a page returns
	// (profileAttributes); a name's also the other sort values.
	for field, index := range pageIndexes {
		want[index] = true
		ix, ok := got[index]
		if !ok || len(ix.KeySchema) != 2 || ix.KeySchema[0].AttributeName != listPartitionAttr || ix.KeySchema[1].AttributeName != indexFor(field) {
			t.Errorf("%s is %+v, want keyed by %s and %s", index, ix, listPartitionAttr, indexFor(field))
			continue
		}
		projected := slices.Clone(profileAttributes)
		if slices.Contains(names, field) {
			projected = append(projected, otherSortValues(indexFor(field))...)
		}
		checkProjection(index, ix, projected)
	}
	for _, field := range profile.ProfileSortFields {
		index := indexFor(field)
		want[index] = true
		ix, ok := got[index]
		if !ok {
			t.Errorf("sort_by=%s reads %s, which template.yaml does not define", field, index)
			continue
		}
		if len(ix.KeySchema) != 2 || ix.KeySchema[0].AttributeName != listPartitionAttr || ix.KeySchema[1].AttributeName != index {
			t.Errorf("%s's keys are %+v, want %s and %s", index, ix.KeySchema, listPartitionAttr, index)
		}
		var projected []string
		switch {
		case slices.Contains(names, field):
			projected = otherSortValues(index)
		case index == "byUpdateTime":
			projected = []string{"version"}
		}
		checkProjection(index, ix, projected)
	}
	if ix := got[contactIndex]; len(ix.KeySchema) != 1 || ix.KeySchema[0].AttributeName != contactLookupAttr || ix.Projection.ProjectionType != "KEYS_ONLY" {
		t.Errorf("%s is %+v, want keyed by %s, keys only", contactIndex, ix, contactLookupAttr)
	}
	for name := range got {
		if !want[name] {
			t.Errorf("template.yaml defines %s, which the store never reads", name)
		}
	}
}
