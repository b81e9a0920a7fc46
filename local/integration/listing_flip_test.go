package integration

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/apitest"
	"github.com/profiles-service/profiles/local/bulkload"
	"github.com/profiles-service/profiles/shared/profile"
)

// TestListingWhileEnabledFlips: clients list pages of 50 while others flip
// the enabled flag of the profiles listed. A profile that flips between the
// reads of the two enabled partitions is read in both (issue 25): no page
// may then answer a 5xx or hold a profile twice. The sorts read a page
// index (createTime, lastName) and thin indexes, whose pages are read by
// key (firstName, updateTime). The listers read a fixed number of pages,
// the flippers flip until they are done, so what is checked does not
// depend on the machine's speed (only how many flips land between two
// partitions' reads does).
func TestListingWhileEnabledFlips(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	// Written straight to the table: only their flags and names matter.
	var ps []*profile.Profile
	for i := range 30 {
		str := func(v string) profile.Field[string] { return profile.Field[string]{Set: true, Value: v} }
		p, err := profile.New(profile.Input{Changes: profile.Changes{
			FirstName: str([]string{"Ann", "Bob", "Cy"}[i%3]), LastName: str(fmt.Sprintf("Last%d", i%7)),
			Enabled: profile.Field[bool]{Set: true, Value: i%2 == 0},
		}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	cfg := a.stack.Config
	if err := bulkload.Load(context.Background(), bulkload.Store(a.stack.DB, cfg.TableName, cfg.ListShards), ps); err != nil {
		t.Fatal(err)
	}
	const listers, flippers, pagesEach = 4, 4, 12
	sorts := []string{"firstName", "updateTime", "lastName", "createTime"}
	type listed struct {
		c call
		r *response
	}
	var (
		mu      sync.Mutex
		pages   []listed
		errs    []error
		flipped int
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	done := make(chan struct{})
	var listing, flipping sync.WaitGroup
	for i := range flippers {
		flipping.Go(func() {
			for n := i; ; n += flippers {
				select {
				case <-done:
					return
				default:
				}
				p := ps[n%len(ps)]
				r, err := a.req("PATCH", "/profiles/"+p.ID, map[string]any{"enabled": n/len(ps)%2 == 0}).sendWith(t, http.DefaultClient)
				switch {
				case err != nil:
					fail(err)
					return
				case r.Status != http.StatusOK:
					fail(fmt.Errorf("PATCH %s: %d %s", p.ID, r.Status, r.Body))
					return
				}
				mu.Lock()
				flipped++
				mu.Unlock()
			}
		})
	}
	for i := range listers {
		listing.Go(func() {
			for n := range pagesEach {
				sortBy := sorts[(i+n)%len(sorts)]
				c := a.req("GET", "/profiles?limit=50&sort_by="+sortBy, nil)
				r, err := c.sendWith(t, http.DefaultClient)
				if err != nil {
					fail(err)
					return
				}
				mu.Lock()
				pages = append(pages, listed{c, r})
				mu.Unlock()
			}
		})
	}
	listing.Wait()
	close(done)
	flipping.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	repeated := 0
	for _, pg := range pages {
		if pg.r.Status != http.StatusOK {
			t.Errorf("%s: %d %s", pg.c, pg.r.Status, pg.r.Body)
			continue
		}
		var page []Profile
		pg.r.expect(t, http.StatusOK, &page)
		if got := apitest.IDs(page); len(slices.Compact(slices.Sorted(slices.Values(got)))) != len(got) {
			repeated++
			t.Errorf("%s: a profile twice on the page: %v", pg.c, got)
		}
	}
	t.Logf("%d pages listed while %d flips landed; %d pages held a profile twice", len(pages), flipped, repeated)
}
