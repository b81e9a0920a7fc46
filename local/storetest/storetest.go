// Package storetest is the contract every profile.Store keeps, as one
// suite: the DynamoDB store (shared/dynamo) and the in-memory one
// (local/memstore) both run it, so the handler tests that use the second
// test what the first does. It is written against profile.Store (and
// idempotency.Store for the records a write takes) only.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
)

// Run runs the contract on stores from newStore, one fresh, empty store
// per subtest; the subtests run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) profile.Store) {
	for _, tc := range []struct {
		name string
		test func(*testing.T, profile.Store)
	}{
		{"CreateThenGet", createThenGet},
		{"NotFound", notFound},
		{"Update", update},
		{"Preconditions", preconditions},
		{"ConcurrentChange", concurrentChange},
		{"ConcurrentChangesNeverMix", concurrentChangesNeverMix},
		{"OnVersionReadRetriesWholeChanges", onVersionRead},
		{"PinnedWriteOnADeletedProfile", pinnedOnDeleted},
		{"NoWriteLandsOnAProfileCreatedAgain", createdAgain},
		{"UniqueUUID", uniqueUUID},
		{"UniqueUserID", uniqueUserID},
		{"IdempotencyKeyTakenInTheWrite", idempotencyKey},
		{"Contacts", contacts},
		{"HeldIsGetWithTheLastChange", held},
		{"Listing", listing},
		{"EraseReachesEveryCopy", eraseEveryCopy},
		{"ErasureLookUps", erasureLookUps},
		{"ErasureKeyKeepsTheReceipt", erasureKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.test(t, newStore(t))
		})
	}
}

var ctx = context.Background()

// base is the time the profiles are created at: second precision, as
// stored.
var base = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func str(v string) profile.Field[string] { return profile.Field[string]{Set: true, Value: v} }

