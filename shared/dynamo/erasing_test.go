package dynamo_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/budget"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/profile"
)

// TestAnErasureCutShortIsInNoListing: a profile whose erasure stopped
// after its mark (its removal failed) is in no listing: not those the page
// indexes serve (which project the profile but not the mark), not those
// of the thin indexes, with or without filter[enabled], and not those of
// a table whose page indexes are not there yet. A profile beside it is in
// each, so an empty listing passes nothing.
func TestAnErasureCutShortIsInNoListing(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	yes, last := true, "Erasable"
	queries := map[string]profile.ListQuery{
		"default (pagesByCreateTime)":         {Page: profile.Page{Limit: 10, SortBy: "createTime"}},
		"sort_by=lastName (pagesByLastName)":  {Page: profile.Page{Limit: 10, SortBy: "lastName"}},
		"filter[lastName] (pagesByLastName)":  {Page: profile.Page{Limit: 10, SortBy: "lastName"}, Filter: profile.Filter{LastName: &last}},
		"filter[enabled] (pagesByCreateTime)": {Page: profile.Page{Limit: 10, SortBy: "createTime"}, Filter: profile.Filter{Enabled: &yes}},
		"sort_by=firstName (thin)":            {Page: profile.Page{Limit: 10, SortBy: "firstName"}},
		"sort_by=enabled (thin)":              {Page: profile.Page{Limit: 10, SortBy: "enabled"}, Filter: profile.Filter{Enabled: &yes}},
	}
	for _, pages := range []bool{true, false} {
		t.Run(map[bool]string{true: "page indexes", false: "thin twins only"}[pages], func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			cfg := testenv.Config(t)
			proxy := testenv.NewFaultProxy(t, cfg.Endpoint)
			cfg.Endpoint = proxy.URL
			st := testenv.NewStackWith(t, cfg)
			if !pages {
				for _, index := range []string{"pagesByCreateTime", "pagesByLastName"} {
					dropIndex(ctx, t, st.DB, cfg.TableName, index)
				}
			}
			marked, beside := listed(t, st, last), listed(t, st, last)
			// A short budget: the erasure gives up on its removal soon.
			eraser := dynamo.New(st.DB, cfg.TableName, cfg.ListShards, dynamo.WithBudget(budget.Budget{Timeout: 2 * time.Second}))
			proxy.CutShort(t, eraser, marked.ID)
			for name, q := range queries {
				res, err := st.Store.List(ctx, q)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got := ids(res.Items)
				if slices.Contains(got, marked.ID) {
					t.Errorf("%s shows the profile whose erasure was cut short: %v", name, got)
				}
				if !slices.Contains(got, beside.ID) {
					t.Errorf("%s leaves out the profile beside it: %v", name, got)
				}
			}
		})
	}
}

// listed is an enabled profile of the last name, stored.
func listed(t *testing.T, st *testenv.Stack, last string) *profile.Profile {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	p := &profile.Profile{ID: profile.NewID(now), FirstName: "Lee", LastName: last, Enabled: true, Tags: []string{},
		CreateTime: now, UpdateTime: now, Version: 1}
	if err := st.Store.Create(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	return p
}
