package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The mixed load: what an admin screen and its users do at once.
const (
	mixedClients = 64
	mixedHot     = 50 // the profiles the PATCHes share
)

// mixedKind is one kind of request of the mixed load, with its share.
type mixedKind struct {
	name  string
	short string // in the list of failures
	share int    // percent
}

var mixedKinds = []mixedKind{
	{"GET /profiles/{id}", "get", 60},
	{"GET /profiles?limit=10&sort_by=lastName", "list", 20},
	{"PATCH /profiles/{id} (50 hot profiles)", "patch", 15},
	{"POST /profiles", "post", 5},
}

// mixedSection is the mixed load's section of the table.
const mixedSection = "mixed load"

// mixedLoad is the mixed load on the small table's API.
func mixedLoad(ctx context.Context, e *env, rep *report, p *progress) error {
	return mixed(ctx, e, e.small.url, rep, p)
}

// mixed runs 64 clients for -mixed-duration (30 s; 2 s in -smoke) on the
// API at base: 60% GET of a profile, 20% a page sorted by lastName, 15%
// PATCH of one of 50 hot profiles, 5% create. It reports the throughput,
// each kind's p50 and p99, the 503s, and the targets: list p50 within ×2
// of GET p50 under the same load, and no 503. The profiles it reads are
// the first 100 the API lists.
func mixed(ctx context.Context, e *env, base string, rep *report, p *progress) error {
	ids, err := listIDs(ctx, e, base, 100)
	if err != nil {
		return err
	}
	if len(ids) < 2 {
		return fmt.Errorf("mixed load: %d profiles to read", len(ids))
	}
	hot := ids[:min(mixedHot, len(ids))]
	duration := e.o.mixedTime
	p.logf("mixed load: %d clients for %v on %s", mixedClients, duration, base)
	var (
		mu    sync.Mutex
		lat   = make([]latencies, len(mixedKinds))
		n503  = make([]int, len(mixedKinds))
		other = make([]map[int]int, len(mixedKinds)) // by status, 0 for no answer
		wg    sync.WaitGroup
	)
	for k := range other {
		other[k] = map[int]int{}
	}
	lctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	start := time.Now()
	for c := range mixedClients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(c), 1)) //nolint:gosec // G115: c is 0 to mixedClients-1
			for i := 0; lctx.Err() == nil; i++ {
				k := pick(r.IntN(100))
				method, path, body, want := mixedRequest(k, r, ids, hot, c, i)
				began := time.Now()
				resp, answer, err := e.doBody(lctx, method, base, path, body, 0)
				took := time.Since(began)
				if lctx.Err() != nil {
					return // cut by the end of the run: not counted
				}
				mu.Lock()
				switch {
				case err != nil:
					other[k][0]++
					if other[k][0] == 1 {
						p.logf("mixed load: %s %s: %v", method, path, err)
					}
				case resp.StatusCode == http.StatusServiceUnavailable:
					n503[k]++
				case resp.StatusCode != want:
					other[k][resp.StatusCode]++
					if other[k][resp.StatusCode] == 1 {
						p.logf("mixed load: %s %s: %d (want %d): %.300s", method, path, resp.StatusCode, want, answer)
					}
				default:
					lat[k] = append(lat[k], took)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	total, all503, allOther := 0, 0, 0
	var failures []string
	for k, kind := range mixedKinds {
		failed := 0
		for _, status := range slices.Sorted(maps.Keys(other[k])) {
			failed += other[k][status]
			label := strconv.Itoa(status)
			if status == 0 {
				label = "no answer"
			}
			failures = append(failures, fmt.Sprintf("%s %s×%d", kind.short, label, other[k][status]))
		}
		total += len(lat[k]) + n503[k] + failed
		all503 += n503[k]
		allOther += failed
		rep.add(mixedSection, kind.name+fmt.Sprintf(" (%d%%): p50 / p99, answered", kind.share), fmt.Sprintf("%s, %d", pair(lat[k]), len(lat[k])))
	}
	rep.add(mixedSection, fmt.Sprintf("throughput, %d clients, %v", mixedClients, duration), fmt.Sprintf("%.0f requests/s", float64(total)/elapsed.Seconds()))
	ratio := ratioOf(lat[1].p50(), lat[0].p50())
	rep.check(mixedSection, "list p50 ÷ GET p50 under the same load", times(ratio), "≤ ×2", ratio <= 2)
	result := fmt.Sprintf("%d (%d)", all503, allOther)
	if len(failures) > 0 {
		result = fmt.Sprintf("%d (%d: %s)", all503, allOther, strings.Join(failures, ", "))
	}
	rep.check(mixedSection, "503s (other failures)", result, "0", all503 == 0 && allOther == 0)
	return nil
}

// listIDs is the ids of the first n profiles GET /profiles lists at base.
func listIDs(ctx context.Context, e *env, base string, n int) ([]string, error) {
	_, body, err := e.doBody(ctx, http.MethodGet, base, "/profiles?limit="+strconv.Itoa(n), nil, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var page []struct{ ProfileID string }
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("GET /profiles?limit=%d: %w", n, err)
	}
	ids := make([]string, len(page))
	for i, pr := range page {
		ids[i] = pr.ProfileID
	}
	return ids, nil
}

// pick is the kind a roll of 0–99 falls on.
func pick(roll int) int {
	for k, kind := range mixedKinds {
		if roll < kind.share {
			return k
		}
		roll -= kind.share
	}
	return 0
}

// mixedRequest is one request of kind k.
func mixedRequest(k int, r *rand.Rand, ids, hot []string, client, i int) (method, path string, body io.Reader, want int) {
	switch k {
	case 0:
		return http.MethodGet, "/profiles/" + ids[r.IntN(len(ids))], nil, http.StatusOK
	case 1:
		return http.MethodGet, "/profiles?limit=10&sort_by=lastName", nil, http.StatusOK
	case 2:
		return http.MethodPatch, "/profiles/" + hot[r.IntN(len(hot))],
			strings.NewReader(fmt.Sprintf(`{"middleName":"M%d-%d"}`, client, i)), http.StatusOK
	default:
		return http.MethodPost, "/profiles", strings.NewReader(fmt.Sprintf(`{"firstName":"Mixed","lastName":"L%d-%d"}`, client, i)), http.StatusCreated
	}
}
