// Package retention is the scheduled job that deletes profiles that have
// been disabled and untouched (neither they nor their contacts changed) for
// a number of days, and finishes every erasure that was cut short.
package retention

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/profiles-service/profiles/shared/budget"
	"github.com/profiles-service/profiles/shared/profile"
)

// Store is what the job needs of the profiles' store.
type Store interface {
	// DisabledBefore pages through the disabled profiles untouched since
	// cutoff (what Purge deletes), oldest first; after is the previous
	// page's last key ("" to start), and the key returned is "" when no
	// more follow.
	DisabledBefore(ctx context.Context, cutoff time.Time, limit int32, after string) ([]profile.Disabled, string, error)
	// Purge deletes a profile found, if it is still at the version found
	// and neither it nor any of its contacts changed since cutoff;
	// otherwise it is ErrPreconditionFailed.
	Purge(ctx context.Context, d profile.Disabled, cutoff time.Time) error
	// CutShortErasures pages through the profiles whose erasure was cut
	// short at now (marked, the mark's deadline past), enabled or
	// disabled; after and the key returned are as DisabledBefore's.
	CutShortErasures(ctx context.Context, now time.Time, limit int32, after string) ([]string, string, error)
	// FinishErasure completes the erasure marked on the profile, and
	// erases nothing unmarked (ErrNotFound: nothing to finish, which the
	// run counts as skipped).
	FinishErasure(ctx context.Context, id string) error
}

// Summary is the one structured line a run logs, and its result.
type Summary struct {
	DryRun     bool   `json:"dryRun"`
	Cutoff     string `json:"cutoff,omitempty"`
	Examined   int    `json:"examined"` // the candidates: disabled profiles and erasures cut short
	Deleted    int    `json:"deleted"`  // with dryRun: would delete
	Skipped    int    `json:"skipped"`  // re-enabled or updated since it was found
	Finished   int    `json:"finished"` // erasures cut short, finished; with dryRun: would finish
	Errors     int    `json:"errors"`
	Complete   bool   `json:"complete"` // false: stopped before its time ran out; the next run continues
	DurationMs int64  `json:"durationMs"`
	Disabled   bool   `json:"disabled,omitempty"` // RETENTION_DAYS is 0: no purge, the erasures still finished
}

// Job deletes profiles disabled and untouched for Days days, and finishes
// every erasure cut short (its process died after the mark), enabled or
// disabled. With Days 0 it only finishes the erasures.
type Job struct {
	Store Store
	Days  int
	// Margin is the time kept back before the context's deadline (the
	// Lambda's) for the summary: no read or purge runs into it.
	Margin time.Duration
	// PurgeTimeout is each purge's share of the run's time, settling an
	// unknown outcome included (defaultPurgeTimeout when 0): a purge ends
	// within it, and one starts only with its whole share left before the
	// margin, so a purge whose outcome stays unknown cannot take the
	// summary's time.
	PurgeTimeout time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// defaultPurgeTimeout is a purge's share without PurgeTimeout: the
// default request budget (lambdaapp sets PurgeTimeout to the config's).
const defaultPurgeTimeout = budget.DefaultTimeout

// pageSize is how many candidates one index query returns.
const pageSize = 100

// Run finishes the erasures cut short, then purges; with dryRun it counts
// what it would finish and delete, and changes nothing. A profile changed
// since it was found (re-enabled or updated) is skipped: the delete is
// conditioned on the version found.
func (j Job) Run(ctx context.Context, dryRun bool) (sum Summary) {
	now := time.Now
	if j.Now != nil {
		now = j.Now
	}
	start := time.Now()
	sum.DryRun = dryRun
	defer func() {
		sum.DurationMs = time.Since(start).Milliseconds()
		slog.InfoContext(ctx, "retention purge", "summary", sum)
	}()
	// RETENTION_DAYS=0 turns the purge off, not the erasures: each was
	// asked for.
	sum.Disabled = j.Days <= 0
	cutoff := now().Add(-time.Duration(j.Days) * 24 * time.Hour)
	if !sum.Disabled {
		sum.Cutoff = profile.FormatTime(cutoff)
	}
	// Reads stop at the margin too.
	readCtx := ctx
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		readCtx, cancel = context.WithDeadline(ctx, deadline.Add(-j.Margin))
		defer cancel()
	}
	// The erasures cut short go first: each was asked for, and they are few.
	finish := func(id string) error {
		if dryRun {
			return nil
		}
		return j.withShare(ctx, func(ctx context.Context) error { return j.Store.FinishErasure(ctx, id) })
	}
	cutShort := func(after string) ([]string, string, error) {
		return j.Store.CutShortErasures(readCtx, now(), pageSize, after)
	}
	if !each(ctx, j, &sum, "finish an erasure cut short", &sum.Finished, cutShort, func(id string) string { return id }, finish) {
		return sum
	}
	if sum.Disabled {
		sum.Complete = true
		return sum
	}
	purge := func(d profile.Disabled) error {
		if dryRun {
			return nil
		}
		return j.withShare(ctx, func(ctx context.Context) error { return j.Store.Purge(ctx, d, cutoff) })
	}
	disabled := func(after string) ([]profile.Disabled, string, error) {
		return j.Store.DisabledBefore(readCtx, cutoff, pageSize, after)
	}
	sum.Complete = each(ctx, j, &sum, "delete", &sum.Deleted, disabled, func(d profile.Disabled) string { return d.ID }, purge)
	return sum
}

