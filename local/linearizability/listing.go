package linearizability

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
)

// listSorts are the sort fields of GET /profiles.
var listSorts = []string{"createTime", "updateTime", "firstName", "lastName", "middleName", "name", "profileId", "enabled"}

// Scan pages GET /profiles with a random sort, following each page's
// Link to the next, and returns what breaks docs/api.md's promises: a
// 5xx or another error, an id twice on one page, and a profile of still
// (which nothing changes during the scan) not seen exactly once across
// the pages.
func (a *API) Scan(ctx context.Context, rng *rand.Rand, still map[string]bool) (what string, broken []string) {
	q := url.Values{}
	q.Set("sort_by", pick(rng, listSorts))
	q.Set("sort_order", pick(rng, []string{"asc", "desc"}))
	q.Set("limit", fmt.Sprint(2+rng.IntN(5)))
	what = "GET /profiles?" + q.Encode()
	next := "/profiles?" + q.Encode()
	seen := map[string]int{}
	// A scan cut short (ctx ended) says nothing of the profiles after it.
	for page := 0; next != ""; page++ {
		ids, link, err := a.page(ctx, next)
		if ctx.Err() != nil {
			return what, nil
		}
		if errors.Is(err, errBusy) {
			// The database was busy (a fault mode's doing): docs/api.md
			// allows the 503; the scan says nothing.
			return what, nil
		}
		if err != nil {
			return what, append(broken, fmt.Sprintf("page %d: %v", page, err))
		}
		onPage := map[string]bool{}
		for _, id := range ids {
			if onPage[id] {
				broken = append(broken, fmt.Sprintf("page %d holds %s twice: %v", page, id, ids))
			}
			onPage[id] = true
			seen[id]++
		}
		next = link
	}
	for id := range still {
		if seen[id] != 1 {
			broken = append(broken, fmt.Sprintf("profile %s, unchanged throughout, was on the pages %d times", id, seen[id]))
		}
	}
	return what, broken
}

var errBusy = errors.New("503: the database was busy")

// page reads one page: its ids and the path of the next page ("" at the end).
func (a *API) page(ctx context.Context, path string) (ids []string, next string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.BaseURL+path, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Authorization", "Bearer "+a.AdminToken)
	resp, err := a.Client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode == http.StatusServiceUnavailable {
		return nil, "", errBusy
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("%s: %d %s", path, resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	var profiles []struct {
		ProfileID string `json:"profileId"`
	}
	if err := json.Unmarshal(raw, &profiles); err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	for _, p := range profiles {
		ids = append(ids, p.ProfileID)
	}
	if link := resp.Header.Get("Link"); link != "" {
		start, end := strings.IndexByte(link, '<'), strings.IndexByte(link, '>')
		if start < 0 || end < start || !strings.Contains(link, `rel="next"`) {
			return nil, "", fmt.Errorf("%s: Link %q", path, link)
		}
		next = link[start+1 : end]
	}
	return ids, next, nil
}
