package dynamo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/budget"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
)

// TestWritesReadTheBudgetsClock: the store's writes take the time from
// its budget's clock, not the machine's: the touchTime an update stamps,
// and the "now" against which a used Idempotency-Key's record has expired.
func TestWritesReadTheBudgetsClock(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	st := testenv.NewStack(t)
	ctx := context.Background()
	storeAt := func(now time.Time) *dynamo.Store {
		return dynamo.New(st.DB, st.Config.TableName, st.Config.ListShards,
			dynamo.WithBudget(budget.Budget{Now: func() time.Time { return now }}))
	}

	t.Run("touchTime", func(t *testing.T) {
		yearAgo := time.Now().UTC().Add(-365 * 24 * time.Hour).Truncate(time.Second)
		store := storeAt(yearAgo)
		p := newProfile(t, store, "Clocked")
		if _, err := store.Update(ctx, p.ID, profile.Precondition{}, setFirstName("Moved"), nil); err != nil {
			t.Fatal(err)
		}
		touched := ""
		for _, it := range scanAll(t, st.DB, st.Config.TableName) {
			if v, ok := it["profileId"].(*types.AttributeValueMemberS); ok && v.Value == p.ID {
				if tt, ok := it["touchTime"].(*types.AttributeValueMemberS); ok {
					touched = tt.Value
				}
			}
		}
		if want := profile.FormatTime(yearAgo); touched != want {
			t.Errorf("touchTime %q, want the store's clock %q", touched, want)
		}
	})

	t.Run("a key's expiry", func(t *testing.T) {
		now := time.Now().UTC()
		key := func() *idempotency.Record {
			return &idempotency.Record{Key: "k-clock", RequestHash: "h", Status: 201, Kind: idempotency.KindProfile, Expires: now.Add(idempotency.TTL)}
		}
		if err := storeAt(now).Create(ctx, unstored(t, "First"), key()); err != nil {
			t.Fatal(err)
		}
		var used *idempotency.UsedError
		if err := storeAt(now.Add(time.Hour)).Create(ctx, unstored(t, "Again"), key()); !errors.As(err, &used) {
			t.Fatalf("the key within its TTL on the store's clock: %v, want an *idempotency.UsedError", err)
		}
		if err := storeAt(now.Add(idempotency.TTL+time.Hour)).Create(ctx, unstored(t, "Later"), key()); err != nil {
			t.Errorf("the key past its TTL on the store's clock: %v, want it taken again", err)
		}
	})
}

// unstored is a new profile, not yet written.
func unstored(t *testing.T, name string) *profile.Profile {
	t.Helper()
	p, err := profile.New(profile.Input{Changes: profile.Changes{FirstName: profile.Field[string]{Set: true, Value: name}}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return p
}
