package profile

import (
	"context"
	"slices"
)

// Store keeps profiles. Every write of a profile or its contacts is atomic
// and conditioned on the version it read.
type Store interface {
	// Create writes a new profile with its contacts and uniqueness markers.
	Create(ctx context.Context, p *Profile) error
	// Get reads a profile with its contacts.
	Get(ctx context.Context, id string) (*Profile, error)
	// GetContact reads one contact of a profile.
	GetContact(ctx context.Context, profileID, contactID string) (*Contact, error)
	// Update applies change to the current profile and writes the result
	// atomically; match, when not nil, must allow the current version.
	Update(ctx context.Context, id string, match Match, change func(*Profile) error) (*Profile, error)
	// Delete removes a profile, its contacts and its markers atomically.
	Delete(ctx context.Context, id string, match Match) error
	// List returns a page of profiles.
	List(ctx context.Context, q ListQuery) (Result[Profile], error)
	// ProfileIDByUser returns the id of the profile linked to a user.
	ProfileIDByUser(ctx context.Context, userID string) (string, error)
}

// Match is an If-Match precondition: the versions a write may apply to. A
// nil Match has no precondition; Any matches every existing version ("*").
type Match []int64

// Any is the If-Match "*" precondition.
var Any = Match{}

// Allows reports whether a write may apply to the version.
func (m Match) Allows(version int64) bool {
	return len(m) == 0 || slices.Contains(m, version)
}
