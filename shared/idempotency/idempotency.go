// Package idempotency holds what an Idempotency-Key remembers: the request
// it was first used with and what that request did. A record is written in
// the same transaction as the request's effect (an erasure's, which is
// several writes, after them), so a key is either unused or used by a
// request that took effect: nothing is ever in flight, stuck or half done.
// It holds no personal data: the hash of the caller-scoped key, a hash of
// the request keyed with the stack's secret (Hasher), the status and ids
// (an erasure's receipt sealed under the key); a replay reads the resource
// itself, and an erasure deletes the records of requests about the profile
// it erases.
package idempotency

import (
	"context"
	"errors"
	"time"
)

// TTL is how long a key is remembered.
const TTL = 24 * time.Hour

// Kind is what a keyed request made or changed, so a replay can show it.
type Kind string

// The kinds of keyed requests.
const (
	KindProfile Kind = "profile" // POST /profiles: the profile
	KindContact Kind = "contact" // POST /profiles/{id}/contacts: the contact
	KindUser    Kind = "user"    // POST /api/me/profile/update: the user's view of the profile
	// KindBatchItem is one item of POST /profiles/batch: the profile it
	// created (Status 201) or updated (200), under the batch's key and the
	// item's position.
	KindBatchItem Kind = "batchItem"
	KindErasure   Kind = "erasure" // POST /profiles/erasures: the receipt
)

// Record is a used key.
type Record struct {
	Key         string // the key, scoped to its caller; the store keeps only its hash
	RequestHash string // the first request: a keyed hash of its method, path and body (Hasher)
	Status      int    // the first response's status
	Kind        Kind
	ProfileID   string
	ContactID   string // KindContact only
	// Erased and ErasedAt are an erasure's receipt (KindErasure only):
	// the profiles it erased, and when. The store keeps them sealed under
	// the key, so the table holds no clear copy of an erased id.
	Erased   []string
	ErasedAt time.Time
	Expires  time.Time

	legacyHash string // the request's plain hash, to compare with records older than Hasher's; never stored
}

// UsedError is a write whose key a request used before: Record is that use.
// The write did not happen.
type UsedError struct {
	Record Record
}

func (e *UsedError) Error() string { return "the Idempotency-Key was used before" }

// ErrUnknownKey means no record holds the key.
var ErrUnknownKey = errors.New("unknown idempotency key")

// Store reads records (the writes that make them are the profile store's).
type Store interface {
	// Lookup returns the unexpired record of the key, or ErrUnknownKey.
	Lookup(ctx context.Context, key string, now time.Time) (Record, error)
}
