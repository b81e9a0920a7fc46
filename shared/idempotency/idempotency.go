// Package idempotency holds what an Idempotency-Key remembers: the request
// it was first used with and, once that request has finished, its response.
package idempotency

import (
	"context"
	"time"
)

// TTL is how long a key is remembered.
const TTL = 24 * time.Hour

// Record is a key's memory.
type Record struct {
	RequestHash string            // what the first request was: method, path and body
	Done        bool              // false while the first request is still running
	Status      int               // the first response, once Done
	Header      map[string]string // the response headers that matter (Location, ETag, Content-Type)
	Body        []byte
	Expires     time.Time
}

// Store keeps records.
type Store interface {
	// Begin claims key for a request. It returns nil when the claim is new
	// (or the old one had expired), else the existing record.
	Begin(ctx context.Context, key string, rec Record, now time.Time) (*Record, error)
	// Finish stores the first request's response.
	Finish(ctx context.Context, key string, rec Record) error
	// Abandon forgets the key, so a retry runs again (after a server error).
	Abandon(ctx context.Context, key string) error
}
