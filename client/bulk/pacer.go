package bulk

import (
	"context"
	"sync"
	"time"
)

// pacer spaces the batches so that rows go out at no more than a rate a
// second on average, and slows down while the service says it is busy.
// A nil pacer does not pace.
type pacer struct {
	mu   sync.Mutex
	most float64   // the rate asked for
	rate float64   // the rate now: most, or less after a 429 or 5xx
	next time.Time // when the next rows may go
}

func newPacer(rate float64) *pacer {
	if rate <= 0 {
		return nil
	}
	return &pacer{most: rate, rate: rate}
}

// wait waits for n rows' turn.
func (p *pacer) wait(ctx context.Context, n int) error {
	if p == nil {
		return ctx.Err()
	}
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	at := p.next
	p.next = at.Add(time.Duration(float64(n) / p.rate * float64(time.Second)))
	p.mu.Unlock()
	if d := time.Until(at); d > 0 {
		return sleep(ctx, d)
	}
	return ctx.Err()
}

// slow halves the rate, down to a sixteenth of what was asked.
func (p *pacer) slow() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate = max(p.rate/2, p.most/16)
}

// recover takes the rate back up a quarter, up to what was asked.
func (p *pacer) recover() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate = min(p.rate*1.25, p.most)
}
