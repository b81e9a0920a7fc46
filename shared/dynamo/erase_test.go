package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/budget"
	"github.com/profiles-service/profiles/shared/dynamo"
	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
)

// erasable is a profile with contacts, a uuid and a legacy user marker
// (its id not derived from the user's), stored.
func erasable(t *testing.T, st *testenv.Stack, contacts int) *profile.Profile {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	id := profile.NewID(now)
	p := &profile.Profile{ID: id, FirstName: "Erin", LastName: "Erasable-" + id, Tags: []string{"t-erase"},
		UUID: "uuid-" + profile.NewID(now), UserID: "user-" + profile.NewID(now), CreateTime: now, UpdateTime: now, Version: 1}
	for i := range contacts {
		p.Contacts = append(p.Contacts, profile.Contact{ID: profile.NewID(now), Key: profile.KeyEmail,
			Value: fmt.Sprintf("c%d-%s@erase.example", i, p.ID), CreateTime: now, UpdateTime: now, Version: 1})
	}
	if err := st.Store.Create(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

// valuesOf are the values of p an erased table must not hold.
func valuesOf(p *profile.Profile) []string {
	vs := []string{p.ID, p.UUID, p.UserID, p.LastName}
	for _, c := range p.Contacts {
		vs = append(vs, c.ID, c.Value)
	}
	return vs
}

// requireNone fails for each item of the table holding one of the values.
func requireNone(t *testing.T, st *testenv.Stack, values []string) {
	t.Helper()
	for _, it := range scanAll(t, st.DB, st.Config.TableName) {
		var all strings.Builder
		for name, v := range it {
			all.WriteString(name + "=" + flatten(v) + " ")
		}
		for _, v := range values {
			if strings.Contains(strings.ToLower(all.String()), strings.ToLower(v)) {
				t.Errorf("item %s/%s still holds %q", flatten(it["PK"]), flatten(it["SK"]), v)
			}
		}
	}
}

// keyRecord is a keyed request's record about the profile.
func keyRecord(profileID string, i int) *idempotency.Record {
	return &idempotency.Record{Key: fmt.Sprintf("caller\x00key-%s-%d", profileID, i), RequestHash: "h", Status: 201,
		Kind: idempotency.KindContact, ProfileID: profileID, ContactID: profileID, Expires: time.Now().Add(idempotency.TTL)}
}

// TestEraseFinishesAnErasureCutShort: a profile whose erasure stopped
// after its mark (the process died) is gone to every read, still found by
// its contacts' values, and the next erasure finishes it, even one pinned
// to another version: the mark was the decision.
func TestEraseFinishesAnErasureCutShort(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	st := testenv.NewStack(t)
	ctx := context.Background()
	p := erasable(t, st, 3)
	if err := st.Store.PutKeyRecord(ctx, keyRecord(p.ID, 1)); err != nil {
		t.Fatal(err)
	}
	// The mark, as the erasure's first write leaves it.
	if _, err := st.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(st.Config.TableName),
		Key:                       map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "PROFILE#" + p.ID}, "SK": &types.AttributeValueMemberS{Value: "PROFILE"}},
		UpdateExpression:          aws.String("SET erasure = :r"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":r": &types.AttributeValueMemberS{Value: "request"}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Store.Get(ctx, p.ID); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("Get of a marked profile: %v, want ErrNotFound", err)
	}
	if ids, err := st.Store.ProfileIDsByContact(ctx, profile.KeyEmail, p.Contacts[1].Value); err != nil || len(ids) != 1 || ids[0] != p.ID {
		t.Errorf("the marked profile by its contact: %v, %v", ids, err)
	}
	if err := st.Store.Erase(ctx, p.ID, profile.IfMatch(99), profile.ErasedOnRequest); err != nil {
		t.Fatalf("the erasure that finishes: %v", err)
	}
	requireNone(t, st, valuesOf(p))
	if err := st.Store.Erase(ctx, p.ID, profile.Precondition{}, profile.ErasedOnRequest); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("an erasure once finished: %v, want ErrNotFound", err)
	}
}

// TestEraseMeetingAnErasureUnderWayIsNotFound: an erasure that finds the
// mark of another still under way (its deadline not past) finishes it and
// answers ErrNotFound: that mark ended the profile before this erasure
// read it, so only the erasure that set it answers that it erased.
func TestEraseMeetingAnErasureUnderWayIsNotFound(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	st := testenv.NewStack(t)
	ctx := context.Background()
	p := erasable(t, st, 2)
	// The mark, as an erasure under way leaves it.
	until := profile.FormatTime(time.Now().Add(time.Minute))
	if _, err := st.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(st.Config.TableName),
		Key:              map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "PROFILE#" + p.ID}, "SK": &types.AttributeValueMemberS{Value: "PROFILE"}},
		UpdateExpression: aws.String("SET erasure = :r, erasureDeadline = :d"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":r": &types.AttributeValueMemberS{Value: "delete"}, ":d": &types.AttributeValueMemberS{Value: until}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.Store.Erase(ctx, p.ID, profile.Precondition{}, profile.ErasedByDelete); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("an erasure meeting one under way: %v, want ErrNotFound", err)
	}
	requireNone(t, st, valuesOf(p))
}

