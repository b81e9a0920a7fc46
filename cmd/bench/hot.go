package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// hotWriters are the numbers of concurrent writers of one profile the
// "hot profile" section runs.
var hotWriters = []int{1, 8, 32, 64}

// hotProfile runs 1, 8, 32 and 64 concurrent writers on one profile, for
// PATCH and for a contact add then its removal, and reports throughput,
// p50, p99 and the 503s. Targets: no 503 at 64 writers, and throughput at
// 64 writers at least half of that at 8 (writes that commute do not
// refuse each other).
func hotProfile(ctx context.Context, e *env, rep *report, p *progress) error {
	const section = "hot profile"
	t := e.small
	perWriter := max(2, e.o.samples/64)
	for _, kind := range []string{"PATCH", "contact add + remove"} {
		rate := map[int]float64{}
		for _, n := range hotWriters {
			_, body, err := e.doBody(ctx, http.MethodPost, t.url, "/profiles", strings.NewReader(`{"firstName":"Hot"}`), http.StatusCreated)
			if err != nil {
				return err
			}
			var created struct{ ProfileID string }
			if err := json.Unmarshal(body, &created); err != nil {
				return err
			}
			path := "/profiles/" + created.ProfileID
			p.logf("hot profile: %d writers, %s, %d each", n, kind, perWriter)
			var (
				mu       sync.Mutex
				lat      latencies
				failures atomic.Int64 // 503s
				refused  atomic.Int64 // 4xx: a contact add beyond the 50-contact limit (64 writers), and the removal of a contact not added
				others   atomic.Int64 // no answer, or another 5xx
				wg       sync.WaitGroup
			)
			start := time.Now()
			for w := range n {
				wg.Go(func() {
					for i := range perWriter {
						ops := hotOps(kind, path, w, i)
						for _, op := range ops {
							began := time.Now()
							resp, body, err := e.doBody(ctx, op.method, t.url, op.path(), strings.NewReader(op.body), 0)
							if err != nil {
								others.Add(1)
								continue
							}
							switch {
							case resp.StatusCode == http.StatusServiceUnavailable:
								failures.Add(1)
							case resp.StatusCode >= 500:
								others.Add(1)
							case resp.StatusCode >= 300:
								refused.Add(1)
							}
							if op.after != nil {
								op.after(body)
							}
							mu.Lock()
							lat = append(lat, time.Since(began))
							mu.Unlock()
						}
					}
				})
			}
			wg.Wait()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			elapsed := time.Since(start)
			rate[n] = float64(len(lat)) / elapsed.Seconds()
			what := fmt.Sprintf("%s, %d writers: requests/s, p50 / p99, 503s", kind, n)
			result := fmt.Sprintf("%.0f/s, %s, %d", rate[n], pair(lat), failures.Load())
			if refused.Load() > 0 {
				result += fmt.Sprintf(" (%d 4xx: beyond the contact limit)", refused.Load())
			}
			if others.Load() > 0 {
				result += fmt.Sprintf(" (%d other failures)", others.Load())
			}
			if n == 64 {
				rep.check(section, what, result, "no 503", failures.Load() == 0 && others.Load() == 0)
			} else {
				rep.add(section, what, result)
			}
		}
		ratio := rate[64] / rate[8]
		rep.check(section, kind+": throughput at 64 writers ÷ at 8", times(ratio), "≥ ×0.5", ratio >= 0.5)
	}
	return nil
}

// hotOp is one request of a hot writer.
type hotOp struct {
	method, body string
	path         func() string // read when the request is sent: a removal names the contact the add made
	after        func(body []byte)
}

// hotOps are a writer's requests for one round: a PATCH of plain fields;
// or a contact add and then the removal of the contact it made.
func hotOps(kind, profilePath string, writer, round int) []hotOp {
	if kind == "PATCH" {
		return []hotOp{{method: http.MethodPatch, body: fmt.Sprintf(`{"middleName":"W%d-%d"}`, writer, round),
			path: func() string { return profilePath }}}
	}
	var contactID string
	return []hotOp{
		{method: http.MethodPost, body: fmt.Sprintf(`{"key":"phone","value":"+1555%03d%04d"}`, writer, round),
			path: func() string { return profilePath + "/contacts" },
			after: func(b []byte) {
				var c struct{ ContactID string }
				_ = json.Unmarshal(b, &c)
				contactID = c.ContactID
			}},
		{method: http.MethodDelete, path: func() string { return profilePath + "/contacts/" + contactID }},
	}
}
