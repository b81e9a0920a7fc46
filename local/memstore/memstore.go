// Package memstore is a profile.Store (and idempotency.Store) in memory,
// for tests that need the service's behaviour but not DynamoDB's: the
// handler tests run on it in milliseconds, with no Java. It is held to the
// same contract as the DynamoDB store by local/storetest, so the two
// cannot drift. What only DynamoDB shows (transactions under load,
// capacity, indexes, streams) is tested on DynamoDB Local.
//
// Like the DynamoDB store, a write reads, applies its change outside the
// lock and commits only if the profile did not change meanwhile: a write
// pinned to a version then fails (ErrPreconditionFailed), any other reads
// again and retries.
package memstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
)

// Store holds profiles, their uniqueness markers and idempotency records.
type Store struct {
	mu       sync.Mutex
	profiles map[string]*profile.Profile // by id, as stored (never handed out)
	touched  map[string]time.Time        // by profile id: when it last changed (touchTime)
	uuids    map[string]string           // uuid → profile id
	users    map[string]string           // user id → profile id, for profiles whose id is not derived from it
	records  map[string]idempotency.Record
	now      func() time.Time // the clock idempotency records expire by
}

var (
	_ profile.Store     = (*Store)(nil)
	_ idempotency.Store = (*Store)(nil)
)

// Option configures a Store in New.
type Option func(*Store)

// WithClock sets the clock by which idempotency records expire (time.Now
// by default). Give it the handlers' clock (api.Deps.Now): they set a
// record's expiry from theirs, so a store on another clock would take a
// key as expired, or as held, when the handlers do not.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{profiles: map[string]*profile.Profile{}, touched: map[string]time.Time{}, uuids: map[string]string{}, users: map[string]string{},
		records: map[string]idempotency.Record{}, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Create stores a new profile and takes the Idempotency-Key once (nil:
// none) in the same write.
func (s *Store) Create(_ context.Context, p *profile.Profile, once *idempotency.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.profiles[p.ID]; ok {
		return &profile.ConflictError{Detail: "a profile with this id exists already", ExistingID: p.ID}
	}
	if err := s.check(&profile.Profile{}, p, once); err != nil {
		return err
	}
	s.commit(&profile.Profile{}, p.Clone(), once)
	s.touched[p.ID] = profile.LatestChange(p)
	return nil
}

// Get returns a copy of the profile.
func (s *Store) Get(_ context.Context, id string) (*profile.Profile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.profiles[id]
	if !ok {
		return nil, profile.ErrNotFound
	}
	return p.Clone(), nil
}

// Held returns a copy of the profile and when it last changed: as the
// DynamoDB store's touchTime, the latest change its times show after a
// create, the store's clock after an update.
func (s *Store) Held(_ context.Context, id string) (*profile.Held, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.profiles[id]
	if !ok {
		return nil, profile.ErrNotFound
	}
	return &profile.Held{Profile: p.Clone(), TouchTime: s.touched[id]}, nil
}

// GetContact returns a copy of one contact of a profile.
func (s *Store) GetContact(ctx context.Context, profileID, contactID string) (*profile.Contact, error) {
	p, err := s.Get(ctx, profileID)
	if err != nil {
		return nil, err
	}
	c := p.Contact(contactID)
	if c == nil {
		return nil, profile.ErrNotFound
	}
	return c, nil
}

// Update applies change to a copy of the current profile and stores the
// result, with the profile's version moved on, if nothing changed it
// meanwhile; otherwise a pinned pre fails and any other reads again.
func (s *Store) Update(ctx context.Context, id string, pre profile.Precondition, change func(*profile.Profile) error, once *idempotency.Record) (*profile.Profile, error) {
	for {
		before, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		read := s.profiles[id] // the stored copy read: a new one after any write, or a delete and create
		s.mu.Unlock()
		if !pre.Allows(before.Version) {
			return nil, profile.ErrPreconditionFailed
		}
		after := before.Clone()
		if err := change(after); err != nil {
			return nil, err
		}
		after.ID, after.Version = id, before.Version+1
		s.mu.Lock()
		cur, ok := s.profiles[id]
		switch {
		case !ok:
			s.mu.Unlock()
			return nil, profile.ErrNotFound
		case cur != read && pre.Pinned():
			s.mu.Unlock()
			return nil, profile.ErrPreconditionFailed
		case cur != read:
			s.mu.Unlock()
			continue
		}
		err = s.check(before, after, once)
		if err == nil {
			s.commit(before, after.Clone(), once)
			s.touched[id] = s.now().UTC().Truncate(time.Second)
		}
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		return after, nil
	}
}

// Erase removes a profile, its markers and the records of the keyed
// requests about it if pre allows its version. A write here is never cut
// short, so there is no erasure to finish.
func (s *Store) Erase(_ context.Context, id string, pre profile.Precondition, _ profile.ErasureReason) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.profiles[id]
	if !ok {
		return profile.ErrNotFound
	}
	if !pre.Allows(p.Version) {
		return profile.ErrPreconditionFailed
	}
	delete(s.profiles, id)
	delete(s.touched, id)
	s.moveMarkers(p, &profile.Profile{})
	for key, rec := range s.records {
		if rec.ProfileID == id {
			delete(s.records, key)
		}
	}
	return nil
}

