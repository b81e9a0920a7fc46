// Package budget holds a request's time budget: how long a request may
// take, what it keeps back to answer, what a write needs to start and to
// settle, and the clock all of it is read on. The config builds it once,
// at cold start; the handler, the service and the store read the same
// value. It imports no AWS package, so the domain can use it.
package budget

import (
	"context"
	"fmt"
	"time"
)

// Budget is the time a request may spend and how it is shared out. Its
// zero fields take their defaults (Filled).
type Budget struct {
	// Timeout bounds each request (REQUEST_TIMEOUT), below the Lambda
	// timeout, so a slow database gives a 503 in time rather than a killed
	// function. A write without a deadline of its own gets it too.
	Timeout time.Duration
	// Margin is kept back from the Lambda's deadline so the function
	// answers before Lambda kills it, after the store's read-back (ReadBack)
	// of a write that settled at the request's deadline.
	Margin time.Duration
	// MinStart is the least time left for a write to start an attempt: the
	// attempt and the settling of its outcome both need time.
	MinStart time.Duration
	// MinResend is the least time left to send a write's call again.
	MinResend time.Duration
	// CallTimeout is the longest one write call is waited for; a call
	// without an answer by then has an unknown outcome and is sent again.
	CallTimeout time.Duration
	// ReadBack is the least time the read that answers a commuting write
	// gets, past the request's deadline when the write settled late.
	ReadBack time.Duration
	// Now is the clock: of the deadlines (it must tell the time contexts'
	// deadlines are set in) and of the times the service and the store
	// write. time.Now when nil; a test that fakes it sets its deadlines
	// from it too, or none.
	Now func() time.Time
}

// The defaults of a Budget's fields.
const (
	DefaultTimeout     = 8 * time.Second
	DefaultMargin      = 1500 * time.Millisecond
	DefaultMinStart    = 300 * time.Millisecond
	DefaultMinResend   = 50 * time.Millisecond
	DefaultCallTimeout = 2 * time.Second
	DefaultReadBack    = time.Second
)

// Default is the budget with every default: what REQUEST_TIMEOUT unset gives.
func Default() Budget { return Budget{}.Filled() }

// Filled is b with each zero field set to its default.
func (b Budget) Filled() Budget {
	fill := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	fill(&b.Timeout, DefaultTimeout)
	fill(&b.Margin, DefaultMargin)
	fill(&b.MinStart, DefaultMinStart)
	fill(&b.MinResend, DefaultMinResend)
	fill(&b.CallTimeout, DefaultCallTimeout)
	fill(&b.ReadBack, DefaultReadBack)
	if b.Now == nil {
		b.Now = time.Now
	}
	return b
}

// Check tells what makes b unusable: a write must be able to start within
// the timeout and to resend within what it starts with, and the margin
// must hold the read-back that may run past the request's deadline.
func (b Budget) Check() error {
	b = b.Filled()
	switch {
	case b.Timeout < 0 || b.Margin < 0 || b.MinStart < 0 || b.MinResend < 0 || b.CallTimeout < 0 || b.ReadBack < 0:
		return fmt.Errorf("a time budget's durations must be positive: %+v", b)
	case b.Timeout <= b.MinStart:
		return fmt.Errorf("the request timeout (%v) must be more than the %v a write needs to start", b.Timeout, b.MinStart)
	case b.MinResend > b.MinStart:
		return fmt.Errorf("the least time to resend a write (%v) must not be more than the least to start one (%v)", b.MinResend, b.MinStart)
	case b.ReadBack >= b.Margin:
		return fmt.Errorf("the margin kept before the Lambda's deadline (%v) must be more than the read-back it holds (%v)", b.Margin, b.ReadBack)
	}
	return nil
}

// Until is the time left before t on the budget's clock.
func (b Budget) Until(t time.Time) time.Duration { return t.Sub(b.now()) }

// RequestTimeout is the time a request served in ctx may take: Timeout, or
// less when ctx's deadline (the Lambda's) minus Margin comes sooner.
func (b Budget) RequestTimeout(ctx context.Context) time.Duration {
	b = b.Filled()
	if d, ok := ctx.Deadline(); ok {
		if left := b.Until(d) - b.Margin; left < b.Timeout {
			return max(left, 0)
		}
	}
	return b.Timeout
}

// Deadline is when the work of ctx must have its answer: ctx's deadline,
// or Timeout from now when it has none.
func (b Budget) Deadline(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	b = b.Filled()
	return b.now().Add(b.Timeout)
}

// Left is the time left before ctx's Deadline.
func (b Budget) Left(ctx context.Context) time.Duration { return b.Until(b.Deadline(ctx)) }

// CanStart tells whether a write attempt may start with left time left.
func (b Budget) CanStart(left time.Duration) bool { return left >= b.Filled().MinStart }

// AttemptTimeout is how long a write's first call is waited for with left
// time left: CallTimeout, or half the time left when that is less, so the
// other half is kept for settling its outcome.
func (b Budget) AttemptTimeout(left time.Duration) time.Duration {
	return min(b.Filled().CallTimeout, left/2)
}

// CanResend tells whether a write's call may be sent again, after pause,
// with left time left.
func (b Budget) CanResend(left, pause time.Duration) bool { return left-pause >= b.Filled().MinResend }

// ResendTimeout is how long a call sent again after pause, with left time
// left, is waited for: CallTimeout, or what is left after the pause less
// half of MinResend (for the answer).
func (b Budget) ResendTimeout(left, pause time.Duration) time.Duration {
	b = b.Filled()
	return min(b.CallTimeout, left-pause-b.MinResend/2)
}

// ReadBackTimeout is the time the read that answers a write gets: what is
// left of ctx's budget, and at least ReadBack.
func (b Budget) ReadBackTimeout(ctx context.Context) time.Duration {
	return max(b.Left(ctx), b.Filled().ReadBack)
}

func (b Budget) now() time.Time {
	if b.Now == nil {
		return time.Now()
	}
	return b.Now()
}
