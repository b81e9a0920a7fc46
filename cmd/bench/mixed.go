package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
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
	share int // percent
}

var mixedKinds = []mixedKind{
	{"GET /profiles/{id}", 60},
	{"GET /profiles?limit=10&sort_by=lastName", 20},
	{"PATCH /profiles/{id} (50 hot profiles)", 15},
	{"POST /profiles", 5},
}

// mixedLoad runs 64 clients for a while (30 s; a few in -smoke) on the
// small table: 60% GET of a profile, 20% a page sorted by lastName, 15%
// PATCH of one of 50 hot profiles, 5% create. It reports the throughput,
// each kind's p50 and p99, the 503s, and the targets: list p50 within ×2
// of GET p50 under the same load, and no 503.
func mixedLoad(ctx context.Context, e *env, rep *report, p *progress) error {
	const section = "mixed load"
	t := e.small
	_, body, err := e.doBody(ctx, http.MethodGet, t.url, "/profiles?limit=100", nil, http.StatusOK)
	if err != nil {
		return err
	}
	var page []struct{ ProfileID string }
	if err := json.Unmarshal(body, &page); err != nil {
		return err
	}
	ids := make([]string, len(page))
	for i, pr := range page {
		ids[i] = pr.ProfileID
	}
	if len(ids) < 2 {
		return fmt.Errorf("mixed load: %d profiles to read", len(ids))
	}
	hot := ids[:min(mixedHot, len(ids))]
	duration := 30 * time.Second
	if e.o.smoke {
		duration = 2 * time.Second
	}
	p.logf("mixed load: %d clients for %v", mixedClients, duration)
	var (
		mu    sync.Mutex
		lat   = make([]latencies, len(mixedKinds))
		n503  = make([]int, len(mixedKinds))
		other = make([]int, len(mixedKinds))
		wg    sync.WaitGroup
	)
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
				resp, _, err := e.doBody(lctx, method, t.url, path, body, 0)
				took := time.Since(began)
				if lctx.Err() != nil {
					return // cut by the end of the run: not counted
				}
				mu.Lock()
				switch {
				case err != nil:
					other[k]++
				case resp.StatusCode == http.StatusServiceUnavailable:
					n503[k]++
				case resp.StatusCode != want:
					other[k]++
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
	for k, kind := range mixedKinds {
		total += len(lat[k]) + n503[k] + other[k]
		all503 += n503[k]
		allOther += other[k]
		rep.add(section, kind.name+fmt.Sprintf(" (%d%%): p50 / p99, answered", kind.share), fmt.Sprintf("%s, %d", pair(lat[k]), len(lat[k])))
	}
	rep.add(section, fmt.Sprintf("throughput, %d clients, %v", mixedClients, duration), fmt.Sprintf("%.0f requests/s", float64(total)/elapsed.Seconds()))
	ratio := ratioOf(lat[1].p50(), lat[0].p50())
	rep.check(section, "list p50 ÷ GET p50 under the same load", times(ratio), "≤ ×2", ratio <= 2)
	rep.check(section, "503s (other failures)", fmt.Sprintf("%d (%d)", all503, allOther), "0", all503 == 0 && allOther == 0)
	return nil
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