// FinishErasure finds nothing to finish (ErrNotFound): an erasure here is
// never cut short.
func (s *Store) FinishErasure(context.Context, string) error { return profile.ErrNotFound }

// ProfileIDsByContact returns the ids of every profile with a contact of
// the key and value, compared as duplicates are.
func (s *Store) ProfileIDsByContact(_ context.Context, key, value string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, p := range s.profiles {
		for _, c := range p.Contacts {
			if c.Key == key && profile.SameContactValue(key, c.Value, value) {
				ids = append(ids, id)
				break
			}
		}
	}
	return ids, nil
}

// ProfileIDByUUID returns the id of the profile holding the uuid, or ErrNotFound.
func (s *Store) ProfileIDByUUID(_ context.Context, uuid string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.uuids[uuid]
	if !ok {
		return "", profile.ErrNotFound
	}
	return id, nil
}

// TakeKey stores the record of a key whose request wrote its effects
// before, unless the key is used.
func (s *Store) TakeKey(_ context.Context, once *idempotency.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec, ok := s.records[once.Key]; ok && !rec.Expires.Before(s.now()) {
		return &idempotency.UsedError{Record: rec}
	}
	s.records[once.Key] = *once
	return nil
}

// List returns a page of the profiles that match the query's filter, in
// its order (profile.PageOf). Unlike the DynamoDB store it never refuses a
// query as too broad: it reads no index.
func (s *Store) List(_ context.Context, q profile.ListQuery) (profile.Result[profile.Profile], error) {
	s.mu.Lock()
	var matching []profile.Profile
	for _, p := range s.profiles {
		if q.Filter.Match(p) {
			matching = append(matching, *p.Clone())
		}
	}
	s.mu.Unlock()
	return profile.PageOf(matching, func(p profile.Profile) string { return SortKey(q.SortBy, &p) }, q.Page), nil
}

// ProfileIDByUser returns the id of the profile linked to a user whose id
// is not derived from the user's (profile.UserProfileID: that one is found
// by its id), or ErrNotFound.
func (s *Store) ProfileIDByUser(_ context.Context, userID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.users[userID]
	if !ok {
		return "", profile.ErrNotFound
	}
	return id, nil
}

// Lookup returns the record of the key unless it expired before now.
func (s *Store) Lookup(_ context.Context, key string, now time.Time) (idempotency.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.records[key]
	if !ok || rec.Expires.Before(now) {
		return idempotency.Record{}, idempotency.ErrUnknownKey
	}
	return rec, nil
}

// check reports why before may not become after: a key used before, or a
// unique value another profile holds. s.mu is held.
func (s *Store) check(before, after *profile.Profile, once *idempotency.Record) error {
	if once != nil {
		if rec, ok := s.records[once.Key]; ok && !rec.Expires.Before(s.now()) {
			return &idempotency.UsedError{Record: rec}
		}
	}
	if after.UUID != "" && after.UUID != before.UUID {
		if holder, ok := s.uuids[after.UUID]; ok {
			return &profile.ConflictError{Detail: "another profile already has this uuid", ExistingID: holder}
		}
	}
	if u := userMarked(after); u != "" && u != userMarked(before) {
		if holder, ok := s.users[u]; ok {
			return &profile.ConflictError{Detail: "another profile already has this userId", ExistingID: holder}
		}
	}
	return nil
}

// commit stores after in before's place with its markers and the key's
// record. s.mu is held.
func (s *Store) commit(before, after *profile.Profile, once *idempotency.Record) {
	s.profiles[after.ID] = after
	s.moveMarkers(before, after)
	if once != nil {
		s.records[once.Key] = *once
	}
}

func (s *Store) moveMarkers(before, after *profile.Profile) {
	if before.UUID != after.UUID {
		delete(s.uuids, before.UUID)
		if after.UUID != "" {
			s.uuids[after.UUID] = after.ID
		}
	}
	if b, a := userMarked(before), userMarked(after); b != a {
		delete(s.users, b)
		if a != "" {
			s.users[a] = after.ID
		}
	}
}

// userMarked is the user id a profile must hold alone, "" when its id is
// derived from the user's (then its id keeps it unique).
func userMarked(p *profile.Profile) string {
	if p.UserID == "" || p.ID == profile.UserProfileID(p.UserID) {
		return ""
	}
	return p.UserID
}

// SortKey orders profiles by a sort field as the API's listings do: the
// value (names case-insensitively), then the id. Result.Last holds one.
func SortKey(field string, p *profile.Profile) string {
	const sep = "\x01"
	switch field {
	case "createTime":
		return profile.FormatTime(p.CreateTime) + sep + p.ID
	case "updateTime":
		return profile.FormatTime(p.UpdateTime) + sep + p.ID
	case "enabled":
		if p.Enabled {
			return "1" + sep + p.ID
		}
		return "0" + sep + p.ID
	case "firstName":
		return profile.Fold(p.FirstName) + sep + p.ID
	case "middleName":
		return profile.Fold(p.MiddleName) + sep + p.ID
	case "lastName":
		return profile.Fold(p.LastName) + sep + p.ID
	case "name":
		return profile.Fold(p.Name()) + sep + p.ID
	case "profileId":
		return p.ID
	}
	panic(fmt.Sprintf("memstore: unknown sort field %q", field))
}
