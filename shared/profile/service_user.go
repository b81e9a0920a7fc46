package profile

import (
	"context"
	"errors"

	"github.com/profiles-service/profiles/shared/idempotency"
)

// userCreateRetries bounds how often a user's first update, having lost
// its create to another for the same user, runs again as an update.
const userCreateRetries = 2

// UpdateUser applies an end user's changes to their profile, or creates it
// on their first update; a create that races another for the same user
// becomes an update. It takes the Idempotency-Key once (nil: none) in the
// write that lands, and once keeps the profile's id. A change that sets
// nothing is refused before anything is read.
func (s *Service) UpdateUser(ctx context.Context, userID string, c UserChanges, once *idempotency.Record) (*Profile, error) {
	if err := c.RequireAny(); err != nil {
		return nil, err
	}
	keep := func(p *Profile) {
		if once != nil {
			once.ProfileID = p.ID
		}
	}
	apply := func(p *Profile) error {
		if p.UserID != userID {
			return ErrNotFound
		}
		keep(p)
		return p.ApplyUser(c, s.now())
	}
	// The email replaces the first email contact, or adds one when there
	// is none: two such adds would commute and leave two.
	pre := Precondition{}
	if c.Email.Set {
		pre = OnVersionRead()
	}
	for attempt := 0; ; attempt++ {
		p, err := s.userProfile(ctx, userID, func(id string) (*Profile, error) {
			return s.store.Update(ctx, id, pre, apply, once)
		})
		if !errors.Is(err, ErrNotFound) {
			return p, err
		}
		if p, err = NewForUser(userID, c, s.now()); err != nil {
			return nil, err
		}
		keep(p)
		err = s.createAt(ctx, p, once)
		var conflict *ConflictError
		switch {
		case errors.As(err, &conflict) && attempt < userCreateRetries:
			// Another first update of the user created it: run as an update.
			continue
		case err != nil:
			return nil, err
		}
		return p, nil
	}
}

// UserProfile reads a user's profile: the user's own (the user view) or
// the one a partner looks up by user id.
func (s *Service) UserProfile(ctx context.Context, userID string) (*Profile, error) {
	return s.userProfile(ctx, userID, func(id string) (*Profile, error) {
		p, err := s.store.Get(ctx, id)
		if err == nil && p.UserID != userID {
			return nil, ErrNotFound
		}
		return p, err
	})
}

// userProfile runs do on the user's profile: by its id derived from the
// user id (UserProfileID), or, for a profile linked before ids were
// derived, by the id its user marker names. do answers ErrNotFound for a
// profile that is not the user's.
func (s *Service) userProfile(ctx context.Context, userID string, do func(id string) (*Profile, error)) (*Profile, error) {
	p, err := do(UserProfileID(userID))
	if !errors.Is(err, ErrNotFound) {
		return p, err
	}
	id, err := s.store.ProfileIDByUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	return do(id)
}