// each pages through the candidates read gives and acts on each, counting
// it in done, or in sum's Skipped (changed since found) or Errors; it
// tells whether it went through them all before the run's time ran out.
func each[T any](ctx context.Context, j Job, sum *Summary, what string, done *int,
	read func(after string) ([]T, string, error), idOf func(T) string, act func(T) error) bool {
	after := ""
	for {
		if j.outOfTime(ctx) {
			return false
		}
		page, next, err := read(after)
		if err != nil {
			sum.Errors++
			slog.ErrorContext(ctx, "retention purge: read candidates", "error", err.Error())
			return false
		}
		for _, c := range page {
			if j.outOfTime(ctx) {
				return false
			}
			sum.Examined++
			switch err := act(c); {
			case err == nil:
				*done++
			case errors.Is(err, profile.ErrPreconditionFailed), errors.Is(err, profile.ErrNotFound):
				sum.Skipped++
			default:
				sum.Errors++
				slog.ErrorContext(ctx, "retention purge: "+what, "profileId", idOf(c), "error", err.Error())
			}
		}
		if next == "" {
			return true
		}
		after = next
	}
}

// withShare runs one write (a purge, a finish) within its share of the
// run's time.
func (j Job) withShare(ctx context.Context, write func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, j.share())
	defer cancel()
	return write(ctx)
}

func (j Job) share() time.Duration {
	if j.PurgeTimeout > 0 {
		return j.PurgeTimeout
	}
	return defaultPurgeTimeout
}

// outOfTime tells whether the run must stop: its context is done, or less
// than a purge's share is left before the margin.
func (j Job) outOfTime(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	deadline, ok := ctx.Deadline()
	return ok && time.Until(deadline) < j.Margin+j.share()
}

// Event is what the function accepts: EventBridge's scheduled event (whose
// detail is empty), or {"dryRun": true} from a manual invoke.
type Event struct {
	DryRun bool `json:"dryRun"`
	Detail struct {
		DryRun bool `json:"dryRun"`
	} `json:"detail"`
}

// Handler is the RetentionPurge Lambda handler. A run that met errors
// fails (after logging its summary), so Lambda counts an error, retries the
// scheduled event and finally sends it to the dead-letter queue: the
// alarms see it. A run that stopped for time without errors succeeds; the
// next one goes on.
func (j Job) Handler(ctx context.Context, raw json.RawMessage) (Summary, error) {
	var ev Event
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &ev); err != nil {
			return Summary{}, err
		}
	}
	sum := j.Run(ctx, ev.DryRun || ev.Detail.DryRun)
	if sum.Errors > 0 {
		return sum, fmt.Errorf("retention purge: %d of %d profiles could not be deleted (see the log)", sum.Errors, sum.Examined)
	}
	return sum, nil
}
