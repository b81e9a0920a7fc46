package main

import (
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// call is one measured operation.
type call func(context.Context) error

// latencies are one series' durations.
type latencies []time.Duration

// quantile is the nearest-rank q-quantile (0 < q <= 1).
func (l latencies) quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func (l latencies) p50() time.Duration { return l.quantile(0.50) }
func (l latencies) p99() time.Duration { return l.quantile(0.99) }

// maxRounds is how many turns the series of a comparison take.
const maxRounds = 10

// interleave measures each call n times with conc concurrent callers. The
// calls take turns in rounds, a batch of each in an order that reverses
// every round, so a drift of the machine's speed falls on all of them
// alike. A warm-up batch of each runs first and is not counted.
func interleave(ctx context.Context, n, conc int, calls ...call) ([]latencies, error) {
	rounds := min(maxRounds, n)
	per := (n + rounds - 1) / rounds
	for _, c := range calls {
		if _, _, err := batch(ctx, max(2*conc, n/10), conc, c); err != nil {
			return nil, err
		}
	}
	out := make([]latencies, len(calls))
	order := make([]int, len(calls))
	for i := range order {
		order[i] = i
	}
	for range rounds {
		for _, i := range order {
			d, _, err := batch(ctx, per, conc, calls[i])
			if err != nil {
				return nil, err
			}
			out[i] = append(out[i], d...)
		}
		slices.Reverse(order)
	}
	return out, nil
}

// parallel runs do(ctx, i) for each i of 0 to n-1 on workers goroutines,
// each taking the next i when it is done; the first error stops the rest
// and is the answer (or the cause of ctx's end).
func parallel(ctx context.Context, n, workers int, do func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(max(workers, 1), n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := do(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// batch runs c m times on conc goroutines. It returns each call's duration
// and the wall time of the whole batch.
func batch(ctx context.Context, m, conc int, c call) (latencies, time.Duration, error) {
	d := make(latencies, m)
	start := time.Now()
	err := parallel(ctx, m, conc, func(ctx context.Context, i int) error {
		t := time.Now()
		if err := c(ctx); err != nil {
			return err
		}
		d[i] = time.Since(t)
		return nil
	})
	wall := time.Since(start)
	if err != nil {
		return nil, 0, err
	}
	return d, wall, nil
}
