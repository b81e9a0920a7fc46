package profile_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/memstore"
	"github.com/profiles-service/profiles/shared/budget"
	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
)

// keys is the records of used keys as a test sets them: memstore's, a
// failure of every look-up (err), and how many look-ups there were.
type keys struct {
	store   *memstore.Store
	err     error
	lookups atomic.Int32
}

func (k *keys) Lookup(ctx context.Context, key string, now time.Time) (idempotency.Record, error) {
	k.lookups.Add(1)
	if k.err != nil {
		return idempotency.Record{}, k.err
	}
	return k.store.Lookup(ctx, key, now)
}

// TestServiceKeyed: a keyed request runs once; what its key's record says
// decides the answer of a request that met it or met a state the first
// request may have caused.
func TestServiceKeyed(t *testing.T) {
	t.Parallel()
	hasher := idempotency.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	request := func(body string) *idempotency.Record {
		once := &idempotency.Record{Key: "caller\x00k", Kind: idempotency.KindProfile, Status: 201, Expires: time.Now().Add(idempotency.TTL)}
		hasher.Hash(once, "POST", "/profiles", []byte(body))
		return once
	}
	errStore := errors.New("the table is unreachable")
	tests := []struct {
		name      string
		firstRan  bool  // a first request with the key made a profile
		deleted   bool  // and that profile was deleted since
		other     bool  // this request's body differs from the first's
		lookFirst bool  // Keyed looks the key up before running
		runErr    error // what run answers, when it runs
		lookupErr error // what every look-up answers
		wantRun   bool
		wantReply bool
		wantErr   error
		lookups   int32
	}{
		{name: "a first request runs", wantRun: true},
		{name: "a used key met in the write replays", firstRan: true, runErr: &idempotency.UsedError{}, wantRun: true, wantReply: true, lookups: 0},
		{name: "a used key looked up first runs nothing", firstRan: true, lookFirst: true, wantReply: true, lookups: 1},
		{name: "an unused key looked up first runs", lookFirst: true, wantRun: true, lookups: 1},
		{name: "a conflict of a used key replays", firstRan: true, runErr: &profile.ConflictError{}, wantRun: true, wantReply: true, lookups: 1},
		{name: "a conflict of an unused key is the conflict", runErr: &profile.ConflictError{}, wantRun: true, wantErr: &profile.ConflictError{}, lookups: 1},
		{name: "not found of an unused key is not found", runErr: profile.ErrNotFound, wantRun: true, wantErr: profile.ErrNotFound, lookups: 1},
		{name: "an invalid request is refused without a look-up", runErr: profile.Invalid("firstName", "bad"), wantRun: true, wantErr: &profile.ValidationError{}, lookups: 0},
		{name: "a key used with another request is a 422", firstRan: true, other: true, lookFirst: true, wantErr: profile.ErrKeyReused, lookups: 1},
		{name: "a replay of what was deleted since", deleted: true, lookFirst: true, wantErr: profile.ErrReplayedDeleted, lookups: 1},
		{name: "a state met while the record cannot be read is outcome-unknown", runErr: profile.ErrPreconditionFailed, lookupErr: errStore, wantRun: true, wantErr: profile.ErrOutcomeUnknown, lookups: 1},
		{name: "a look-up first that fails runs nothing", lookFirst: true, lookupErr: errStore, wantErr: errStore, lookups: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			store := memstore.New()
			k := &keys{store: store}
			svc := profile.NewService(store, k, budget.Budget{Now: func() time.Time { return t0 }})
			var first *profile.Profile
			if tt.firstRan {
				var err error
				if first, err = svc.Create(ctx, profile.Input{Changes: profile.Changes{FirstName: set("First")}}, request(`{"firstName":"First"}`)); err != nil {
					t.Fatal(err)
				}
			}
			if tt.deleted {
				// A contact added with the key, removed since (a profile's
				// erasure would take its keys' records with it).
				p, err := svc.Create(ctx, profile.Input{Changes: profile.Changes{FirstName: set("Holder")}}, nil)
				if err != nil {
					t.Fatal(err)
				}
				once := request(`{"firstName":"First"}`)
				once.Kind = idempotency.KindContact
				c, err := svc.AddContact(ctx, p.ID, profile.ContactChanges{Key: set(profile.KeyEmail), Value: set("gone@example.com")}, once)
				if err != nil {
					t.Fatal(err)
				}
				if err := svc.RemoveContact(ctx, p.ID, c.ID, profile.Precondition{}); err != nil {
					t.Fatal(err)
				}
			}
			body := `{"firstName":"First"}`
			if tt.other {
				body = `{"firstName":"Other"}`
			}
			runErr := tt.runErr
			if used := (*idempotency.UsedError)(nil); errors.As(runErr, &used) {
				// The write met the record the first request left.
				rec, err := store.Lookup(ctx, "caller\x00k", t0)
				if err != nil {
					t.Fatal(err)
				}
				runErr = &idempotency.UsedError{Record: rec}
			}
			k.err = tt.lookupErr
			ran := false
			r, err := svc.Keyed(ctx, request(body), tt.lookFirst, func() error { ran = true; return runErr })
			if ran != tt.wantRun {
				t.Errorf("ran %v, want %v", ran, tt.wantRun)
			}
			if got := k.lookups.Load(); got != tt.lookups {
				t.Errorf("%d look-ups of the key, want %d", got, tt.lookups)
			}
			switch {
			case tt.wantReply:
				if err != nil || r == nil || r.Profile == nil || r.Profile.ID != first.ID || r.Record.Status != 201 {
					t.Fatalf("Keyed = %+v, %v; want the replay of profile %s, status 201", r, err, first.ID)
				}
			case tt.wantErr != nil:
				var ce *profile.ConflictError
				var ve *profile.ValidationError
				ok := errors.Is(err, tt.wantErr) || errors.As(tt.wantErr, &ce) && errors.As(err, &ce) || errors.As(tt.wantErr, &ve) && errors.As(err, &ve)
				if r != nil || !ok {
					t.Fatalf("Keyed = %+v, %v; want the error %v", r, err, tt.wantErr)
				}
			default:
				if r != nil || err != nil {
					t.Fatalf("Keyed = %+v, %v; want run's answer (nil)", r, err)
				}
			}
		})
	}
}
