package dynamo_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/bulkload"
	"github.com/profiles-service/profiles/local/meter"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/profile"
)

// TestDeepOffsetRefillsByWhatIsStillNeeded: a deep page whose entries all
// sit in one partition, while the other partitions' first Queries buffered
// entries that come after it, costs a few Queries per partition, not one
// per entry it still lacks. Issue 25's case (11,000 disabled profiles older
// than the enabled ones, offset=10000) in small: 55 disabled profiles, all
// in shard 0 of 4, older than 60 enabled ones, 15 in each shard. The page
// at offset 40 needs 51 entries; the first Query of each of the 8
// partitions reads 14, so the disabled partition of shard 0 lacks 37 after
// its first. Refills sized by what the request may still examine minus
// what the other partitions hold made those 37 Queries of one entry each.
func TestDeepOffsetRefillsByWhatIsStillNeeded(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	ctx := context.Background()
	const shards, disabled, enabledPerShard = 4, 55, 15
	cfg := testenv.Config(t)
	cfg.ListShards = shards
	stack := testenv.NewStackWith(t, cfg)
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var all []*profile.Profile
	inShard := map[int]int{}
	for len(all) < disabled+shards*enabledPerShard {
		enabled := len(all) >= disabled
		p, err := profile.New(profile.Input{Changes: profile.Changes{Enabled: profile.Field[bool]{Set: true, Value: enabled}}},
			base.Add(time.Duration(len(all))*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		shard := dynamo.ShardOf(p.ID, shards)
		if enabled && inShard[shard] < enabledPerShard || !enabled && shard == 0 {
			all = append(all, p)
			if enabled {
				inShard[shard]++
			}
		}
	}
	if err := bulkload.Load(ctx, bulkload.Store(stack.DB, cfg.TableName, shards), all); err != nil {
		t.Fatal(err)
	}
	for _, sortBy := range []string{"createTime", "updateTime"} { // a page index, a thin one
		q := profile.ListQuery{Page: profile.Page{Limit: 10, Offset: 40, SortBy: sortBy}}
		mctx, m := meter.Start(ctx)
		got, err := stack.Store.List(mctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if want := pageOf(all, q); !slices.Equal(ids(got.Items), ids(want.Items)) || got.More != want.More {
			t.Errorf("sort_by=%s: got %v more=%v\nwant %v more=%v", sortBy, ids(got.Items), got.More, ids(want.Items), want.More)
		}
		// One Query of each partition, and a refill or two of the one that
		// holds the page: at most two per partition on average.
		n, most := m.Usage().Calls["Query"], 2*2*shards
		if n > most {
			t.Errorf("sort_by=%s, offset=%d: %d Queries, want at most %d", sortBy, q.Offset, n, most)
		}
		t.Logf("sort_by=%s, offset=%d: %d Queries", sortBy, q.Offset, n)
	}
}
