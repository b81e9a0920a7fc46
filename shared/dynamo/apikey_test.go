package dynamo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/dynamo"
)

func newKeyRecord(t *testing.T, name string, created time.Time) auth.APIKey {
	t.Helper()
	_, rec, err := auth.NewAPIKey(name, created)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestAPIKeyNamesAreUnique: a second key under a taken name is refused
// with auth.ErrNameTaken, and nothing of it reaches the table: no key item
// the authorizer could accept, no name item.
func TestAPIKeyNamesAreUnique(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	st := testenv.NewStack(t)
	ctx := context.Background()
	first := newKeyRecord(t, "partner-a", time.Now())
	if err := st.Store.PutAPIKey(ctx, first); err != nil {
		t.Fatal(err)
	}
	before := scanAll(t, st.DB, st.Config.TableName)
	second := newKeyRecord(t, "partner-a", time.Now())
	if err := st.Store.PutAPIKey(ctx, second); !errors.Is(err, auth.ErrNameTaken) {
		t.Fatalf("a second key named partner-a: %v, want auth.ErrNameTaken", err)
	}
	if _, err := st.Store.APIKey(ctx, second.Hash); !errors.Is(err, auth.ErrUnknownKey) {
		t.Errorf("the refused key's item is in the table: %v", err)
	}
	after := scanAll(t, st.DB, st.Config.TableName)
	if len(after) != len(before) {
		t.Errorf("the refused key wrote: %d items before, %d after", len(before), len(after))
	}
	for _, it := range after {
		for name, v := range it {
			if flatten(v) == second.Hash || flatten(v) == "APIKEY#"+second.Hash {
				t.Errorf("item %s/%s holds the refused key's hash in %s", flatten(it["PK"]), flatten(it["SK"]), name)
			}
		}
	}
	if err := st.Store.PutAPIKey(ctx, newKeyRecord(t, "partner-b", time.Now())); err != nil {
		t.Errorf("another name: %v", err)
	}
}

// TestAPIKeysListsByName: the listing holds every named key, by name, as
// the authorizer reads it: creation, expiry, last-used day, revoked; a key
// revoked by its name is revoked for the authorizer.
func TestAPIKeysListsByName(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	st := testenv.NewStack(t)
	ctx := context.Background()
	created := time.Date(2026, 2, 1, 9, 30, 0, 0, time.UTC)
	b := newKeyRecord(t, "partner-b", created)
	b.ExpireTime = created.Add(90 * 24 * time.Hour)
	a := newKeyRecord(t, "partner-a", created.Add(time.Hour))
	for _, k := range []auth.APIKey{b, a} {
		if err := st.Store.PutAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Store.MarkAPIKeyUsed(ctx, b.Hash, "2026-02-03"); err != nil {
		t.Fatal(err)
	}
	if err := st.Store.RevokeAPIKeyByName(ctx, "partner-a"); err != nil {
		t.Fatal(err)
	}
	if err := st.Store.RevokeAPIKeyByName(ctx, "partner-z"); !errors.Is(err, auth.ErrUnknownKey) {
		t.Errorf("revoking an unknown name: %v, want auth.ErrUnknownKey", err)
	}
	got, err := st.Store.APIKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a.Revoked = true
	b.LastUsedDay = "2026-02-03"
	want := []auth.APIKey{a, b}
	if len(got) != len(want) {
		t.Fatalf("listed %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.Hash != w.Hash || !g.CreateTime.Equal(w.CreateTime) || !g.ExpireTime.Equal(w.ExpireTime) ||
			g.LastUsedDay != w.LastUsedDay || g.Revoked != w.Revoked {
			t.Errorf("listed[%d] = %+v, want %+v", i, g, w)
		}
	}
	if rec, err := st.Store.APIKey(ctx, a.Hash); err != nil || !rec.Revoked {
		t.Errorf("the authorizer reads the key revoked by name as %+v, %v", rec, err)
	}
}

// TestMarkAPIKeyUsedOnlyMovesForward: the last-used day is written when it
// is a later day than the recorded one; the same day again, an earlier day
// (a slow call), or an unknown key write nothing and are no error.
func TestMarkAPIKeyUsedOnlyMovesForward(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	st := testenv.NewStack(t)
	ctx := context.Background()
	k := newKeyRecord(t, "partner-a", time.Now())
	if err := st.Store.PutAPIKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct{ mark, want string }{
		{"2026-04-02", "2026-04-02"},
		{"2026-04-02", "2026-04-02"},
		{"2026-04-01", "2026-04-02"},
		{"2026-04-03", "2026-04-03"},
	} {
		if err := st.Store.MarkAPIKeyUsed(ctx, k.Hash, step.mark); err != nil {
			t.Fatalf("mark %s: %v", step.mark, err)
		}
		if rec, err := st.Store.APIKey(ctx, k.Hash); err != nil || rec.LastUsedDay != step.want {
			t.Fatalf("after marking %s: %+v, %v; want last used %s", step.mark, rec, err, step.want)
		}
	}
	items := len(scanAll(t, st.DB, st.Config.TableName))
	unknown := auth.HashAPIKey("pk_unknown")
	if err := st.Store.MarkAPIKeyUsed(ctx, unknown, "2026-04-03"); err != nil {
		t.Errorf("marking an unknown key: %v", err)
	}
	if n := len(scanAll(t, st.DB, st.Config.TableName)); n != items {
		t.Errorf("marking an unknown key made an item: %d items, then %d", items, n)
	}
}

var _ auth.Keys = (*dynamo.Store)(nil)
