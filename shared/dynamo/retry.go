package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/profiles-service/profiles/shared/metrics"
	"github.com/profiles-service/profiles/shared/profile"
)

// retryWrite runs write until it meets no transaction conflict and, when
// onChanged is nil, no concurrent change its condition refused; it waits a
// capped, fully jittered exponential backoff between tries, and gives up
// (ErrUnavailable: nothing landed) when too little time is left for
// another. When the version changed and onChanged is not nil, retryWrite
// returns onChanged at once.
func (s *Store) retryWrite(ctx context.Context, onChanged error, write func() error) error {
	deadline := s.budget.Deadline(ctx)
	for attempt := 1; ; attempt++ {
		err := write()
		switch {
		case errors.Is(err, errTxConflict):
			metrics.Add(ctx, metrics.WriteConflictRetried, 1)
		case errors.Is(err, errVersionChanged):
			if onChanged != nil {
				return onChanged
			}
			metrics.Add(ctx, metrics.WriteConflictRetried, 1)
		default:
			return err
		}
		pause := backoffDelay(attempt)
		if !s.budget.CanStart(s.budget.Until(deadline)-pause) || !wait(ctx, pause) {
			return fmt.Errorf("%w: the profile kept changing (%d tries)", profile.ErrUnavailable, attempt)
		}
	}
}

// onChanged is what a write returns when another one changed the profile
// first: ErrPreconditionFailed when the write was pinned to the version
// the client read, else nil (read again, retry).
func onChanged(pre profile.Precondition) error {
	if pre.Pinned() {
		return profile.ErrPreconditionFailed
	}
	return nil
}

// backoffDelay is the pause before another optimistic attempt: capped
// exponential backoff with full jitter (a random delay up to 4 ms, 8 ms,
// ... 256 ms), so many writers of one profile spread out instead of
// retrying in lockstep.
func backoffDelay(attempt int) time.Duration {
	return time.Duration(rand.Int64N(int64(2*time.Millisecond) << min(attempt, 7))) //nolint:gosec // G404: jitter needs spread, not unpredictability
}

// backoff waits backoffDelay, or until ctx ends.
func backoff(ctx context.Context, attempt int) error {
	if !wait(ctx, backoffDelay(attempt)) {
		return ctx.Err()
	}
	return nil
}

// wait pauses for d, or less when ctx ends first (the caller is gone, or
// its deadline came): it reports whether the whole pause passed.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
