package profile

import (
	"context"
	"errors"
	"slices"

	"github.com/profiles-service/profiles/shared/idempotency"
)

// Erase erases every profile the subject names (an erasure request): by
// email or phone, every profile with that contact; by uuid, the one that
// holds it; by userId, the user's; by profileId, that one. It answers the
// receipt: the profiles this request erased (none when they were erased
// before) and the copies it could not reach. The Idempotency-Key's record
// (once, nil: none) is taken after the erasures, with the receipt; the
// caller checks the key is unused before. A failure part way leaves the
// profiles not yet erased as they were: the request sent again finishes.
func (s *Service) Erase(ctx context.Context, sub Subject, once *idempotency.Record) (Receipt, error) {
	sub, err := sub.normalized()
	if err != nil {
		return Receipt{}, err
	}
	ids, err := s.subjectProfiles(ctx, sub)
	if err != nil {
		return Receipt{}, err
	}
	at := s.now()
	erased, err := s.eraseAll(ctx, ids, ErasedOnRequest)
	if err != nil {
		return Receipt{}, err
	}
	if once != nil {
		once.Erased, once.ErasedAt = erased, at
		if err := s.store.TakeKey(ctx, once); err != nil {
			return Receipt{}, err
		}
	}
	return ReceiptOf(erased, at), nil
}

// subjectProfiles are the ids of the profiles the subject names, each once.
func (s *Service) subjectProfiles(ctx context.Context, sub Subject) ([]string, error) {
	var ids []string
	switch {
	case sub.Email.Set:
		return s.store.ProfileIDsByContact(ctx, KeyEmail, sub.Email.Value)
	case sub.Phone.Set:
		return s.store.ProfileIDsByContact(ctx, KeyPhone, sub.Phone.Value)
	case sub.UUID.Set:
		id, err := s.store.ProfileIDByUUID(ctx, sub.UUID.Value)
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		return []string{id}, err
	case sub.UserID.Set:
		// The id derived from the user id, and a profile linked before
		// ids were derived (its user marker). Erase finds out which exist.
		ids = append(ids, UserProfileID(sub.UserID.Value))
		id, err := s.store.ProfileIDByUser(ctx, sub.UserID.Value)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return nil, err
		case !slices.Contains(ids, id):
			ids = append(ids, id)
		}
		return ids, nil
	case sub.ProfileID.Set:
		if !ValidID(sub.ProfileID.Value) {
			return nil, nil
		}
		return []string{sub.ProfileID.Value}, nil
	}
	return nil, nil
}

// eraseAll erases the profiles, for reason, and returns those it erased
// (those already gone are left out).
func (s *Service) eraseAll(ctx context.Context, ids []string, reason ErasureReason) ([]string, error) {
	erased := []string{}
	for _, id := range ids {
		switch err := s.store.Erase(ctx, id, Precondition{}, reason); {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return erased, err
		default:
			erased = append(erased, id)
		}
	}
	return erased, nil
}

// EraseUser erases the signed-in user's own profile (DELETE
// /api/me/profile), as an erasure request by their user id does:
// ErrNotFound when the user has none. The profiles a user id names are
// only ever that user's (UserProfileID, or the user's marker), so a
// profile whose erasure was cut short is finished here too, though reads
// no longer find it.
func (s *Service) EraseUser(ctx context.Context, userID string) error {
	ids, err := s.subjectProfiles(ctx, Subject{UserID: Field[string]{Set: true, Value: userID}})
	if err != nil {
		return err
	}
	erased, err := s.eraseAll(ctx, ids, ErasedByUser)
	if err == nil && len(erased) == 0 {
		err = ErrNotFound
	}
	return err
}
