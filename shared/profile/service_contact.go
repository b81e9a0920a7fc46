package profile

import (
	"context"

	"github.com/profiles-service/profiles/shared/idempotency"
)

// A contact's If-Match names the contact's version, which the store does
// not condition on: its write is conditioned on the profile's version it
// read (no Precondition), and each read, including a retry's after a
// concurrent change, checks the contact's version again in the change.

// ListContacts returns a page of the profile's contacts.
func (s *Service) ListContacts(ctx context.Context, profileID string, q ContactQuery) (Result[Contact], error) {
	p, err := s.store.Get(ctx, profileID)
	if err != nil {
		return Result[Contact]{}, err
	}
	return ListContacts(p, q), nil
}

// GetContact reads one contact of a profile.
func (s *Service) GetContact(ctx context.Context, profileID, contactID string) (*Contact, error) {
	return s.store.GetContact(ctx, profileID, contactID)
}

// AddContact validates and adds a contact to the profile, taking the
// Idempotency-Key once (nil: none) in the same write; once keeps the ids
// of the profile and the new contact.
func (s *Service) AddContact(ctx context.Context, profileID string, cc ContactChanges, once *idempotency.Record) (*Contact, error) {
	var added Contact
	_, err := s.store.Update(ctx, profileID, Precondition{}, func(p *Profile) error {
		c, err := p.AddContact(cc, s.now())
		if err != nil {
			return err
		}
		added = *c
		if once != nil {
			once.ProfileID, once.ContactID = p.ID, c.ID
		}
		return nil
	}, once)
	if err != nil {
		return nil, err
	}
	return &added, nil
}

// UpdateContact applies a partial or full update to the contact if pre
// allows the contact's current version.
func (s *Service) UpdateContact(ctx context.Context, profileID, contactID string, pre Precondition, cc ContactChanges) (*Contact, error) {
	var updated Contact
	_, err := s.store.Update(ctx, profileID, Precondition{}, func(p *Profile) error {
		if err := contactAllows(p, contactID, pre); err != nil {
			return err
		}
		c, err := p.UpdateContact(contactID, cc, s.now())
		if err != nil {
			return err
		}
		updated = *c
		return nil
	}, nil)
	if err != nil {
		return nil, err
	}
	return &updated, nil
}

// RemoveContact deletes the contact if pre allows its current version.
func (s *Service) RemoveContact(ctx context.Context, profileID, contactID string, pre Precondition) error {
	_, err := s.store.Update(ctx, profileID, Precondition{}, func(p *Profile) error {
		if err := contactAllows(p, contactID, pre); err != nil {
			return err
		}
		return p.RemoveContact(contactID)
	}, nil)
	return err
}

// contactAllows is the contact's If-Match: ErrPreconditionFailed when the
// contact exists at a version pre does not allow. A missing contact is
// left to the change, whose answer is ErrNotFound.
func contactAllows(p *Profile, contactID string, pre Precondition) error {
	if cur := p.Contact(contactID); cur != nil && !pre.Allows(cur.Version) {
		return ErrPreconditionFailed
	}
	return nil
}
