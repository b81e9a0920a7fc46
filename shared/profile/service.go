package profile

import (
	"context"
	"errors"
	"time"

	"github.com/profiles-service/profiles/shared/budget"
	"github.com/profiles-service/profiles/shared/idempotency"
)

// Service runs the use cases of profiles, their contacts and the user view
// over a Store. It owns what a use case decides beyond one aggregate: the
// clock of the times it writes, the preconditions (a contact's If-Match; a
// profile's it hands to the store, whose write is conditioned on the
// version it read), the Idempotency-Key's replays and the ids its record
// keeps (Keyed), the user's create-or-update, batches and erasures.
// Callers pass typed values: HTTP stays in the api, the table in the store.
type Service struct {
	store Store
	keys  idempotency.Store
	now   func() time.Time
}

// NewService returns the use cases over store, with keys the records of
// used Idempotency-Keys (nil where no route takes one), within the
// request's time budget b, writing times from b's clock at the API's
// precision (tests pass a clock that moves only when told).
func NewService(store Store, keys idempotency.Store, b budget.Budget) *Service {
	b = b.Filled()
	return &Service{store: store, keys: keys, now: func() time.Time { return b.Now().UTC().Truncate(time.Second) }}
}

// Now is the service's clock: the time the next write records.
func (s *Service) Now() time.Time { return s.now() }

// Create validates a create request and stores the new profile, taking
// the Idempotency-Key once (nil: none) in the same write; once keeps the
// new profile's id.
func (s *Service) Create(ctx context.Context, in Input, once *idempotency.Record) (*Profile, error) {
	return s.create(ctx, in, "", once)
}

// create is Create at the id given ("": a new one).
func (s *Service) create(ctx context.Context, in Input, id string, once *idempotency.Record) (*Profile, error) {
	p, err := New(in, s.now())
	if err != nil {
		return nil, err
	}
	create := s.store.Create
	if id != "" {
		p.ID, create = id, s.createAt
	}
	if once != nil {
		once.ProfileID = p.ID
	}
	if err := create(ctx, p, once); err != nil {
		return nil, err
	}
	return p, nil
}

// createAt stores p, a new profile at an id the caller chose (a user's
// derived id, a batch item's id). When the item at that id is a profile
// whose erasure began and was cut short, that profile ended at the mark:
// the erasure is finished (FinishErasure erases nothing unmarked) and the
// create runs once more. Any other conflict (a live profile at the id) is
// the create's answer.
func (s *Service) createAt(ctx context.Context, p *Profile, once *idempotency.Record) error {
	err := s.store.Create(ctx, p, once)
	var conflict *ConflictError
	if !errors.As(err, &conflict) || conflict.ExistingID != p.ID {
		return err
	}
	switch ferr := s.store.FinishErasure(ctx, p.ID); {
	case errors.Is(ferr, ErrNotFound):
		return err
	case ferr != nil:
		return ferr
	}
	return s.store.Create(ctx, p, once)
}

// Get reads a profile with its contacts.
func (s *Service) Get(ctx context.Context, id string) (*Profile, error) {
	return s.store.Get(ctx, id)
}

// Update applies a partial (PATCH) or full (PUT) update to the profile if
// pre allows its current version. A change that sets nothing is refused
// before anything is read.
func (s *Service) Update(ctx context.Context, id string, pre Precondition, c Changes) (*Profile, error) {
	if err := c.RequireAny(); err != nil {
		return nil, err
	}
	return s.store.Update(ctx, id, pre, func(p *Profile) error {
		return p.Update(c, s.now())
	}, nil)
}

// Delete erases the profile if pre allows its version (DELETE
// /profiles/{profileId}): as fully as an erasure request, its
// Idempotency-Key records included, so no route leaves a copy behind.
func (s *Service) Delete(ctx context.Context, id string, pre Precondition) error {
	return s.store.Erase(ctx, id, pre, ErasedByDelete)
}

// List returns a page of profiles.
func (s *Service) List(ctx context.Context, q ListQuery) (Result[Profile], error) {
	return s.store.List(ctx, q)
}
