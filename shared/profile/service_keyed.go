package profile

import (
	"context"
	"errors"
	"fmt"

	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/metrics"
)

// ErrKeyReused is an Idempotency-Key used before with another request.
var ErrKeyReused = errors.New("the Idempotency-Key was used with another request")

// ErrReplayedDeleted is a keyed request whose first run took effect, but
// what it made has been deleted since.
var ErrReplayedDeleted = errors.New("the resource this Idempotency-Key's request made was deleted since")

// Replay is the answer a keyed request gave the first time, with what it
// made as it is now: the first request's record (its Kind and Status) and,
// by kind, the profile, the contact or the erasure's receipt.
type Replay struct {
	Record  idempotency.Record
	Profile *Profile // KindProfile, KindUser, KindBatchItem
	Contact *Contact // KindContact
	Receipt Receipt  // KindErasure: as it was, for what is erased stays erased
}

// Keyed runs a request that carries an Idempotency-Key (once, its record)
// as Stripe's API does: the first request with a key runs (run, whose
// write takes once in its own transaction); a request whose key was used
// before answers as the first did (a Replay) without running again, and
// the same key with another request is ErrKeyReused.
//
// run's error decides: the write met the key's record (a concurrent or
// earlier duplicate: replay it), or was refused for a stored state (not
// found, a stale If-Match, a conflict) that the first request with the key
// may have caused or that followed it, so the key's record is read: a used
// key replays, an unused one answers run's error, and a record that cannot
// be read makes the answer outcome-unknown, never a 4xx that says a landed
// write did not happen.
//
// lookFirst is for a request whose effect is several writes (an erasure),
// so its record cannot go in one transaction with them: the key is looked
// up before run, and a used key runs nothing.
func (s *Service) Keyed(ctx context.Context, once *idempotency.Record, lookFirst bool, run func() error) (*Replay, error) {
	if lookFirst {
		switch used, err := s.keys.Lookup(ctx, once.Key, s.now()); {
		case err == nil:
			return s.replay(ctx, once, used)
		case !errors.Is(err, idempotency.ErrUnknownKey):
			return nil, err
		}
	}
	return s.settle(ctx, once, run())
}

// settle is what a keyed write's error (nil: it ran) answers: a Replay
// when the write met the key's record, or met a state that the key's first
// request may have caused (stateful, or errNothingChanged) and the key was
// used; else err (outcome-unknown when the record cannot be read).
func (s *Service) settle(ctx context.Context, once *idempotency.Record, err error) (*Replay, error) {
	var used *idempotency.UsedError
	switch {
	case errors.As(err, &used):
		return s.replay(ctx, once, used.Record)
	case !stateful(err) && !errors.Is(err, errNothingChanged):
		return nil, err
	}
	rec, lerr := s.keys.Lookup(ctx, once.Key, s.now())
	switch {
	case lerr == nil:
		return s.replay(ctx, once, rec)
	case errors.Is(lerr, idempotency.ErrUnknownKey):
		return nil, err
	}
	metrics.Add(ctx, metrics.WriteOutcomeUnknown, 1)
	// err and lerr as text only: the answer is outcome-unknown, not
	// whatever their kinds would make of it.
	return nil, fmt.Errorf("%w: the request met %q, and its Idempotency-Key's record could not be read: %v",
		ErrOutcomeUnknown, err, lerr) //nolint:errorlint // text only, as said above
}

// stateful errors depend on what is stored, not on the request alone.
func stateful(err error) bool {
	var ce *ConflictError
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrPreconditionFailed) || errors.As(err, &ce)
}

// errNothingChanged is an upsert of a keyed batch that found its profile
// holding its values already, which the item's first run may have written.
var errNothingChanged = errors.New("the matched profile holds the item's values already")

// replay is the Replay of a key's first request (used), read now; a 422
// (ErrKeyReused) when once is another request, ErrReplayedDeleted when
// what it made is gone.
func (s *Service) replay(ctx context.Context, once *idempotency.Record, used idempotency.Record) (*Replay, error) {
	if !once.SameRequest(used) {
		return nil, ErrKeyReused
	}
	r := &Replay{Record: used}
	var err error
	switch used.Kind {
	case idempotency.KindContact:
		r.Contact, err = s.GetContact(ctx, used.ProfileID, used.ContactID)
	case idempotency.KindProfile, idempotency.KindUser, idempotency.KindBatchItem:
		r.Profile, err = s.Get(ctx, used.ProfileID)
	case idempotency.KindErasure:
		r.Receipt = ReceiptOf(used.Erased, used.ErasedAt)
	default:
		err = fmt.Errorf("idempotency record of unknown kind %q", used.Kind)
	}
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", ErrReplayedDeleted, err)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}
