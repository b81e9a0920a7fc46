package profile

import (
	"context"
	"time"
)

// ExportSchema names the shape of the document an access request answers
// (GET /profiles/{profileId}/export, GET /api/me/profile/export): a
// change that removes or renames a field, or changes a field's meaning,
// gets a new number; added fields keep it.
const ExportSchema = "profiles-export/1"

// Held is everything the store holds about one person's profile: the
// profile with its contacts (what Get returns: every field, the user link,
// the preferences, the verified flags, the versions) and what only the
// store keeps, when the profile last changed.
type Held struct {
	Profile *Profile
	// TouchTime is when the profile or any of its contacts last changed,
	// a contact's removal included (the retention job judges by it).
	TouchTime time.Time
}

// Export is the answer to an access request: everything held about the
// profile, read at Time.
type Export struct {
	Held
	Time time.Time
}

// Export reads everything held about the profile with the id.
func (s *Service) Export(ctx context.Context, id string) (*Export, error) {
	h, err := s.store.Held(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Export{Held: *h, Time: s.now()}, nil
}

// ExportUser reads everything held about the user's own profile, found as
// UserProfile finds it.
func (s *Service) ExportUser(ctx context.Context, userID string) (*Export, error) {
	var held *Held
	_, err := s.userProfile(ctx, userID, func(id string) (*Profile, error) {
		h, err := s.store.Held(ctx, id)
		if err != nil {
			return nil, err
		}
		if h.Profile.UserID != userID {
			return nil, ErrNotFound
		}
		held = h
		return h.Profile, nil
	})
	if err != nil {
		return nil, err
	}
	return &Export{Held: *held, Time: s.now()}, nil
}

// LatestChange is when p or one of its contacts last changed by the times
// they show: a profile's TouchTime until a contact's removal moves it on.
func LatestChange(p *Profile) time.Time {
	latest := p.UpdateTime
	for i := range p.Contacts {
		if p.Contacts[i].UpdateTime.After(latest) {
			latest = p.Contacts[i].UpdateTime
		}
	}
	return latest
}
