package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/profiles-service/profiles/client"
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
			// Not measured: created keyed, retried (setupClient).
			created, err := e.setupClient(t.url).CreateProfile(ctx, client.ProfileInput{FirstName: client.Value("Hot")}, nil)
			if err != nil {
				return err
			}
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
						for _, op := range hotOps(t.client, kind, created.ProfileID, w, i) {
							began := time.Now()
							switch status := statusOf(op(ctx)); {
							case status == 0:
								others.Add(1)
								continue
							case status == http.StatusServiceUnavailable:
								failures.Add(1)
							case status >= 500:
								others.Add(1)
							case status >= 300:
								refused.Add(1)
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

// hotOps are a writer's requests for one round: a PATCH of plain fields;
// or a contact add (with no Idempotency-Key, noKey) and then the removal
// of the contact it made.
func hotOps(c *client.Client, kind, profileID string, writer, round int) []call {
	if kind == "PATCH" {
		return []call{func(ctx context.Context) error {
			_, err := c.PatchProfile(ctx, profileID, client.ProfileInput{MiddleName: client.Value(fmt.Sprintf("W%d-%d", writer, round))}, nil)
			return err
		}}
	}
	var contactID string // the add's contact; "" when it was refused, which makes the removal a 4xx
	return []call{
		func(ctx context.Context) error {
			ct, err := c.CreateContact(ctx, profileID, client.ContactInput{Key: client.Value("phone"),
				Value: client.Value(fmt.Sprintf("+1555%03d%04d", writer, round))}, noKey)
			if err == nil {
				contactID = ct.ContactID
			}
			return err
		},
		func(ctx context.Context) error { return c.DeleteContact(ctx, profileID, contactID, nil) },
	}
}
