package dynamo_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/local/bulkload"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/local/wait"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/profile"
)

// TestListingMatchesPageOfOnEveryShardCount: with one shard and with
// several (each index partition split by enabled state and shard, read
// concurrently, merged), every page and the page after its cursor hold
// what profile.PageOf cuts from all profiles in memory: plain and enabled
// pages merged across partitions, a name filter ordered by another field,
// and the email look-up. So does a table whose page indexes are not there
// yet (a stack whose update is still adding them): its listings read the
// thin twins.
func TestListingMatchesPageOfOnEveryShardCount(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var all []*profile.Profile
	for i := range 90 {
		str := func(v string) profile.Field[string] { return profile.Field[string]{Set: true, Value: v} }
		p, err := profile.New(profile.Input{Changes: profile.Changes{
			FirstName: str([]string{"Ann", "bob", "Cy", "ann"}[i%4]),
			LastName:  str(fmt.Sprintf("Last%02d", (i*37)%23)),
			Enabled:   profile.Field[bool]{Set: true, Value: i%3 != 0},
		}, Contacts: []profile.ContactChanges{{Key: str(profile.KeyEmail), Value: str(fmt.Sprintf("p%d@shard.example", i%7))}}},
			base.Add(time.Duration(i/2)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p)
	}
	yes, no, last, ann, email := true, false, "last07", "ANN", "p3@shard.example"
	var queries []profile.ListQuery
	for _, sortBy := range []string{"createTime", "lastName", "firstName", "enabled", "updateTime"} {
		for _, desc := range []bool{false, true} {
			// Pages of one (a partition's head at a time), with an offset
			// (skipped across the merge), and of all 90 (every partition whole).
			for _, pg := range [][2]int{{1, 0}, {25, 13}, {100, 0}} {
				for _, f := range []profile.Filter{{}, {Enabled: &yes}, {Enabled: &no}, {FirstName: &ann},
					{FirstName: &ann, Enabled: &no}, {Email: &email}, {LastName: &last, FirstName: &ann}} {
					queries = append(queries, profile.ListQuery{Page: profile.Page{Limit: pg[0], Offset: pg[1], SortBy: sortBy, Desc: desc}, Filter: f})
				}
			}
		}
	}
	queries = append(queries, profile.ListQuery{Page: profile.Page{Limit: 3, SortBy: "lastName"}, Filter: profile.Filter{LastName: &last, Enabled: &yes}})
	ctx := context.Background()
	for _, tc := range []struct {
		shards int
		pages  bool
	}{{1, true}, {5, true}, {1, false}} {
		shards := tc.shards
		t.Run(fmt.Sprintf("shards=%d,pages=%v", shards, tc.pages), func(t *testing.T) {
			t.Parallel()
			cfg := testenv.Config(t)
			cfg.ListShards = shards
			stack := testenv.NewStackWith(t, cfg)
			store := stack.Store
			if !tc.pages {
				for _, index := range []string{"pagesByCreateTime", "pagesByLastName"} {
					dropIndex(ctx, t, stack.DB, cfg.TableName, index)
				}
			}
			if err := bulkload.Load(ctx, bulkload.Store(stack.DB, cfg.TableName, shards), all); err != nil {
				t.Fatal(err)
			}
			// A few listings at a time: each compares only its own pages.
			qs := make(chan profile.ListQuery)
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for q := range qs {
						if err := walkTwoPages(ctx, store, all, q); err != nil {
							t.Errorf("%d shards: %v", shards, err)
						}
					}
				})
			}
			for _, q := range queries {
				if t.Failed() {
					break
				}
				qs <- q
			}
			close(qs)
			wg.Wait()
		})
	}
}

// dropIndex deletes a global secondary index of the table (one per
// UpdateTable, as DynamoDB allows).
func dropIndex(ctx context.Context, t *testing.T, db *dynamodb.Client, table, index string) {
	t.Helper()
	_, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: &table,
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: &index}}}})
	if err != nil {
		t.Fatal(err)
	}
	// DynamoDB deletes one index of a table at a time: the next UpdateTable
	// waits until this one is gone, not only until the table is ACTIVE.
	wait.For(t, "the table ACTIVE without "+index, func() (bool, string) {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
		if err != nil {
			return false, err.Error()
		}
		seen := string(out.Table.TableStatus)
		for _, g := range out.Table.GlobalSecondaryIndexes {
			if aws.ToString(g.IndexName) == index {
				return false, seen + ", " + index + " " + string(g.IndexStatus)
			}
		}
		return out.Table.TableStatus == types.TableStatusActive, seen
	})
}

// walkTwoPages compares a listing's first page, and the page after its
// cursor, with what pageOf cuts from all.
func walkTwoPages(ctx context.Context, store *dynamo.Store, all []*profile.Profile, q profile.ListQuery) error {
	for page := 1; page <= 2; page++ {
		got, err := store.List(ctx, q)
		if err != nil {
			return err
		}
		want := pageOf(all, q)
		if !slices.Equal(ids(got.Items), ids(want.Items)) || got.More != want.More || got.Last != want.Last {
			return fmt.Errorf("%+v, page %d:\n got %v more=%v\nwant %v more=%v", q, page, ids(got.Items), got.More, ids(want.Items), want.More)
		}
		if !got.More {
			return nil
		}
		q.Offset, q.After = 0, got.Last
	}
	return nil
}

func pageOf(all []*profile.Profile, q profile.ListQuery) profile.Result[profile.Profile] {
	var matching []profile.Profile
	for _, p := range all {
		if q.Filter.Match(p) {
			matching = append(matching, *p)
		}
	}
	return profile.PageOf(matching, func(p profile.Profile) string { return dynamo.SortKey(q.SortBy, &p) }, q.Page)
}

func ids(ps []profile.Profile) []string {
	out := make([]string, len(ps))
	for i := range ps {
		out[i] = ps[i].ID
	}
	return out
}
