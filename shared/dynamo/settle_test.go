package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/lambdaapp"
	"github.com/profiles-service/profiles/shared/profile"
)

// faultyStore is a store on a fresh table whose DynamoDB calls go through
// a fault proxy, with the SDK's own retries off: every fault reaches the
// store's own settling and backoff. direct is a store on the same table
// without the proxy, to see what landed.
func faultyStore(t *testing.T) (faulty, direct *dynamo.Store, proxy *testenv.FaultProxy) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	cfg := testenv.Config(t)
	st := testenv.NewStackWith(t, cfg)
	proxy = testenv.NewFaultProxy(t, cfg.Endpoint)
	awsCfg, err := lambdaapp.AWSConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(proxy.URL)
		o.RetryMaxAttempts = 1
	})
	return dynamo.New(client, cfg.TableName, cfg.ListShards), st.Store, proxy
}

func within(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func setFirstName(name string) func(*profile.Profile) error {
	return func(p *profile.Profile) error {
		return p.Update(profile.Changes{FirstName: profile.Field[string]{Set: true, Value: name}}, time.Now())
	}
}

func addPhone(phone string) func(*profile.Profile) error {
	return func(p *profile.Profile) error {
		_, err := p.AddContact(profile.ContactChanges{Key: profile.Field[string]{Set: true, Value: profile.KeyPhone},
			Value: profile.Field[string]{Set: true, Value: phone}}, time.Now())
		return err
	}
}

func newProfile(t *testing.T, s *dynamo.Store, name string) *profile.Profile {
	t.Helper()
	now := time.Now()
	p := &profile.Profile{ID: profile.NewID(now), FirstName: name, Tags: []string{}, CreateTime: now, UpdateTime: now, Version: 1}
	if err := s.Create(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLostAnswersAreSettledByTheToken: DynamoDB applies every write, and
// the first answers of each are lost (the connection drops). The store
// sends the identical transaction again with its ClientRequestToken and
// answers success, and each write took effect exactly once: one version
// more, one contact more, one profile, none left.
func TestLostAnswersAreSettledByTheToken(t *testing.T) {
	t.Parallel()
	faulty, direct, proxy := faultyStore(t)
	p := newProfile(t, direct, "Before")
	proxy.Set(testenv.LoseAnswers, 1, 2) // each token's first two answers

	got, err := faulty.Update(within(t, 5*time.Second), p.ID, profile.Precondition{}, setFirstName("After"), nil)
	if err != nil {
		t.Fatalf("update whose answers were lost: %v", err)
	}
	stored, err := direct.Get(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.FirstName != "After" || stored.Version != p.Version+1 || got.Version != stored.Version {
		t.Errorf("after one update: stored %q v%d (answered v%d), want %q v%d", stored.FirstName, stored.Version, got.Version, "After", p.Version+1)
	}

	if _, err := faulty.Update(within(t, 5*time.Second), p.ID, profile.Precondition{}, addPhone("+15550001111"), nil); err != nil {
		t.Fatalf("contact add whose answers were lost: %v", err)
	}
	if stored, _ = direct.Get(context.Background(), p.ID); len(stored.Contacts) != 1 || stored.Version != p.Version+2 {
		t.Errorf("after one contact add: %d contacts, v%d; want 1, v%d", len(stored.Contacts), stored.Version, p.Version+2)
	}

	now := time.Now()
	created := &profile.Profile{ID: profile.NewID(now), FirstName: "New", UUID: "settled-create", Tags: []string{}, CreateTime: now, UpdateTime: now, Version: 1}
	if err := faulty.Create(within(t, 5*time.Second), created, nil); err != nil {
		t.Fatalf("create whose answers were lost: %v", err)
	}
	if _, err := direct.Get(context.Background(), created.ID); err != nil {
		t.Errorf("the settled create is not stored: %v", err)
	}

	if err := faulty.Erase(within(t, 5*time.Second), p.ID, profile.Precondition{}, profile.ErasedByDelete); err != nil {
		t.Fatalf("delete whose answers were lost: %v", err)
	}
	if _, err := direct.Get(context.Background(), p.ID); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("the settled delete left the profile: %v", err)
	}
}

// TestAnswersTellTheOutcome: a write that never reaches DynamoDB, whose
// connection drops each time, cannot be settled: it is ErrOutcomeUnknown
// at its deadline, not a plain ErrUnavailable. A throttled one was refused
// by DynamoDB: ErrUnavailable, and it did not land. Neither changed the
// profile.
func TestAnswersTellTheOutcome(t *testing.T) {
	t.Parallel()
	faulty, direct, proxy := faultyStore(t)
	p := newProfile(t, direct, "Kept")

	proxy.Set(testenv.ResetWrites, 1, 0)
	start := time.Now()
	_, err := faulty.Update(within(t, time.Second), p.ID, profile.Precondition{}, setFirstName("Reset"), nil)
	if !errors.Is(err, profile.ErrOutcomeUnknown) {
		t.Errorf("update whose every call dropped: %v, want ErrOutcomeUnknown", err)
	}
	if elapsed := time.Since(start); elapsed > 30*time.Second {
		t.Errorf("the unknown outcome came after %v: the deadline did not bound it", elapsed)
	}

	proxy.Set(testenv.Throttle, 1, 0)
	_, err = faulty.Update(within(t, time.Second), p.ID, profile.Precondition{}, setFirstName("Throttled"), nil)
	if !errors.Is(err, profile.ErrUnavailable) || errors.Is(err, profile.ErrOutcomeUnknown) {
		t.Errorf("throttled update: %v, want ErrUnavailable", err)
	}

	proxy.Set(testenv.Pass, 0, 0)
	if stored, _ := direct.Get(context.Background(), p.ID); stored.FirstName != "Kept" || stored.Version != p.Version {
		t.Errorf("a write that never reached DynamoDB or was refused changed the profile: %q v%d", stored.FirstName, stored.Version)
	}
}

// TestConflictsBackOffAndLand: DynamoDB cancels concurrent transactions on
// one item with TransactionConflict (DynamoDB Local never does, so the
// proxy answers it for half the write calls). The store backs off and tries
// again; every write lands once.
func TestConflictsBackOffAndLand(t *testing.T) {
	t.Parallel()
	faulty, direct, proxy := faultyStore(t)
	p := newProfile(t, direct, "Hot")
	proxy.Set(testenv.Conflict, 0.5, 0)
	for i := range 5 {
		if _, err := faulty.Update(within(t, 8*time.Second), p.ID, profile.Precondition{}, addPhone("+1555000200"+string(rune('0'+i))), nil); err != nil {
			t.Fatalf("contact add %d under conflicts: %v", i, err)
		}
	}
	if stored, _ := direct.Get(context.Background(), p.ID); len(stored.Contacts) != 5 || stored.Version != p.Version+5 {
		t.Errorf("after 5 contact adds under conflicts: %d contacts, v%d; want 5, v%d", len(stored.Contacts), stored.Version, p.Version+5)
	}
}

// TestConcurrentRemovalsCommute: removals mark their contacts removed in
// place, so 12 concurrent removals of 12 contacts of one profile all land,
// and adds keep the limit on the live contacts: the profile ends with none
// of the removed contacts, each removal counted once in the version, and
// no contact item left behind.
func TestConcurrentRemovalsCommute(t *testing.T) {
	t.Parallel()
	_, s, _ := faultyStore(t)
	p := newProfile(t, s, "Many")
	const n = 12
	for i := range n {
		if _, err := s.Update(context.Background(), p.ID, profile.Precondition{}, addPhone(fmt.Sprintf("+155500030%02d", i)), nil); err != nil {
			t.Fatal(err)
		}
	}
	full, err := s.Get(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, c := range full.Contacts {
		wg.Go(func() {
			_, errs[i] = s.Update(within(t, 8*time.Second), p.ID, profile.Precondition{}, func(p *profile.Profile) error {
				return p.RemoveContact(c.ID)
			}, nil)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("removal %d: %v", i, err)
		}
	}
	got, err := s.Get(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Contacts) != 0 || got.Version != full.Version+n {
		t.Errorf("after %d removals: %d contacts, v%d; want 0, v%d", n, len(got.Contacts), got.Version, full.Version+n)
	}
	for _, c := range full.Contacts {
		if _, err := s.GetContact(context.Background(), p.ID, c.ID); !errors.Is(err, profile.ErrNotFound) {
			t.Errorf("contact item %s left: %v", c.ID, err)
		}
	}
	// The limit counts live contacts only: 50 adds fit again, the 51st not.
	for i := range profile.MaxContacts + 1 {
		_, err := s.Update(context.Background(), p.ID, profile.Precondition{}, addPhone(fmt.Sprintf("+155500040%02d", i)), nil)
		var ce *profile.ConflictError
		if i < profile.MaxContacts && err != nil || i == profile.MaxContacts && !errors.As(err, &ce) {
			t.Fatalf("add %d after the removals: %v", i+1, err)
		}
	}
}