// TestEraseMoreThanOneTransactionHolds: a profile whose partition and
// records are more than 100 items is erased in several transactions,
// completely.
func TestEraseMoreThanOneTransactionHolds(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	// Its transactions are of 50 items, which a DynamoDB Local shared by a
	// loaded machine takes seconds to apply: each call is waited for long
	// enough (what must hold holds at any speed).
	st := testenv.NewStack(t)
	store := dynamo.New(st.DB, st.Config.TableName, st.Config.ListShards, dynamo.WithBudget(budget.Budget{Timeout: time.Minute, CallTimeout: 15 * time.Second}))
	ctx := context.Background()
	p := erasable(t, st, 10)
	for i := range 60 { // 120 items: a record and its pointer each
		if err := st.Store.PutKeyRecord(ctx, keyRecord(p.ID, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Erase(ctx, p.ID, profile.Precondition{}, profile.ErasedByDelete); err != nil {
		t.Fatal(err)
	}
	requireNone(t, st, valuesOf(p))
	if n := len(scanAll(t, st.DB, st.Config.TableName)); n != 0 {
		t.Errorf("%d items left in the table", n)
	}
}

// TestEraseLeavesAKeyTakenAgain: a record about the erased profile that
// expired and whose key another profile's request took since is that
// profile's now: the erasure removes its own pointer, not the record.
func TestEraseLeavesAKeyTakenAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	st := testenv.NewStack(t)
	ctx := context.Background()
	a, b := erasable(t, st, 1), erasable(t, st, 1)
	old := keyRecord(a.ID, 1)
	if err := st.Store.PutKeyRecord(ctx, old); err != nil {
		t.Fatal(err)
	}
	again := keyRecord(a.ID, 1) // the same key, now about b
	again.ProfileID, again.ContactID = b.ID, b.ID
	if err := st.Store.PutKeyRecord(ctx, again); err != nil {
		t.Fatal(err)
	}
	if err := st.Store.Erase(ctx, a.ID, profile.Precondition{}, profile.ErasedOnRequest); err != nil {
		t.Fatal(err)
	}
	requireNone(t, st, valuesOf(a))
	if rec, err := st.Store.Lookup(ctx, again.Key, time.Now()); err != nil || rec.ProfileID != b.ID {
		t.Errorf("the key b's request took: %+v, %v", rec, err)
	}
}

// TestEraseWhoseRemovalFailsIsOutcomeUnknown: an erasure whose mark is
// written has ended the profile; when the removal of its items then fails,
// its answer must not say that nothing happened (a 503 that a client takes
// for "not erased" while every read answers 404). It is outcome-unknown,
// and the next erasure finishes the removal.
func TestEraseWhoseRemovalFailsIsOutcomeUnknown(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	t.Parallel()
	cfg := testenv.Config(t)
	proxy := testenv.NewFaultProxy(t, cfg.Endpoint)
	cfg.Endpoint = proxy.URL
	st := testenv.NewStackWith(t, cfg)
	ctx := context.Background()
	p := erasable(t, st, 2)
	// Only the removal's transaction deletes items: the mark passes.
	proxy.OnlyWritesHolding(`"Delete"`)
	proxy.Set(testenv.ThrottleWrites, 1, 0)
	short, cancel := context.WithTimeout(ctx, 3*time.Second)
	err := st.Store.Erase(short, p.ID, profile.Precondition{}, profile.ErasedOnRequest)
	cancel()
	proxy.Set(testenv.Pass, 0, 0)
	proxy.OnlyWritesHolding("")
	if !errors.Is(err, profile.ErrOutcomeUnknown) {
		t.Fatalf("an erasure whose removal failed after its mark: %v, want ErrOutcomeUnknown", err)
	}
	if _, err := st.Store.Get(ctx, p.ID); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("Get after the mark: %v, want ErrNotFound", err)
	}
	if err := st.Store.Erase(ctx, p.ID, profile.Precondition{}, profile.ErasedOnRequest); err != nil && !errors.Is(err, profile.ErrNotFound) {
		t.Fatalf("the erasure that finishes: %v", err)
	}
	requireNone(t, st, valuesOf(p))
}
