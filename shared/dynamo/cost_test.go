package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/meter"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/profile"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// load creates profiles [from, to) of equal size, so a page's read
// capacity depends only on how many items it reads.
func load(t *testing.T, s *dynamo.Store, from, to int) {
	t.Helper()
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				now := profile.Now()
				p, err := profile.New(profile.ProfileInput{ProfileChanges: profile.ProfileChanges{
					FirstName: profile.Field[string]{Set: true, Value: fmt.Sprintf("First%05d", i)},
					LastName:  profile.Field[string]{Set: true, Value: fmt.Sprintf("Last%05d", (i*7919)%100000)},
					Enabled:   profile.Field[bool]{Set: true, Value: i%4 != 0},
				}}, now)
				if err == nil {
					err = s.Create(context.Background(), p)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestListingCostDoesNotGrowWithTable shows that a page reads the same
// capacity at 100 and at 5,000 profiles: no Scan, no reading past the page.
func TestListingCostDoesNotGrowWithTable(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	stack := testenv.NewStack(t)
	store := stack.Store
	enabled := true
	queries := map[string]profile.ListQuery{
		"default sort":     {Page: profile.Page{Limit: 10, SortBy: "createTime"}},
		"lastName desc":    {Page: profile.Page{Limit: 10, SortBy: "lastName", Desc: true}},
		"offset 20":        {Page: profile.Page{Limit: 10, Offset: 20, SortBy: "firstName"}},
		"filter enabled=1": {Page: profile.Page{Limit: 10, SortBy: "name"}, Filter: profile.Filter{Enabled: &enabled}},
	}
	measure := func() map[string]float64 {
		out := map[string]float64{}
		for name, q := range queries {
			ctx, m := meter.Start(context.Background())
			res, err := store.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Items) != 10 || !res.More {
				t.Fatalf("%s: %d items, more=%v", name, len(res.Items), res.More)
			}
			u := m.Usage()
			if u.Read <= 0 || u.Total() == 0 {
				t.Fatalf("%s: no consumed capacity reported (%v units, %v calls)", name, u.Read, u.Calls)
			}
			out[name] = u.Read
		}
		return out
	}
	start := time.Now()
	load(t, store, 0, 100)
	small := measure()
	load(t, store, 100, 5000)
	t.Logf("loaded 5,000 profiles in %v", time.Since(start))
	large := measure()
	for name := range queries {
		t.Logf("%s: %.1f RCU at 100 profiles, %.1f at 5,000", name, small[name], large[name])
		if small[name] != large[name] {
			t.Errorf("%s: read capacity grew with the table: %.1f at 100 profiles, %.1f at 5,000", name, small[name], large[name])
		}
	}
}
