package dynamo_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/local/bulkload"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/profile"
)

// TestListingTakesEachProfileOnceFromLaggingIndexes: an index that lags its
// table can hold a profile in both enabled partitions (a profile whose
// enabled flag flipped between the partitions' Queries is read in both).
// The table gets such entries as raw items: copies of profile items, under
// another SK, in the other enabled partition. Every listing then answers
// without error (BatchGetItem refuses a key given twice) and no page holds
// a profile twice. Where a copy carries the profile's own sort key, the
// pages are exactly those of the profiles in memory: full, and in order.
// Where it carries an old one (sort_by=enabled names the partition; an old
// updateTime), a page still holds distinct profiles in the order of the
// keys its cursor follows, and a walk shows every profile.
func TestListingTakesEachProfileOnceFromLaggingIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	ctx := context.Background()
	stack := testenv.NewStack(t)
	table := stack.Config.TableName
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var all []*profile.Profile
	for i := range 9 {
		str := func(v string) profile.Field[string] { return profile.Field[string]{Set: true, Value: v} }
		p, err := profile.New(profile.Input{Changes: profile.Changes{
			FirstName: str([]string{"Ann", "Bob", "ann"}[i%3]),
			LastName:  str(fmt.Sprintf("Last%d", (i*5)%9)),
			Enabled:   profile.Field[bool]{Set: true, Value: i%2 == 0},
		}}, base.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p)
	}
	if err := bulkload.Load(ctx, bulkload.Store(stack.DB, table, stack.Config.ListShards), all); err != nil {
		t.Fatal(err)
	}
	// Profiles 0 (Ann, enabled) and 3 (Bob, disabled) were also read in
	// the other partition with their keys; profile 2 (ann, enabled) also
	// with the updateTime it had an hour before.
	lagging := map[string]bool{}
	for _, c := range []struct {
		i      int
		change func(map[string]types.AttributeValue)
	}{
		{0, nil},
		{3, nil},
		{2, func(it map[string]types.AttributeValue) {
			old := all[2].UpdateTime.Add(-time.Hour)
			it["updateTime"] = &types.AttributeValueMemberS{Value: profile.FormatTime(old)}
			it["byUpdateTime"] = &types.AttributeValueMemberS{Value: profile.FormatTime(old) + "\x01" + all[2].ID}
		}},
	} {
		putStaleCopy(ctx, t, stack.DB, table, all[c.i].ID, c.change)
		lagging[all[c.i].ID] = true
	}

	ann := "ANN"
	filters := []profile.Filter{{}, {FirstName: &ann}}
	var checks []func() error
	for _, desc := range []bool{false, true} {
		for _, f := range filters {
			// A page index, a thin index, a name filter on its own index
			// (firstName) and on another's (name: the firstName entries,
			// ordered by name).
			for _, sortBy := range []string{"createTime", "lastName", "firstName", "name"} {
				for _, pg := range [][2]int{{20, 0}, {2, 1}} {
					q := profile.ListQuery{Page: profile.Page{Limit: pg[0], Offset: pg[1], SortBy: sortBy, Desc: desc}, Filter: f}
					checks = append(checks, func() error { return walkTwoPages(ctx, stack.Store, all, q) })
				}
			}
			for _, sortBy := range []string{"enabled", "updateTime"} {
				q := profile.ListQuery{Page: profile.Page{Limit: 2, SortBy: sortBy, Desc: desc}, Filter: f}
				checks = append(checks, func() error { return walkDistinctPages(ctx, stack.Store, all, lagging, q) })
			}
		}
	}
	// A few listings at a time: each compares only its own pages.
	errs := make([]error, len(checks))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, check := range checks {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = check()
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// putStaleCopy writes a copy of profile id's item under another SK, in the
// other enabled partition of the list indexes, changed by change (when not
// nil): what an index that lags its table answers for a profile whose
// enabled flag flipped.
func putStaleCopy(ctx context.Context, t *testing.T, db *dynamodb.Client, table, id string, change func(map[string]types.AttributeValue)) {
	t.Helper()
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "PROFILE#" + id}, "SK": &types.AttributeValueMemberS{Value: "PROFILE"},
	}})
	if err != nil || out.Item == nil {
		t.Fatalf("profile %s: %v", id, err)
	}
	it := out.Item
	enabled := it["enabled"].(*types.AttributeValueMemberBOOL).Value
	listPK := it["listPK"].(*types.AttributeValueMemberS).Value
	from, to := "PROFILES#0#", "PROFILES#1#"
	if enabled {
		from, to = to, from
	}
	if !strings.HasPrefix(listPK, from) {
		t.Fatalf("profile %s, enabled=%v, is in list partition %s", id, enabled, listPK)
	}
	it["SK"] = &types.AttributeValueMemberS{Value: "STALE-INDEX-ENTRY"}
	it["listPK"] = &types.AttributeValueMemberS{Value: to + strings.TrimPrefix(listPK, from)}
	it["enabled"] = &types.AttributeValueMemberBOOL{Value: !enabled}
	if change != nil {
		change(it)
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: it}); err != nil {
		t.Fatal(err)
	}
}

// walkDistinctPages follows q's cursor to the end: no page holds a profile
// twice, each page is in the order of its cursor (its last key after the
// previous page's), a page is full when more follow, and the walk shows
// every profile that passes q's filter, once, or twice when it is one of
// lagging (its stale entry may sit on another page than its own).
func walkDistinctPages(ctx context.Context, store *dynamo.Store, all []*profile.Profile, lagging map[string]bool, q profile.ListQuery) error {
	seen := map[string]int{}
	for page := 1; ; page++ {
		got, err := store.List(ctx, q)
		if err != nil {
			return fmt.Errorf("%+v, page %d: %w", q, page, err)
		}
		if g := ids(got.Items); len(slices.Compact(slices.Sorted(slices.Values(g)))) != len(g) {
			return fmt.Errorf("%+v, page %d holds a profile twice: %v", q, page, g)
		}
		if got.More && len(got.Items) != q.Limit {
			return fmt.Errorf("%+v, page %d: %d profiles and more follow", q, page, len(got.Items))
		}
		if q.After != "" && got.Last != "" && !q.Before(q.After, got.Last) {
			return fmt.Errorf("%+v, page %d: its cursor %q does not follow %q", q, page, got.Last, q.After)
		}
		for _, p := range got.Items {
			seen[p.ID]++
		}
		if !got.More {
			break
		}
		if page > len(all) {
			return fmt.Errorf("%+v: more than %d pages", q, page)
		}
		q.Offset, q.After = 0, got.Last
	}
	for _, p := range all {
		n := seen[p.ID]
		switch {
		case !q.Filter.Match(p) && n > 0:
			return fmt.Errorf("%+v: %s, which the filter does not match, shown", q, p.ID)
		case q.Filter.Match(p) && (n == 0 || n > 1 && !lagging[p.ID]):
			return fmt.Errorf("%+v: %s shown %d times", q, p.ID, n)
		}
	}
	return nil
}
