package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/bulkload"
	"github.com/profiles-service/profiles/local/meter"
	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/profile"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// skewed is profile i of a table loaded with the distributions that made
// listings grow with the table before (issue 11): every profile enabled
// but the first; half of them sharing one lastName and all one middleName;
// a firstName, an email address and a uuid held by a fixed few whatever
// the size. Every value has a fixed width, so entries and items have one
// size and a page's read capacity depends only on how many it reads.
func skewed(i int, at time.Time) *profile.Profile {
	str := func(v string) profile.Field[string] { return profile.Field[string]{Set: true, Value: v} }
	last := fmt.Sprintf("Last%06d", i)
	if i%2 == 0 {
		last = "Shared"
	}
	first := fmt.Sprintf("First%05d", i)
	if i < 20 {
		first = "Annabel"
	}
	email := fmt.Sprintf("p%06d@cost.example", i)
	if i < 3 {
		email = "shared@cost.example"
	}
	in := profile.Input{
		Changes: profile.Changes{
			FirstName: str(first), MiddleName: str("Middle"), LastName: str(last),
			Enabled: profile.Field[bool]{Set: true, Value: i != 0},
		},
		Contacts: []profile.ContactChanges{
			{Key: str(profile.KeyEmail), Value: str(email)},
			{Key: str(profile.KeyPhone), Value: str(fmt.Sprintf("+6421%07d", i))},
		},
	}
	if i == 7 {
		in.UUID = str("uuid-0000007")
	}
	p, err := profile.New(in, at.Add(time.Duration(i)*time.Second))
	if err != nil {
		panic(err)
	}
	return p
}

// costQueries are the listings measured: every filter (with the skewed
// values above) and a few combinations, each with every sort field, both
// orders, on the first page, deep, and after a cursor.
func costQueries() map[string]profile.ListQuery {
	v := func(s string) *string { return &s }
	yes, no := true, false
	filters := map[string]profile.Filter{
		"none":                         {},
		"enabled=1 (all but one)":      {Enabled: &yes},
		"enabled=0 (one)":              {Enabled: &no},
		"firstName (20)":               {FirstName: v("annabel")},
		"lastName (half)":              {LastName: v("Shared")},
		"middleName (all)":             {MiddleName: v("MIDDLE")},
		"name (one)":                   {Name: v("First00031 Middle Last000031")},
		"uuid":                         {UUID: v("uuid-0000007")},
		"email (3)":                    {Email: v("shared@cost.example")},
		"phone (one)":                  {Phone: v("+64210000005")},
		"enabled=1 and lastName":       {Enabled: &yes, LastName: v("Shared")},
		"firstName and lastName":       {FirstName: v("Annabel"), LastName: v("Shared")},
		"enabled=0 and email":          {Enabled: &no, Email: v("shared@cost.example")},
		"firstName and email":          {FirstName: v("Annabel"), Email: v("shared@cost.example")},
		"middleName and firstName":     {MiddleName: v("Middle"), FirstName: v("Annabel")},
		"enabled=1, name and lastName": {Enabled: &yes, Name: v("First00031 Middle Last000031"), LastName: v("Last000031")},
	}
	out := map[string]profile.ListQuery{}
	for fname, f := range filters {
		for _, field := range profile.ProfileSortFields {
			for _, desc := range []bool{false, true} {
				order := "asc"
				if desc {
					order = "desc"
				}
				out[fmt.Sprintf("%s, sort_by=%s %s", fname, field, order)] = profile.ListQuery{
					Page: profile.Page{Limit: 10, SortBy: field, Desc: desc}, Filter: f}
			}
		}
	}
	out["deep offset, sort_by=createTime"] = profile.ListQuery{Page: profile.Page{Limit: 10, Offset: 900, SortBy: "createTime"}}
	out["deep offset, sort_by=lastName desc"] = profile.ListQuery{Page: profile.Page{Limit: 10, Offset: 900, SortBy: "lastName", Desc: true}}
	// Near the end of the smaller table: what follows the page must not
	// change what it reads.
	out["deep offset near the end of 2,200"] = profile.ListQuery{Page: profile.Page{Limit: 10, Offset: 2150, SortBy: "createTime"}}
	out["deep offset, lastName on its index"] = profile.ListQuery{Page: profile.Page{Limit: 10, Offset: 900, SortBy: "lastName"}, Filter: profile.Filter{LastName: v("Shared")}}
	out["limit 100, enabled=1, sort_by=name"] = profile.ListQuery{Page: profile.Page{Limit: 100, SortBy: "name"}, Filter: profile.Filter{Enabled: &yes}}
	return out
}

// measureWorkers is how many listings the cost test measures at once.
const measureWorkers = 4

// cost is what one listing read: its capacity, or that it was too broad.
type cost struct {
	units    float64
	tooBroad bool
	items    int
}

