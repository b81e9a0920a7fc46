package profile

import (
	"context"

	"slices"

	"github.com/profiles-service/profiles/shared/idempotency"
)

// Store keeps profiles. Every write of a profile or its contacts is atomic
// and conditioned on the version it read.
type Store interface {
	// Create writes a new profile with its contacts and uniqueness markers,
	// and takes the Idempotency-Key once (nil: none) in the same write; a
	// key used before is an *idempotency.UsedError and writes nothing.
	Create(ctx context.Context, p *Profile, once *idempotency.Record) error
	// Get reads a profile with its contacts.
	Get(ctx context.Context, id string) (*Profile, error)
	// Held reads everything the store holds about a profile: the profile
	// with its contacts, as Get, and when it last changed.
	Held(ctx context.Context, id string) (*Held, error)
	// GetContact reads one contact of a profile.
	GetContact(ctx context.Context, profileID, contactID string) (*Contact, error)
	// Update applies change to the current profile and writes the result
	// atomically, if pre allows the current version, taking the
	// Idempotency-Key once as Create does (change may complete its record).
	Update(ctx context.Context, id string, pre Precondition, change func(*Profile) error, once *idempotency.Record) (*Profile, error)
	// List returns a page of profiles.
	List(ctx context.Context, q ListQuery) (Result[Profile], error)
	// ProfileIDByUser returns the id of the profile linked to a user.
	ProfileIDByUser(ctx context.Context, userID string) (string, error)
	// Erase removes every copy the store holds of a profile, if pre
	// allows its version: the profile, its contacts, its markers and the
	// Idempotency-Key records of requests about it, saying why (the
	// Profile Erased event carries reason). It is ErrNotFound when there
	// is no profile; an erasure cut short is completed by the next, even
	// one whose pre would not allow the version.
	Erase(ctx context.Context, id string, pre Precondition, reason ErasureReason) error
	// FinishErasure completes the erasure of the profile at id if one
	// began and has not ended (under way, or cut short), so the id is free
	// for a new profile; it erases nothing else, and is ErrNotFound when
	// there is no such erasure (a live profile at id, or none). The
	// erasure's mark is the moment the profile ended: a create at its id
	// after that must not fail on the item still there.
	FinishErasure(ctx context.Context, id string) error
	// ProfileIDsByContact returns the ids of every profile with a contact
	// of the key and value (as NormalizeContactValue gives it), however many.
	ProfileIDsByContact(ctx context.Context, key, value string) ([]string, error)
	// ProfileIDByUUID returns the id of the profile holding the uuid, or ErrNotFound.
	ProfileIDByUUID(ctx context.Context, uuid string) (string, error)
	// TakeKey stores the record of an Idempotency-Key whose request wrote
	// its effects before, in writes of their own (an erasure's); a key
	// used before is an *idempotency.UsedError.
	TakeKey(ctx context.Context, once *idempotency.Record) error
}

// Precondition is what a write requires of the version it changes (a
// request's If-Match): nothing (the zero value), or one of the versions the
// client read.
type Precondition struct {
	versions []int64
	pinned   bool
	// exact: the write is conditioned on the version it read, though no
	// client pinned one (OnVersionRead).
	exact bool
}

// IfMatchAny is If-Match: *, any version of an existing resource. Every
// write of this service requires its resource to exist, so it is the zero
// Precondition.
func IfMatchAny() Precondition { return Precondition{} }

// IfMatch allows exactly the versions given; with none, it allows no version.
func IfMatch(versions ...int64) Precondition {
	return Precondition{pinned: true, versions: slices.Clone(versions)}
}

// OnVersionRead allows any version, as the zero Precondition does, but
// conditions the write on the version it read, so any concurrent change
// makes the store read again and retry: for a change that depends on the
// whole profile rather than on the fields it writes (the user's email,
// which replaces the first email contact or, when there is none, adds
// one: two such adds would each commute with the other and leave two).
func OnVersionRead() Precondition { return Precondition{exact: true} }

// Exact reports whether the write is conditioned on the version it read.
func (p Precondition) Exact() bool { return p.pinned || p.exact }

// Allows reports whether a write may apply to the version.
func (p Precondition) Allows(version int64) bool {
	return !p.pinned || slices.Contains(p.versions, version)
}

// Pinned reports whether the write is tied to the versions the client saw:
// a concurrent change then fails it (412) rather than making the store read
// again and retry.
func (p Precondition) Pinned() bool { return p.pinned }

// Disabled is a disabled profile found by the retention job: its id, and
// the version it may delete.
type Disabled struct {
	ID      string
	Version int64
}
