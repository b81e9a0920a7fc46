package main

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/profiles-service/profiles/client"
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
	ids, err := listIDs(ctx, e.setupClient(base), 100)
	if err != nil {
		return err
	}
	if len(ids) < 2 {
		return fmt.Errorf("mixed load: %d profiles to read", len(ids))
	}
	hot := ids[:min(mixedHot, len(ids))]
	api := e.apiClient(base)
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
				send := mixedRequest(api, k, r, ids, hot, c, i)
				began := time.Now()
				err := send(lctx)
				took := time.Since(began)
				if lctx.Err() != nil {
					return // cut by the end of the run: not counted
				}
				mu.Lock()
				switch status := statusOf(err); {
				case err == nil:
					lat[k] = append(lat[k], took)
				case status == http.StatusServiceUnavailable:
					n503[k]++
				default: // status 0: no answer
					other[k][status]++
					if other[k][status] == 1 {
						p.logf("mixed load: %s: %.300v", mixedKinds[k].name, err)
					}
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

// listIDs is the ids of the first n profiles GET /profiles lists.
func listIDs(ctx context.Context, c *client.Client, n int) ([]string, error) {
	page, err := c.ListProfiles(ctx, client.ListOptions{Limit: n})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(page.Items))
	for i, pr := range page.Items {
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

// mixedRequest is request i of client n, of kind k. Its POST sends no
// Idempotency-Key (noKey).
func mixedRequest(c *client.Client, k int, r *rand.Rand, ids, hot []string, n, i int) call {
	switch k {
	case 0:
		id := ids[r.IntN(len(ids))]
		return func(ctx context.Context) error { _, err := c.GetProfile(ctx, id); return err }
	case 1:
		return func(ctx context.Context) error {
			_, err := c.ListProfiles(ctx, client.ListOptions{Limit: 10, SortBy: "lastName"})
			return err
		}
	case 2:
		id := hot[r.IntN(len(hot))]
		return func(ctx context.Context) error {
			_, err := c.PatchProfile(ctx, id, client.ProfileInput{MiddleName: client.Value(fmt.Sprintf("M%d-%d", n, i))}, nil)
			return err
		}
	default:
		return func(ctx context.Context) error {
			_, err := c.CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Mixed"), LastName: client.Value(fmt.Sprintf("L%d-%d", n, i))}, noKey)
			return err
		}
	}
}
