package linearizability

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"

	"github.com/profiles-service/profiles/client"
	"github.com/profiles-service/profiles/shared/views"
)

// listSorts are the sort fields of GET /profiles.
var listSorts = []string{"createTime", "updateTime", "firstName", "lastName", "middleName", "name", "profileId", "enabled"}

// Scan pages GET /profiles with a random sort, with the client package,
// following each page's next link, and returns what breaks docs/api.md's
// promises: a 5xx or another error, an id twice on one page, and a profile
// of still (which nothing changes during the scan) not seen exactly once
// across the pages.
func (a *API) Scan(ctx context.Context, rng *rand.Rand, still map[string]bool) (what string, broken []string) {
	o := client.ListOptions{SortBy: pick(rng, listSorts), SortOrder: pick(rng, []string{"asc", "desc"}), Limit: 2 + rng.IntN(5)}
	q := url.Values{"sort_by": {o.SortBy}, "sort_order": {o.SortOrder}, "limit": {strconv.Itoa(o.Limit)}}
	what = "GET /profiles?" + q.Encode()
	// Each page is sent once: a 503 ends the scan, which a retry would hide.
	c := client.New(a.BaseURL, client.WithBearerToken(a.AdminToken), client.WithHTTPClient(a.Client), client.WithRetry(1))
	seen := map[string]int{}
	page, err := c.ListProfiles(ctx, o)
	// A scan cut short (ctx ended) says nothing of the profiles after it.
	for n := 0; ; n++ {
		var e *client.Error
		switch {
		case ctx.Err() != nil:
			return what, nil
		case errors.As(err, &e) && e.Status == http.StatusServiceUnavailable:
			// The database was busy (a fault mode's doing): docs/api.md
			// allows the 503; the scan says nothing.
			return what, nil
		case err != nil:
			return what, append(broken, fmt.Sprintf("page %d: %v", n, err))
		}
		onPage := map[string]bool{}
		for _, p := range page.Items {
			if onPage[p.ProfileID] {
				broken = append(broken, fmt.Sprintf("page %d holds %s twice: %v", n, p.ProfileID, ids(page.Items)))
			}
			onPage[p.ProfileID] = true
			seen[p.ProfileID]++
		}
		if page.Next == "" {
			break
		}
		page, err = c.NextProfiles(ctx, page.Next)
	}
	for id := range still {
		if seen[id] != 1 {
			broken = append(broken, fmt.Sprintf("profile %s, unchanged throughout, was on the pages %d times", id, seen[id]))
		}
	}
	return what, broken
}

// ids are the profiles' ids, in order.
func ids(profiles []views.Profile) []string {
	out := make([]string, len(profiles))
	for i, p := range profiles {
		out[i] = p.ProfileID
	}
	return out
}