// TestListingCostDoesNotGrowWithTable: every listing reads the same
// capacity at 2,200 and at 4,400 profiles of the skewed distributions,
// first page and the page after its cursor, or is refused as too broad at
// both sizes, having read the same capacity at both (the cap's entries, not
// the table). No filter or sort reads
// more as the table grows.
func TestListingCostDoesNotGrowWithTable(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	stack := testenv.NewStack(t)
	store, bulk := stack.Store, bulkload.Store(stack.DB, stack.Config.TableName, 1)
	base := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	var all []*profile.Profile
	loadSkewed := func(from, to int) {
		batch := make([]*profile.Profile, 0, to-from)
		for i := from; i < to; i++ {
			batch = append(batch, skewed(i, base))
		}
		if err := bulkload.Load(context.Background(), bulk, batch); err != nil {
			t.Fatal(err)
		}
		all = append(all, batch...)
	}
	queries := costQueries()
	// The listings are measured a few at a time: each is metered on its
	// own context, and a 2-core machine serves several at once faster than
	// one after another.
	measure := func() map[string][2]cost {
		var mu sync.Mutex
		out := map[string][2]cost{}
		names := make(chan string)
		var wg sync.WaitGroup
		for range measureWorkers {
			wg.Go(func() {
				for name := range names {
					q := queries[name]
					var pair [2]cost
					failed := false
					for page := range 2 {
						ctx, m := meter.Start(context.Background())
						res, err := store.List(ctx, q)
						var tb *profile.TooBroadError
						switch {
						case errors.As(err, &tb):
							pair[page].tooBroad = true
						case err != nil:
							t.Errorf("%s: %v", name, err)
							failed = true
						}
						if failed {
							break
						}
						pair[page].units, pair[page].items = m.Usage().Read, len(res.Items)
						if err != nil || !res.More {
							break
						}
						q.After = res.Last
						q.Offset = 0
					}
					mu.Lock()
					out[name] = pair
					mu.Unlock()
				}
			})
		}
		for name := range queries {
			names <- name
		}
		close(names)
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		return out
	}
	start := time.Now()
	loadSkewed(0, 2200)
	t.Logf("loaded 2,200 profiles in %v", time.Since(start))
	small := measure()
	// The filters' answers on the same table, while it holds what all does.
	t.Run("SkewedFiltersFindExactlyTheirProfiles", func(t *testing.T) { skewedFiltersFindExactlyTheirProfiles(t, store, all) })
	start = time.Now()
	loadSkewed(2200, 4400)
	t.Logf("loaded 2,200 more in %v", time.Since(start))
	large := measure()
	broad := 0
	for name := range queries {
		s, l := small[name], large[name]
		if s != l {
			t.Errorf("%s: read %+v at 2,200 profiles, %+v at 4,400", name, s, l)
		}
		if s[0].tooBroad {
			broad++
		}
		if !s[0].tooBroad && s[0].units <= 0 {
			t.Errorf("%s: no read capacity reported", name)
		}
	}
	// The adversarial filters must be refused, not served by reading more:
	// half the table shares the lastName, all of it the middleName.
	for _, name := range []string{"lastName (half), sort_by=firstName asc", "middleName (all), sort_by=updateTime desc",
		"enabled=1 and lastName, sort_by=createTime asc", "firstName and lastName, sort_by=lastName asc"} {
		if !small[name][0].tooBroad {
			t.Errorf("%s: served (%+v); want it refused as too broad", name, small[name])
		}
	}
	for _, name := range []string{"lastName (half), sort_by=lastName asc", "middleName (all), sort_by=middleName desc",
		"firstName (20), sort_by=updateTime asc", "email (3), sort_by=name asc", "enabled=0 (one), sort_by=lastName desc"} {
		if small[name][0].tooBroad || small[name][0].items == 0 {
			t.Errorf("%s: %+v; want a page", name, small[name])
		}
	}
	t.Logf("%d listings measured at both sizes, %d of them refused as too broad at both", len(queries), broad)
}

// skewedFiltersFindExactlyTheirProfiles: on the skewed table (all, as
// stored), the email, phone and uuid look-ups and the name filters, alone
// and combined (with each other and with enabled), return exactly the
// profiles that hold the value, in order, across pages.
func skewedFiltersFindExactlyTheirProfiles(t *testing.T, store profile.Store, all []*profile.Profile) {
	v := func(s string) *string { return &s }
	no := false
	for name, f := range map[string]profile.Filter{
		"email, other case":   {Email: v("SHARED@cost.example")},
		"email and enabled":   {Email: v("shared@cost.example"), Enabled: &no},
		"phone and email":     {Phone: v("+64210000042"), Email: v("p000042@cost.example")},
		"phone, other email":  {Phone: v("+64210000042"), Email: v("p000043@cost.example")},
		"email of one":        {Email: v("p000042@cost.example")},
		"phone":               {Phone: v("+64210000042")},
		"uuid":                {UUID: v("uuid-0000007")},
		"firstName":           {FirstName: v("ANNABEL")},
		"firstName and email": {FirstName: v("annabel"), Email: v("shared@cost.example")},
		"email, no such":      {Email: v("nobody@cost.example")},
	} {
		if f.Email != nil {
			e, _ := profile.NormalizeEmail(*f.Email)
			f.Email = &e
		}
		for _, sortBy := range []string{"createTime", "name", "enabled"} {
			q := profile.ListQuery{Page: profile.Page{Limit: 7, SortBy: sortBy, Desc: true}, Filter: f}
			var got []profile.Profile
			for {
				res, err := store.List(context.Background(), q)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got = append(got, res.Items...)
				if !res.More {
					break
				}
				q.After = res.Last
			}
			q.Limit, q.After = 1000, ""
			want := pageOf(all, q)
			if g, w := ids(got), ids(want.Items); fmt.Sprint(g) != fmt.Sprint(w) {
				t.Errorf("%s, sort_by=%s: got %v, want %v", name, sortBy, g, w)
			}
		}
	}
}