// newProfile is a valid new profile with a last name, an email address
// and a phone number, created at base plus i seconds.
func newProfile(t *testing.T, i int, last string) *profile.Profile {
	t.Helper()
	p, err := profile.New(profile.Input{
		Changes: profile.Changes{FirstName: str("Ann"), LastName: str(last)},
		Contacts: []profile.ContactChanges{
			{Key: str(profile.KeyEmail), Value: str(fmt.Sprintf("p%d@store.example", i))},
			{Key: str(profile.KeyPhone), Value: str(fmt.Sprintf("+6421%07d", i))},
		},
	}, base.Add(time.Duration(i)*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func create(t *testing.T, s profile.Store, p *profile.Profile) {
	t.Helper()
	if err := s.Create(ctx, p, nil); err != nil {
		t.Fatalf("create %s: %v", p.ID, err)
	}
}

func get(t *testing.T, s profile.Store, id string) *profile.Profile {
	t.Helper()
	p, err := s.Get(ctx, id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return p
}

// view is what the contract compares of a profile.
func view(p *profile.Profile) string {
	cs := make([]string, len(p.Contacts))
	for i := range p.Contacts {
		cs[i] = contactView(&p.Contacts[i])
	}
	return fmt.Sprintf("id=%s name=%q enabled=%v uuid=%q user=%q tags=%v v%d %s/%s contacts=%v", p.ID, p.Name(), p.Enabled, p.UUID, p.UserID,
		p.Tags, p.Version, profile.FormatTime(p.CreateTime), profile.FormatTime(p.UpdateTime), cs)
}

func contactView(c *profile.Contact) string {
	return fmt.Sprintf("%s %s=%s uuid=%q verified=%v v%d %s/%s", c.ID, c.Key, c.Value, c.UUID, c.Verified, c.Version,
		profile.FormatTime(c.CreateTime), profile.FormatTime(c.UpdateTime))
}

func same(t *testing.T, what string, got, want *profile.Profile) {
	t.Helper()
	if g, w := view(got), view(want); g != w {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

func wantConflict(t *testing.T, what string, err error, holder string) {
	t.Helper()
	var c *profile.ConflictError
	if !errors.As(err, &c) || c.ExistingID != holder {
		t.Errorf("%s: %v (%+v), want a ConflictError naming %s", what, err, c, holder)
	}
}

func createThenGet(t *testing.T, s profile.Store) {
	p := newProfile(t, 1, "Cole")
	create(t, s, p)
	same(t, "read back", get(t, s, p.ID), p)
	c, err := s.GetContact(ctx, p.ID, p.Contacts[1].ID)
	if err != nil || c.Value != p.Contacts[1].Value || c.Version != 1 {
		t.Errorf("GetContact: %+v, %v; want %+v", c, err, p.Contacts[1])
	}
	wantConflict(t, "a second create of the id", s.Create(ctx, p, nil), p.ID)
}

func notFound(t *testing.T, s profile.Store) {
	p := newProfile(t, 1, "Cole")
	_, err := s.Get(ctx, p.ID)
	wantErr(t, "Get of no profile", err, profile.ErrNotFound)
	_, err = s.Get(ctx, "not-an-id")
	wantErr(t, "Get of a malformed id", err, profile.ErrNotFound)
	_, err = s.GetContact(ctx, p.ID, p.Contacts[0].ID)
	wantErr(t, "GetContact of no profile", err, profile.ErrNotFound)
	_, err = s.Update(ctx, p.ID, profile.IfMatchAny(), func(*profile.Profile) error { return nil }, nil)
	wantErr(t, "Update of no profile", err, profile.ErrNotFound)
	wantErr(t, "Delete of no profile", s.Erase(ctx, p.ID, profile.IfMatchAny(), profile.ErasedByDelete), profile.ErrNotFound)
	create(t, s, p)
	_, err = s.GetContact(ctx, p.ID, profile.NewID(base))
	wantErr(t, "GetContact of no contact", err, profile.ErrNotFound)
}

func update(t *testing.T, s profile.Store) {
	p := newProfile(t, 1, "Cole")
	create(t, s, p)
	later := base.Add(time.Hour)
	got, err := s.Update(ctx, p.ID, profile.IfMatch(1), func(p *profile.Profile) error {
		return p.Update(profile.Changes{LastName: str("Dunn"), Enabled: profile.Field[bool]{Set: true}}, later)
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := p.Clone()
	want.LastName, want.Enabled, want.UpdateTime, want.Version = "Dunn", false, later, 2
	same(t, "Update's answer", got, want)
	same(t, "read after Update", get(t, s, p.ID), want)

	refused := errors.New("refused by the change")
	_, err = s.Update(ctx, p.ID, profile.IfMatchAny(), func(p *profile.Profile) error {
		p.LastName = "Never"
		return refused
	}, nil)
	wantErr(t, "Update whose change fails", err, refused)
	same(t, "read after a failed change", get(t, s, p.ID), want)

	if err := s.Erase(ctx, p.ID, profile.IfMatch(2), profile.ErasedByDelete); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(ctx, p.ID)
	wantErr(t, "Get after Delete", err, profile.ErrNotFound)
	_, err = s.GetContact(ctx, p.ID, p.Contacts[0].ID)
	wantErr(t, "GetContact after Delete", err, profile.ErrNotFound)
}

func preconditions(t *testing.T, s profile.Store) {
	p := newProfile(t, 1, "Cole")
	create(t, s, p)
	rename := func(last string) func(*profile.Profile) error {
		return func(p *profile.Profile) error {
			return p.Update(profile.Changes{LastName: str(last)}, base.Add(time.Minute))
		}
	}
	if _, err := s.Update(ctx, p.ID, profile.IfMatch(2, 1), rename("Dunn"), nil); err != nil {
		t.Fatalf("If-Match of two versions, one current: %v", err)
	}
	_, err := s.Update(ctx, p.ID, profile.IfMatch(1), rename("Stale"), nil)
	wantErr(t, "Update pinned to an old version", err, profile.ErrPreconditionFailed)
	_, err = s.Update(ctx, p.ID, profile.IfMatch(), rename("None"), nil)
	wantErr(t, "Update pinned to no version", err, profile.ErrPreconditionFailed)
	wantErr(t, "Delete pinned to an old version", s.Erase(ctx, p.ID, profile.IfMatch(1), profile.ErasedByDelete), profile.ErrPreconditionFailed)
	if got := get(t, s, p.ID); got.LastName != "Dunn" || got.Version != 2 {
		t.Errorf("after refused writes: %s", view(got))
	}
	if err := s.Erase(ctx, p.ID, profile.IfMatchAny(), profile.ErasedByDelete); err != nil {
		t.Errorf("Delete, If-Match *: %v", err)
	}
}

// concurrentChange: another write lands between a write's read and its
// commit. Pinned to the version it read, the write fails and the other
// stays; not pinned, it reads again and both land.
func concurrentChange(t *testing.T, s profile.Store) {
	p := newProfile(t, 1, "Cole")
	create(t, s, p)
	at := base.Add(time.Minute)
	interfere := func(first string) func(*profile.Profile) error {
		done := false
		return func(q *profile.Profile) error {
			if !done {
				done = true
				if _, err := s.Update(ctx, p.ID, profile.IfMatchAny(), func(o *profile.Profile) error {
					return o.Update(profile.Changes{FirstName: str(first)}, at)
				}, nil); err != nil {
					return fmt.Errorf("the concurrent write: %w", err)
				}
			}
			return q.Update(profile.Changes{LastName: str("Last" + first)}, at)
		}
	}
	_, err := s.Update(ctx, p.ID, profile.IfMatch(1), interfere("Bea"), nil)
	wantErr(t, "pinned Update after a concurrent change", err, profile.ErrPreconditionFailed)
	if got := get(t, s, p.ID); got.FirstName != "Bea" || got.LastName != "Cole" || got.Version != 2 {
		t.Errorf("after the pinned write was refused: %s", view(got))
	}
	got, err := s.Update(ctx, p.ID, profile.IfMatchAny(), interfere("Cy"), nil)
	if err != nil {
		t.Fatalf("Update (If-Match *) after a concurrent change: %v", err)
	}
	stored := get(t, s, p.ID)
	if stored.FirstName != "Cy" || stored.LastName != "LastCy" || stored.Version != 4 {
		t.Errorf("both writes should have landed: %s", view(stored))
	}
	same(t, "the answer of the write that read again", got, stored)
}

// concurrentChangesNeverMix: two writes without If-Match that name the same
// fields, one landing between the other's read and its commit, end as one
// of them, whichever field each names with the value it read (issue 25,
// defects 1 and 2: a field named with the value read was neither written
// nor held, so the end state took one field from each).
func concurrentChangesNeverMix(t *testing.T, s profile.Store) {
	at := base.Add(time.Minute)
	yes, no := profile.Field[bool]{Set: true, Value: true}, profile.Field[bool]{Set: true}
	tags := func(v ...string) profile.Field[[]string] { return profile.Field[[]string]{Set: true, Value: v} }
	for _, tc := range []struct {
		name          string
		start         profile.Changes
		first, second func(*profile.Profile) error
		// view is what both writes name; ends are the states the two
		// orders give.
		view func(*profile.Profile) string
		ends []string
	}{{
		name:   "profile fields",
		start:  profile.Changes{Tags: tags("s"), Enabled: yes},
		first:  func(p *profile.Profile) error { return p.Update(profile.Changes{Tags: tags("a"), Enabled: yes}, at) },
		second: func(p *profile.Profile) error { return p.Update(profile.Changes{Tags: tags("b"), Enabled: no}, at) },
		view:   func(p *profile.Profile) string { return fmt.Sprintf("tags=%v enabled=%v", p.Tags, p.Enabled) },
		ends:   []string{"tags=[a] enabled=true", "tags=[b] enabled=false"},
	}, {
		name:  "the user's consent",
		start: profile.Changes{LastName: str("Z"), MarketingUpdates: no},
		first: func(p *profile.Profile) error {
			return p.ApplyUser(profile.UserChanges{MarketingUpdates: no, FamilyName: str("X")}, at)
		},
		second: func(p *profile.Profile) error {
			return p.ApplyUser(profile.UserChanges{MarketingUpdates: yes, FamilyName: str("Y")}, at)
		},
		view: func(p *profile.Profile) string {
			return fmt.Sprintf("familyName=%s marketing=%v", p.LastName, p.MarketingUpdates)
		},
		ends: []string{"familyName=X marketing=false", "familyName=Y marketing=true"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProfile(t, 1, "Cole")
			if err := p.Update(tc.start, base); err != nil {
				t.Fatal(err)
			}
			create(t, s, p)
			interfered := false
			got, err := s.Update(ctx, p.ID, profile.Precondition{}, func(q *profile.Profile) error {
				if !interfered {
					interfered = true
					if _, err := s.Update(ctx, p.ID, profile.Precondition{}, tc.second, nil); err != nil {
						return fmt.Errorf("the concurrent write: %w", err)
					}
				}
				return tc.first(q)
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			stored := get(t, s, p.ID)
			if v := tc.view(stored); !slices.Contains(tc.ends, v) {
				t.Errorf("stored %s: a mix of the two writes, want one of %q", v, tc.ends)
			}
			same(t, "the answer of the write that landed last", got, stored)
		})
	}
}

// onVersionRead: two users' updates that each set the email of a profile
// that has none, the second landing between the first's read and its
// commit, end with one email, the one that landed last (defect 11 of
// issue 25: as contact adds, they commuted and left two).
func onVersionRead(t *testing.T, s profile.Store) {
	p, err := profile.New(profile.Input{}, base)
	if err != nil {
		t.Fatal(err)
	}
	create(t, s, p)
	at := base.Add(time.Minute)
	setEmail := func(email string) func(*profile.Profile) error {
		return func(q *profile.Profile) error { return q.ApplyUser(profile.UserChanges{Email: str(email)}, at) }
	}
	interfered := false
	got, err := s.Update(ctx, p.ID, profile.OnVersionRead(), func(q *profile.Profile) error {
		if !interfered {
			interfered = true
			if _, err := s.Update(ctx, p.ID, profile.OnVersionRead(), setEmail("second@store.example"), nil); err != nil {
				return fmt.Errorf("the concurrent write: %w", err)
			}
		}
		return setEmail("first@store.example")(q)
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stored := get(t, s, p.ID)
	if len(stored.Contacts) != 1 || stored.Contacts[0].Value != "first@store.example" {
		t.Errorf("stored %s, want the one email that landed last", view(stored))
	}
	if stored.Version != 3 {
		t.Errorf("version %d after two writes, want 3", stored.Version)
	}
	same(t, "the answer of the write that landed last", got, stored)
}

// pinnedOnDeleted: a write pinned to the version it read, whose profile is
// deleted before it commits, is not found, as any request on a deleted
// profile is; not a 412 (found by the linearizability checker).
func pinnedOnDeleted(t *testing.T, s profile.Store) {
	p := newProfile(t, 1, "Cole")
	create(t, s, p)
	_, err := s.Update(ctx, p.ID, profile.IfMatch(1), func(q *profile.Profile) error {
		if err := s.Erase(ctx, p.ID, profile.Precondition{}, profile.ErasedByDelete); err != nil {
			return fmt.Errorf("the concurrent delete: %w", err)
		}
		return q.Update(profile.Changes{LastName: str("Late")}, base.Add(time.Minute))
	}, nil)
	wantErr(t, "a pinned Update whose profile was deleted meanwhile", err, profile.ErrNotFound)
}

// createdAgain: a profile deleted and created again at the same id (as a
// user's profile is, its id derived from the user's) starts again at
// version 1, so a write that read the old copy at version 1 must not land
// on the new one: pinned, it is a 412; not pinned, it reads the new copy
// and applies to it (found by the linearizability checker: a user's email
// update prepared on the old copy replaced the new copy's contacts).
func createdAgain(t *testing.T, s profile.Store) {
	for _, tc := range []struct {
		name string
		pre  profile.Precondition
	}{{"pinned", profile.IfMatch(1)}, {"on the version read", profile.OnVersionRead()}} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProfile(t, 1, "Cole")
			create(t, s, p)
			again := p.Clone()
			again.LastName = "Again"
			again.Contacts = again.Contacts[:1]
			again.Contacts[0].ID = again.Contacts[0].ID[:len(again.Contacts[0].ID)-1] + "z"
			again.Contacts[0].Value = "again@store.example"
			interfered := false
			_, err := s.Update(ctx, p.ID, tc.pre, func(q *profile.Profile) error {
				if !interfered {
					interfered = true
					if err := s.Erase(ctx, p.ID, profile.Precondition{}, profile.ErasedByDelete); err != nil {
						return fmt.Errorf("the concurrent delete: %w", err)
					}
					if err := s.Create(ctx, again.Clone(), nil); err != nil {
						return fmt.Errorf("the concurrent create: %w", err)
					}
				}
				return q.Update(profile.Changes{FirstName: str("Stale")}, base.Add(time.Minute))
			}, nil)
			stored := get(t, s, p.ID)
			if tc.pre.Pinned() {
				wantErr(t, "a pinned write that read the old copy", err, profile.ErrPreconditionFailed)
				same(t, "the copy created again", stored, again)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if stored.LastName != "Again" || stored.FirstName != "Stale" || len(stored.Contacts) != 1 || stored.Contacts[0].Value != "again@store.example" || stored.Version != 2 {
				t.Errorf("stored %s, want the copy created again with the write applied to it", view(stored))
			}
		})
	}
}

func uniqueUUID(t *testing.T, s profile.Store) {
	a, b := newProfile(t, 1, "Cole"), newProfile(t, 2, "Dunn")
	a.UUID = "ext-1"
	create(t, s, a)
	b.UUID = "ext-1"
	wantConflict(t, "create with a taken uuid", s.Create(ctx, b, nil), a.ID)
	_, err := s.Get(ctx, b.ID)
	wantErr(t, "the refused create", err, profile.ErrNotFound)
	b.UUID = ""
	create(t, s, b)
	setUUID := func(v string) func(*profile.Profile) error {
		return func(p *profile.Profile) error {
			return p.Update(profile.Changes{UUID: profile.Field[string]{Set: true, Null: v == "", Value: v}}, base.Add(time.Minute))
		}
	}
	_, err = s.Update(ctx, b.ID, profile.IfMatchAny(), setUUID("ext-1"), nil)
	wantConflict(t, "update to a taken uuid", err, a.ID)
	if _, err := s.Update(ctx, a.ID, profile.IfMatchAny(), setUUID(""), nil); err != nil {
		t.Fatalf("clear a's uuid: %v", err)
	}
	if _, err := s.Update(ctx, b.ID, profile.IfMatchAny(), setUUID("ext-1"), nil); err != nil {
		t.Errorf("take a freed uuid: %v", err)
	}
	if err := s.Erase(ctx, b.ID, profile.IfMatchAny(), profile.ErasedByDelete); err != nil {
		t.Fatal(err)
	}
	c := newProfile(t, 3, "Eve")
	c.UUID = "ext-1"
	if err := s.Create(ctx, c, nil); err != nil {
		t.Errorf("take the uuid of a deleted profile: %v", err)
	}
}

func uniqueUserID(t *testing.T, s profile.Store) {
	// A profile linked to a user after its creation keeps the user unique
	// by a marker, which ProfileIDByUser reads.
	a, b := newProfile(t, 1, "Cole"), newProfile(t, 2, "Dunn")
	a.UserID = "user-a"
	create(t, s, a)
	if id, err := s.ProfileIDByUser(ctx, "user-a"); err != nil || id != a.ID {
		t.Errorf("ProfileIDByUser: %q, %v; want %s", id, err, a.ID)
	}
	b.UserID = "user-a"
	wantConflict(t, "create linked to a taken user", s.Create(ctx, b, nil), a.ID)
	if err := s.Erase(ctx, a.ID, profile.IfMatchAny(), profile.ErasedByDelete); err != nil {
		t.Fatal(err)
	}
	_, err := s.ProfileIDByUser(ctx, "user-a")
	wantErr(t, "ProfileIDByUser after Delete", err, profile.ErrNotFound)
	create(t, s, b)

	// A user's own profile (created on their first update) has an id
	// derived from theirs: a second is a conflict on that id.
	u, err := profile.NewForUser("user-u", profile.UserChanges{GivenName: str("Una")}, base)
	if err != nil {
		t.Fatal(err)
	}
	create(t, s, u)
	again, _ := profile.NewForUser("user-u", profile.UserChanges{GivenName: str("Una")}, base.Add(time.Second))
	wantConflict(t, "a second profile of the user", s.Create(ctx, again, nil), u.ID)
	same(t, "the user's profile", get(t, s, profile.UserProfileID("user-u")), u)
}

func idempotencyKey(t *testing.T, s profile.Store) {
	records, ok := s.(idempotency.Store)
	if !ok {
		t.Fatalf("%T is no idempotency.Store: where are the records a write takes?", s)
	}
	expires := time.Now().Add(idempotency.TTL).Truncate(time.Second)
	record := func(key string) *idempotency.Record {
		return &idempotency.Record{Key: key, RequestHash: "hash-" + key, Status: 201, Kind: idempotency.KindProfile, Expires: expires}
	}
	a, b := newProfile(t, 1, "Cole"), newProfile(t, 2, "Dunn")
	once := record("caller/key-1")
	once.ProfileID = a.ID
	if err := s.Create(ctx, a, once); err != nil {
		t.Fatal(err)
	}
	rec, err := records.Lookup(ctx, "caller/key-1", time.Now())
	if err != nil || rec.ProfileID != a.ID || rec.RequestHash != once.RequestHash || rec.Status != 201 || rec.Kind != idempotency.KindProfile || !rec.Expires.Equal(expires) {
		t.Errorf("Lookup: %+v, %v; want %+v", rec, err, *once)
	}
	_, err = records.Lookup(ctx, "caller/key-1", expires.Add(time.Second))
	wantErr(t, "Lookup after the record expired", err, idempotency.ErrUnknownKey)
	_, err = records.Lookup(ctx, "caller/other", time.Now())
	wantErr(t, "Lookup of an unused key", err, idempotency.ErrUnknownKey)

	var used *idempotency.UsedError
	if err := s.Create(ctx, b, record("caller/key-1")); !errors.As(err, &used) || used.Record.ProfileID != a.ID {
		t.Errorf("create with a used key: %v, want an UsedError naming %s", err, a.ID)
	}
	_, err = s.Get(ctx, b.ID)
	wantErr(t, "the create refused for its key", err, profile.ErrNotFound)

	// An update takes its key in the same write; its change may complete
	// the record.
	_, err = s.Update(ctx, a.ID, profile.IfMatchAny(), func(p *profile.Profile) error {
		return p.Update(profile.Changes{LastName: str("Never")}, base.Add(time.Minute))
	}, record("caller/key-1"))
	if !errors.As(err, &used) {
		t.Errorf("update with a used key: %v, want an UsedError", err)
	}
	if got := get(t, s, a.ID); got.LastName != "Cole" || got.Version != 1 {
		t.Errorf("the update refused for its key landed: %s", view(got))
	}
	once = record("caller/key-2")
	if _, err := s.Update(ctx, a.ID, profile.IfMatchAny(), func(p *profile.Profile) error {
		once.ProfileID, once.Kind = p.ID, idempotency.KindContact
		c, err := p.AddContact(profile.ContactChanges{Key: str(profile.KeyEmail), Value: str("new@store.example")}, base.Add(time.Minute))
		if err == nil {
			once.ContactID = c.ID
		}
		return err
	}, once); err != nil {
		t.Fatal(err)
	}
	rec, err = records.Lookup(ctx, "caller/key-2", time.Now())
	if err != nil || rec.ProfileID != a.ID || rec.ContactID == "" || rec.Kind != idempotency.KindContact {
		t.Errorf("the record the update's change completed: %+v, %v", rec, err)
	}
}

func contacts(t *testing.T, s profile.Store) {
	p := newProfile(t, 1, "Cole")
	create(t, s, p)
	at := base.Add(time.Minute)
	var added profile.Contact
	got, err := s.Update(ctx, p.ID, profile.IfMatchAny(), func(p *profile.Profile) error {
		c, err := p.AddContact(profile.ContactChanges{Key: str(profile.KeyEmail), Value: str("second@store.example")}, at)
		if err == nil {
			added = *c
		}
		return err
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Contacts) != 3 {
		t.Errorf("after add: %s", view(got))
	}
	c, err := s.GetContact(ctx, p.ID, added.ID)
	if err != nil || contactView(c) != contactView(&added) {
		t.Errorf("GetContact of the added contact: %+v, %v; want %+v", c, err, added)
	}
	_, err = s.Update(ctx, p.ID, profile.IfMatchAny(), func(p *profile.Profile) error {
		_, err := p.UpdateContact(added.ID, profile.ContactChanges{Value: str("changed@store.example")}, at.Add(time.Minute))
		return err
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := s.GetContact(ctx, p.ID, added.ID); err != nil || c.Value != "changed@store.example" || c.Version != 2 {
		t.Errorf("GetContact after its update: %+v, %v", c, err)
	}
	_, err = s.Update(ctx, p.ID, profile.IfMatchAny(), func(p *profile.Profile) error { return p.RemoveContact(p.Contacts[0].ID) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.GetContact(ctx, p.ID, p.Contacts[0].ID)
	wantErr(t, "GetContact of the removed contact", err, profile.ErrNotFound)
	if got := get(t, s, p.ID); len(got.Contacts) != 2 || got.Contacts[0].ID != p.Contacts[1].ID || got.Contacts[1].ID != added.ID {
		t.Errorf("after remove, contacts in creation order: %s", view(got))
	}
}

// held: Held reads the profile Get reads, and when it last changed: after
// a create, the latest time its profile or contacts show; after a
// contact's removal, which leaves no time of its own, the time of the
// write. A profile deleted or never made is not found.
func held(t *testing.T, s profile.Store) {
	p := newProfile(t, 3, "Held")
	latest := p.UpdateTime.Add(time.Hour)
	p.Contacts[1].UpdateTime = latest
	create(t, s, p)
	h, err := s.Held(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "Held's profile", h.Profile, get(t, s, p.ID))
	if !h.TouchTime.Equal(latest) {
		t.Errorf("TouchTime after the create %v, want the latest contact's update %v", h.TouchTime, latest)
	}
	start := time.Now().UTC().Truncate(time.Second)
	_, err = s.Update(ctx, p.ID, profile.IfMatchAny(), func(p *profile.Profile) error { return p.RemoveContact(p.Contacts[0].ID) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err = s.Held(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "Held's profile after the removal", h.Profile, get(t, s, p.ID))
	if h.TouchTime.Before(start) {
		t.Errorf("TouchTime after a contact's removal %v, want the write's time (from %v)", h.TouchTime, start)
	}
	if err := s.Erase(ctx, p.ID, profile.IfMatchAny(), profile.ErasedByDelete); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{p.ID, profile.NewID(base)} {
		_, err := s.Held(ctx, id)
		wantErr(t, "Held of "+id, err, profile.ErrNotFound)
	}
}

func listing(t *testing.T, s profile.Store) {
	var all []*profile.Profile
	for i, last := range []string{"delta", "Alpha", "charlie", "Bravo", "alpha", "Echo", "bravo"} {
		p := newProfile(t, i, last)
		p.Enabled = i%3 != 0
		create(t, s, p)
		all = append(all, p)
	}
	byKey := func(key func(*profile.Profile) string, desc bool) []string {
		ps := slices.Clone(all)
		slices.SortStableFunc(ps, func(a, b *profile.Profile) int {
			x, y := key(a)+"\x01"+a.ID, key(b)+"\x01"+b.ID
			if desc {
				x, y = y, x
			}
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		})
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		return ids
	}
	created := func(p *profile.Profile) string { return profile.FormatTime(p.CreateTime) }
	lower := func(p *profile.Profile) string { return strings.ToLower(p.LastName) }
	yes, no, alpha := true, false, "ALPHA"
	for _, tc := range []struct {
		name string
		q    profile.ListQuery
		want []string
	}{
		{"createTime", profile.ListQuery{Page: profile.Page{Limit: 3, SortBy: "createTime"}}, byKey(created, false)},
		{"createTime desc", profile.ListQuery{Page: profile.Page{Limit: 2, SortBy: "createTime", Desc: true}}, byKey(created, true)},
		{"lastName, any case", profile.ListQuery{Page: profile.Page{Limit: 4, SortBy: "lastName"}}, byKey(lower, false)},
		{"enabled only", profile.ListQuery{Page: profile.Page{Limit: 2, SortBy: "createTime"}, Filter: profile.Filter{Enabled: &yes}},
			filterIDs(byKey(created, false), all, func(p *profile.Profile) bool { return p.Enabled })},
		{"disabled only", profile.ListQuery{Page: profile.Page{Limit: 10, SortBy: "createTime"}, Filter: profile.Filter{Enabled: &no}},
			filterIDs(byKey(created, false), all, func(p *profile.Profile) bool { return !p.Enabled })},
		{"lastName filter, case-insensitive", profile.ListQuery{Page: profile.Page{Limit: 1, SortBy: "createTime"}, Filter: profile.Filter{LastName: &alpha}},
			filterIDs(byKey(created, false), all, func(p *profile.Profile) bool { return strings.ToLower(p.LastName) == "alpha" })},
	} {
		var got []string
		q := tc.q
		for page := 0; ; page++ {
			res, err := s.List(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if len(res.Items) > q.Limit {
				t.Errorf("%s: a page of %d, limit %d", tc.name, len(res.Items), q.Limit)
			}
			for _, p := range res.Items {
				got = append(got, p.ID)
			}
			if !res.More || page > len(all) {
				break
			}
			q.After = res.Last
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s, page by page:\n got %v\nwant %v", tc.name, got, tc.want)
		}
	}
	res, err := s.List(ctx, profile.ListQuery{Page: profile.Page{Limit: 2, Offset: 5, SortBy: "createTime"}})
	if want := byKey(created, false)[5:]; err != nil || !slices.Equal(ids(res.Items), want) || res.More {
		t.Errorf("offset 5: %v more=%v, %v; want %v", ids(res.Items), res.More, err, want)
	}
	if len(res.Items) > 0 && len(res.Items[0].Contacts) != 2 {
		t.Errorf("a listed profile comes with its contacts: %s", view(&res.Items[0]))
	}
}

func filterIDs(ids []string, all []*profile.Profile, keep func(*profile.Profile) bool) []string {
	var out []string
	for _, id := range ids {
		for _, p := range all {
			if p.ID == id && keep(p) {
				out = append(out, id)
			}
		}
	}
	return out
}

func ids(ps []profile.Profile) []string {
	out := make([]string, len(ps))
	for i := range ps {
		out[i] = ps[i].ID
	}
	return out
}

// eraseEveryCopy: an erasure removes the profile, frees its uuid and user
// id, and forgets the Idempotency-Key records of the requests about it
// (a create's and a contact add's), but not another profile's; it honours
// a pinned version, and is ErrNotFound once done.
func eraseEveryCopy(t *testing.T, s profile.Store) {
	records := s.(idempotency.Store)
	expires := time.Now().Add(idempotency.TTL).Truncate(time.Second)
	a, b := newProfile(t, 1, "Cole"), newProfile(t, 2, "Dunn")
	a.UUID, a.UserID = "erase-uuid", "erase-user" // a user id its id does not derive from: a user marker
	keyA := &idempotency.Record{Key: "caller/a", RequestHash: "h", Status: 201, Kind: idempotency.KindProfile, ProfileID: a.ID, Expires: expires}
	keyB := &idempotency.Record{Key: "caller/b", RequestHash: "h", Status: 201, Kind: idempotency.KindProfile, ProfileID: b.ID, Expires: expires}
	if err := s.Create(ctx, a, keyA); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, b, keyB); err != nil {
		t.Fatal(err)
	}
	added := &idempotency.Record{Key: "caller/a-contact", RequestHash: "h", Status: 201, Kind: idempotency.KindContact, Expires: expires}
	if _, err := s.Update(ctx, a.ID, profile.IfMatchAny(), func(p *profile.Profile) error {
		c, err := p.AddContact(profile.ContactChanges{Key: str(profile.KeyPhone), Value: str("+6421999000")}, base.Add(time.Minute))
		if err == nil {
			added.ProfileID, added.ContactID = p.ID, c.ID
		}
		return err
	}, added); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "an erasure pinned to an old version", s.Erase(ctx, a.ID, profile.IfMatch(1), profile.ErasedOnRequest), profile.ErrPreconditionFailed)
	get(t, s, a.ID)
	if err := s.Erase(ctx, a.ID, profile.IfMatch(2), profile.ErasedOnRequest); err != nil {
		t.Fatalf("erase: %v", err)
	}
	_, err := s.Get(ctx, a.ID)
	wantErr(t, "Get after the erasure", err, profile.ErrNotFound)
	_, err = s.GetContact(ctx, a.ID, a.Contacts[0].ID)
	wantErr(t, "GetContact after the erasure", err, profile.ErrNotFound)
	_, err = s.ProfileIDByUser(ctx, "erase-user")
	wantErr(t, "the user link after the erasure", err, profile.ErrNotFound)
	_, err = s.ProfileIDByUUID(ctx, "erase-uuid")
	wantErr(t, "the uuid after the erasure", err, profile.ErrNotFound)
	for _, key := range []string{"caller/a", "caller/a-contact"} {
		_, err = records.Lookup(ctx, key, time.Now())
		wantErr(t, "the record of "+key+" after the erasure", err, idempotency.ErrUnknownKey)
	}
	if rec, err := records.Lookup(ctx, "caller/b", time.Now()); err != nil || rec.ProfileID != b.ID {
		t.Errorf("another profile's record: %+v, %v", rec, err)
	}
	if ids, err := s.ProfileIDsByContact(ctx, profile.KeyEmail, a.Contacts[0].Value); err != nil || len(ids) != 0 {
		t.Errorf("the erased contact still finds %v, %v", ids, err)
	}
	wantErr(t, "a second erasure", s.Erase(ctx, a.ID, profile.IfMatchAny(), profile.ErasedOnRequest), profile.ErrNotFound)
	// The uuid is free again.
	c := newProfile(t, 3, "Eve")
	c.UUID = "erase-uuid"
	create(t, s, c)
	same(t, "the other profile", get(t, s, b.ID), b)
}

// erasureLookUps: an erasure request finds every profile with a contact
// value (emails case-insensitively), and the one holding a uuid.
func erasureLookUps(t *testing.T, s profile.Store) {
	a, b, c := newProfile(t, 1, "Cole"), newProfile(t, 2, "Dunn"), newProfile(t, 3, "Eve")
	b.Contacts[0].Value = strings.ToUpper(a.Contacts[0].Value[:1]) + a.Contacts[0].Value[1:]
	a.UUID = "lookup-uuid"
	for _, p := range []*profile.Profile{a, b, c} {
		create(t, s, p)
	}
	ids, err := s.ProfileIDsByContact(ctx, profile.KeyEmail, strings.ToUpper(a.Contacts[0].Value))
	slices.Sort(ids)
	want := []string{a.ID, b.ID}
	slices.Sort(want)
	if err != nil || !slices.Equal(ids, want) {
		t.Errorf("ProfileIDsByContact(email) = %v, %v; want %v", ids, err, want)
	}
	if ids, err := s.ProfileIDsByContact(ctx, profile.KeyPhone, c.Contacts[1].Value); err != nil || !slices.Equal(ids, []string{c.ID}) {
		t.Errorf("ProfileIDsByContact(phone) = %v, %v; want [%s]", ids, err, c.ID)
	}
	if id, err := s.ProfileIDByUUID(ctx, "lookup-uuid"); err != nil || id != a.ID {
		t.Errorf("ProfileIDByUUID = %q, %v; want %s", id, err, a.ID)
	}
	_, err = s.ProfileIDByUUID(ctx, "no-such-uuid")
	wantErr(t, "ProfileIDByUUID of no profile", err, profile.ErrNotFound)
}

// erasureKey: the key of an erasure request, taken after its erasures,
// keeps the receipt for the replay, and a key used before is an UsedError.
func erasureKey(t *testing.T, s profile.Store) {
	records := s.(idempotency.Store)
	at := base.Add(time.Hour)
	once := &idempotency.Record{Key: "caller/erase", RequestHash: "h", Status: 200, Kind: idempotency.KindErasure,
		Erased: []string{"0123456789abcdef01234567"}, ErasedAt: at, Expires: time.Now().Add(idempotency.TTL).Truncate(time.Second)}
	if err := s.TakeKey(ctx, once); err != nil {
		t.Fatal(err)
	}
	rec, err := records.Lookup(ctx, "caller/erase", time.Now())
	if err != nil || !slices.Equal(rec.Erased, once.Erased) || !rec.ErasedAt.Equal(at) || rec.Kind != idempotency.KindErasure || rec.Status != 200 {
		t.Errorf("Lookup: %+v, %v; want %+v", rec, err, *once)
	}
	var used *idempotency.UsedError
	again := *once
	again.Erased = nil
	if err := s.TakeKey(ctx, &again); !errors.As(err, &used) || !slices.Equal(used.Record.Erased, once.Erased) {
		t.Errorf("TakeKey of a used key: %v, want an UsedError with the first receipt", err)
	}
}
