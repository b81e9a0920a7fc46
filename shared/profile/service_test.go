package profile_test

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/memstore"
	"github.com/profiles-service/profiles/shared/budget"
	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
)

// The service's tests run on memstore, which keeps the DynamoDB store's
// contract (local/storetest): what they show of the use cases holds on
// either store.

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func set[T any](v T) profile.Field[T] { return profile.Field[T]{Set: true, Value: v} }

// newService is the service on an empty memstore, with a clock fixed at t0.
func newService(t *testing.T) (*profile.Service, *memstore.Store) {
	t.Helper()
	store := memstore.New()
	return profile.NewService(store, store, budget.Budget{Now: func() time.Time { return t0 }}), store
}

// keyed is an Idempotency-Key's record as the api's wrapper makes it:
// the ids are the service's to fill.
func keyed(key string, kind idempotency.Kind) *idempotency.Record {
	return &idempotency.Record{Key: key, RequestHash: "h-" + key, Status: 200, Kind: kind,
		Expires: time.Now().Add(idempotency.TTL)}
}

// TestServiceCreateWritesTheClock: the service's clock, not the caller's
// or the machine's, is the time a create records.
func TestServiceCreateWritesTheClock(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	p, err := svc.Create(context.Background(), profile.Input{Changes: profile.Changes{FirstName: set("Mary")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !p.CreateTime.Equal(t0) || !p.UpdateTime.Equal(t0) || !svc.Now().Equal(t0) {
		t.Errorf("createTime %v, updateTime %v, Now %v: want the service's clock %v", p.CreateTime, p.UpdateTime, svc.Now(), t0)
	}
}

// TestServiceContactIfMatch: a contact's If-Match names the contact's
// version (not the profile's); a stale one is ErrPreconditionFailed and
// changes nothing; "*" and no If-Match apply to any version.
func TestServiceContactIfMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pre  func(contact, profile int64) profile.Precondition
		want error
	}{
		{"matching", func(c, _ int64) profile.Precondition { return profile.IfMatch(c) }, nil},
		{"one of several", func(c, _ int64) profile.Precondition { return profile.IfMatch(c+7, c) }, nil},
		{"stale", func(c, _ int64) profile.Precondition { return profile.IfMatch(c - 1) }, profile.ErrPreconditionFailed},
		{"the profile's version", func(_, p int64) profile.Precondition { return profile.IfMatch(p) }, profile.ErrPreconditionFailed},
		{"none of the listed", func(c, _ int64) profile.Precondition { return profile.IfMatch() }, profile.ErrPreconditionFailed},
		{"star", func(int64, int64) profile.Precondition { return profile.IfMatchAny() }, nil},
		{"absent", func(int64, int64) profile.Precondition { return profile.Precondition{} }, nil},
	}
	writes := []struct {
		name string
		do   func(svc *profile.Service, profileID, contactID string, pre profile.Precondition) error
		// landed reports whether the write is in the profile as read after it.
		landed func(p *profile.Profile, contactID string) bool
	}{
		{"update",
			func(svc *profile.Service, pid, cid string, pre profile.Precondition) error {
				_, err := svc.UpdateContact(context.Background(), pid, cid, pre, profile.ContactChanges{Verified: set(true)})
				return err
			},
			func(p *profile.Profile, cid string) bool { return p.Contact(cid).Verified }},
		{"remove",
			func(svc *profile.Service, pid, cid string, pre profile.Precondition) error {
				return svc.RemoveContact(context.Background(), pid, cid, pre)
			},
			func(p *profile.Profile, cid string) bool { return p.Contact(cid) == nil }},
	}
	for _, w := range writes {
		for _, tt := range tests {
			t.Run(w.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				svc, _ := newService(t)
				p, err := svc.Create(ctx, profile.Input{Contacts: []profile.ContactChanges{
					{Key: set(profile.KeyEmail), Value: set("a@example.com")},
				}}, nil)
				if err != nil {
					t.Fatal(err)
				}
				// A second contact and a change of the first: the profile is
				// at version 3, the first contact at 2.
				if _, err := svc.AddContact(ctx, p.ID, profile.ContactChanges{Key: set(profile.KeyEmail), Value: set("b@example.com")}, nil); err != nil {
					t.Fatal(err)
				}
				cid := p.Contacts[0].ID
				c, err := svc.UpdateContact(ctx, p.ID, cid, profile.Precondition{}, profile.ContactChanges{UUID: set("u-1")})
				if err != nil {
					t.Fatal(err)
				}
				before, err := svc.Get(ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if c.Version != 2 || before.Version != 3 {
					t.Fatalf("setup: contact version %d, profile version %d, want 2 and 3", c.Version, before.Version)
				}

				err = w.do(svc, p.ID, cid, tt.pre(c.Version, before.Version))
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				after, err := svc.Get(ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if tt.want != nil {
					if !reflect.DeepEqual(after, before) {
						t.Errorf("a refused write changed the profile:\n got %+v\nwant %+v", after, before)
					}
					return
				}
				if !w.landed(after, cid) || after.Version != before.Version+1 {
					t.Errorf("an allowed write did not land: %+v", after)
				}
			})
		}
	}
}

// TestServiceContactIfMatchOfMissingContact: a contact that does not exist
// is a 404 whatever its If-Match, as before the service.
func TestServiceContactIfMatchOfMissingContact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _ := newService(t)
	p, err := svc.Create(ctx, profile.Input{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	missing := profile.NewID(t0)
	if _, err := svc.UpdateContact(ctx, p.ID, missing, profile.IfMatch(1), profile.ContactChanges{Verified: set(true)}); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("update: err = %v, want ErrNotFound", err)
	}
	if err := svc.RemoveContact(ctx, p.ID, missing, profile.IfMatch(1)); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("remove: err = %v, want ErrNotFound", err)
	}
}

// TestServiceFillsIdempotencyRecord: each keyed use case records the ids of
// what it made in the record, and takes the key in the same write: the
// store's record holds the same ids.
func TestServiceFillsIdempotencyRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		kind idempotency.Kind
		// do runs the use case with once and returns the ids it made.
		do func(t *testing.T, svc *profile.Service, once *idempotency.Record) (profileID, contactID string)
	}{
		{"create", idempotency.KindProfile, func(t *testing.T, svc *profile.Service, once *idempotency.Record) (string, string) {
			p, err := svc.Create(ctx, profile.Input{Changes: profile.Changes{FirstName: set("Mary")}}, once)
			if err != nil {
				t.Fatal(err)
			}
			return p.ID, ""
		}},
		{"add contact", idempotency.KindContact, func(t *testing.T, svc *profile.Service, once *idempotency.Record) (string, string) {
			p, err := svc.Create(ctx, profile.Input{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			c, err := svc.AddContact(ctx, p.ID, profile.ContactChanges{Key: set(profile.KeyPhone), Value: set("+12025550123")}, once)
			if err != nil {
				t.Fatal(err)
			}
			return p.ID, c.ID
		}},
		{"user's first update", idempotency.KindUser, func(t *testing.T, svc *profile.Service, once *idempotency.Record) (string, string) {
			p, err := svc.UpdateUser(ctx, "user-1", profile.UserChanges{GivenName: set("Una")}, once)
			if err != nil {
				t.Fatal(err)
			}
			return p.ID, ""
		}},
		{"user's later update", idempotency.KindUser, func(t *testing.T, svc *profile.Service, once *idempotency.Record) (string, string) {
			if _, err := svc.UpdateUser(ctx, "user-1", profile.UserChanges{GivenName: set("Una")}, nil); err != nil {
				t.Fatal(err)
			}
			p, err := svc.UpdateUser(ctx, "user-1", profile.UserChanges{FamilyName: set("Ode")}, once)
			if err != nil {
				t.Fatal(err)
			}
			return p.ID, ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc, store := newService(t)
			once := keyed("k-"+tt.name, tt.kind)
			profileID, contactID := tt.do(t, svc, once)
			if profileID == "" || once.ProfileID != profileID || once.ContactID != contactID {
				t.Errorf("record's ids = (%q, %q), want (%q, %q)", once.ProfileID, once.ContactID, profileID, contactID)
			}
			stored, err := store.Lookup(ctx, once.Key, time.Now())
			if err != nil {
				t.Fatalf("the key was not taken in the write: %v", err)
			}
			if !reflect.DeepEqual(stored, *once) {
				t.Errorf("stored record = %+v, want %+v", stored, *once)
			}
		})
	}
}

// TestServiceUserCreatesThenUpdates: a user's first update creates their
// profile (its id derived from theirs), the next one updates that profile.
func TestServiceUserCreatesThenUpdates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _ := newService(t)
	first, err := svc.UpdateUser(ctx, "user-1", profile.UserChanges{GivenName: set("Una"), Email: set("una@example.com")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != profile.UserProfileID("user-1") || first.UserID != "user-1" || first.Version != 1 {
		t.Errorf("first update made id %q user %q version %d, want a new profile %q of user-1",
			first.ID, first.UserID, first.Version, profile.UserProfileID("user-1"))
	}
	second, err := svc.UpdateUser(ctx, "user-1", profile.UserChanges{FamilyName: set("Ode")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.UserProfile(ctx, "user-1")
	if err != nil {
		t.Fatal(err)
	}
	u := got.User()
	if second.ID != first.ID || got.Version != 2 || u.GivenName != "Una" || u.FamilyName != "Ode" || u.Email != "una@example.com" {
		t.Errorf("after the second update: id %q version %d view %+v, want %q at version 2 with both changes",
			got.ID, got.Version, u, first.ID)
	}
}

// TestServiceUserOfLinkedProfile: a profile linked to a user before ids
// were derived from the user's is found by the user's marker, read and
// updated in place, never doubled by a create.
func TestServiceUserOfLinkedProfile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, store := newService(t)
	linked, err := profile.New(profile.Input{Changes: profile.Changes{FirstName: set("Old")}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	linked.UserID = "legacy-user"
	if err := store.Create(ctx, linked, nil); err != nil {
		t.Fatal(err)
	}
	got, err := svc.UpdateUser(ctx, "legacy-user", profile.UserChanges{GivenName: set("New")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != linked.ID || got.FirstName != "New" || got.Version != 2 {
		t.Errorf("update of the linked user: id %q firstName %q version %d, want %q New 2", got.ID, got.FirstName, got.Version, linked.ID)
	}
	if _, err := svc.Get(ctx, profile.UserProfileID("legacy-user")); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("a derived profile was created beside the linked one: %v", err)
	}
	read, err := svc.UserProfile(ctx, "legacy-user")
	if err != nil || read.ID != linked.ID {
		t.Errorf("UserProfile = %v, %v; want the linked profile %q", read, err, linked.ID)
	}
	if _, err := svc.UserProfile(ctx, "nobody"); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("UserProfile of a user without a profile: %v, want ErrNotFound", err)
	}
}

// racingStore lets another request create the user's profile just before
// the service's own create of it.
type racingStore struct {
	*memstore.Store
	racer   *profile.Profile
	creates atomic.Int32
}

func (s *racingStore) Create(ctx context.Context, p *profile.Profile, once *idempotency.Record) error {
	if s.creates.Add(1) == 1 {
		if err := s.Store.Create(ctx, s.racer, nil); err != nil {
			return err
		}
	}
	return s.Store.Create(ctx, p, once)
}

// TestServiceUserCreateRaceBecomesUpdate: a first update whose create
// loses to another's for the same user applies its change to the
// profile the other made: one profile with both changes, and the key
// taken in the update that landed.
func TestServiceUserCreateRaceBecomesUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	racer, err := profile.NewForUser("user-1", profile.UserChanges{GivenName: set("Racer")}, t0)
	if err != nil {
		t.Fatal(err)
	}
	store := &racingStore{Store: memstore.New(), racer: racer}
	svc := profile.NewService(store, store, budget.Budget{Now: func() time.Time { return t0.Add(time.Second) }})
	once := keyed("k-race", idempotency.KindUser)
	got, err := svc.UpdateUser(ctx, "user-1", profile.UserChanges{FamilyName: set("Ours")}, once)
	if err != nil {
		t.Fatal(err)
	}
	if n := store.creates.Load(); n != 1 {
		t.Errorf("%d creates, want 1: the lost create becomes an update", n)
	}
	read, err := svc.UserProfile(ctx, "user-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != racer.ID || read.Version != 2 || read.FirstName != "Racer" || read.LastName != "Ours" {
		t.Errorf("after the race: id %q version %d names %q %q, want %q at version 2 with Racer Ours",
			read.ID, read.Version, read.FirstName, read.LastName, racer.ID)
	}
	if rec, err := store.Lookup(ctx, once.Key, time.Now()); err != nil || rec.ProfileID != racer.ID {
		t.Errorf("the key's record = %+v, %v; want it taken with profile %q", rec, err, racer.ID)
	}
}

// countingStore counts the calls that reach the store.
type countingStore struct {
	profile.Store
	calls atomic.Int32
}

func (s *countingStore) Get(ctx context.Context, id string) (*profile.Profile, error) {
	s.calls.Add(1)
	return s.Store.Get(ctx, id)
}

func (s *countingStore) Update(ctx context.Context, id string, pre profile.Precondition, change func(*profile.Profile) error, once *idempotency.Record) (*profile.Profile, error) {
	s.calls.Add(1)
	return s.Store.Update(ctx, id, pre, change, once)
}

func (s *countingStore) Create(ctx context.Context, p *profile.Profile, once *idempotency.Record) error {
	s.calls.Add(1)
	return s.Store.Create(ctx, p, once)
}

func (s *countingStore) ProfileIDByUser(ctx context.Context, userID string) (string, error) {
	s.calls.Add(1)
	return s.Store.ProfileIDByUser(ctx, userID)
}

// TestServiceRefusesEmptyChange: an update that sets nothing is a
// validation error of the body, before the store is asked anything, so a
// missing profile or a stale If-Match does not hide it.
func TestServiceRefusesEmptyChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		do   func(svc *profile.Service) error
	}{
		{"profile", func(svc *profile.Service) error {
			_, err := svc.Update(ctx, profile.NewID(t0), profile.IfMatch(9), profile.Changes{})
			return err
		}},
		{"user", func(svc *profile.Service) error {
			_, err := svc.UpdateUser(ctx, "user-1", profile.UserChanges{}, keyed("k", idempotency.KindUser))
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := &countingStore{Store: memstore.New()}
			err := tt.do(profile.NewService(store, nil, budget.Budget{}))
			var ve *profile.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Field != "body" {
				t.Fatalf("err = %v, want a ValidationError of the body", err)
			}
			if n := store.calls.Load(); n != 0 {
				t.Errorf("%d store calls for an empty change, want 0", n)
			}
		})
	}
}

// TestServiceProfileIfMatch: a profile's If-Match names the profile's
// version; a stale one is ErrPreconditionFailed and changes nothing.
func TestServiceProfileIfMatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	writes := []struct {
		name string
		do   func(svc *profile.Service, id string, pre profile.Precondition) error
	}{
		{"update", func(svc *profile.Service, id string, pre profile.Precondition) error {
			_, err := svc.Update(ctx, id, pre, profile.Changes{LastName: set("Smith")})
			return err
		}},
		{"delete", func(svc *profile.Service, id string, pre profile.Precondition) error {
			return svc.Delete(ctx, id, pre)
		}},
	}
	tests := []struct {
		name string
		pre  profile.Precondition
		want error
	}{
		{"matching", profile.IfMatch(1), nil},
		{"stale", profile.IfMatch(2), profile.ErrPreconditionFailed},
		{"star", profile.IfMatchAny(), nil},
	}
	for _, w := range writes {
		for _, tt := range tests {
			t.Run(w.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				svc, _ := newService(t)
				p, err := svc.Create(ctx, profile.Input{Changes: profile.Changes{FirstName: set("Mary")}}, nil)
				if err != nil {
					t.Fatal(err)
				}
				before, err := svc.Get(ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if err := w.do(svc, p.ID, tt.pre); !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				after, err := svc.Get(ctx, p.ID)
				switch {
				case tt.want != nil && !reflect.DeepEqual(after, before):
					t.Errorf("a refused write changed the profile: %+v, %v", after, err)
				case tt.want == nil && w.name == "update" && (err != nil || after.LastName != "Smith" || after.Version != 2):
					t.Errorf("the update did not land: %+v, %v", after, err)
				case tt.want == nil && w.name == "delete" && !errors.Is(err, profile.ErrNotFound):
					t.Errorf("the delete did not land: %+v, %v", after, err)
				}
			})
		}
	}
}

// TestServiceReads: the listings and reads answer what the writes stored.
func TestServiceReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _ := newService(t)
	p, err := svc.Create(ctx, profile.Input{Changes: profile.Changes{FirstName: set("Mary")}, Contacts: []profile.ContactChanges{
		{Key: set(profile.KeyEmail), Value: set("a@example.com")},
		{Key: set(profile.KeyPhone), Value: set("+12025550123")},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Create(ctx, profile.Input{Changes: profile.Changes{FirstName: set("Joe")}}, nil); err != nil {
		t.Fatal(err)
	}
	mary := "mary"
	list, err := svc.List(ctx, profile.ListQuery{Page: profile.Page{Limit: 10, SortBy: "createTime"}, Filter: profile.Filter{FirstName: &mary}})
	if err != nil || len(list.Items) != 1 || list.Items[0].ID != p.ID {
		t.Errorf("List by firstName = %+v, %v; want only %q", list.Items, err, p.ID)
	}
	phone := profile.KeyPhone
	contacts, err := svc.ListContacts(ctx, p.ID, profile.ContactQuery{Page: profile.Page{Limit: 10, SortBy: "createTime"}, Key: &phone})
	if err != nil || len(contacts.Items) != 1 || contacts.Items[0].Value != "+12025550123" {
		t.Errorf("ListContacts of phones = %+v, %v; want the one phone", contacts.Items, err)
	}
	if _, err := svc.ListContacts(ctx, profile.NewID(t0), profile.ContactQuery{Page: profile.Page{Limit: 10}}); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("ListContacts of a missing profile: %v, want ErrNotFound", err)
	}
	c, err := svc.GetContact(ctx, p.ID, p.Contacts[0].ID)
	if err != nil || !reflect.DeepEqual(*c, p.Contacts[0]) {
		t.Errorf("GetContact = %+v, %v; want %+v", c, err, p.Contacts[0])
	}
}
