package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/local/testenv"
	"github.com/profiles-service/profiles/shared/profile"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestBackfillMovesItemsToTheNewShape: items in the shape of the version
// before the index change (list partition without the enabled state,
// contacts without their look-up) are invisible to the new listings; the
// backfill makes every listing and look-up find them again, versions kept.
func TestBackfillMovesItemsToTheNewShape(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs DynamoDB Local")
	}
	stack := testenv.NewStack(t)
	ctx := context.Background()
	str := func(v string) profile.Field[string] { return profile.Field[string]{Set: true, Value: v} }
	var ids []string
	for i, email := range []string{"old1@example.com", "old2@example.com", "old3@example.com"} {
		p, err := profile.New(profile.Input{Changes: profile.Changes{LastName: str("Old"),
			Enabled: profile.Field[bool]{Set: true, Value: i != 1}},
			Contacts: []profile.ContactChanges{{Key: str(profile.KeyEmail), Value: str(email)}}}, profile.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := stack.Store.Create(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
		// The old shape: listPK was PROFILES#<shard>, contacts had no lookup.
		if _, err := stack.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(stack.Config.TableName),
			Key:              map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "PROFILE#" + p.ID}, "SK": &types.AttributeValueMemberS{Value: "PROFILE"}},
			UpdateExpression: aws.String("SET listPK = :old"), ExpressionAttributeValues: map[string]types.AttributeValue{":old": &types.AttributeValueMemberS{Value: "PROFILES#0"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := stack.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(stack.Config.TableName),
			Key:              map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "PROFILE#" + p.ID}, "SK": &types.AttributeValueMemberS{Value: "CONTACT#" + p.Contacts[0].ID}},
			UpdateExpression: aws.String("REMOVE lookup")}); err != nil {
			t.Fatal(err)
		}
	}
	found := func() (all, disabled, byEmail int) {
		list := func(f profile.Filter) int {
			res, err := stack.Store.List(ctx, profile.ListQuery{Page: profile.Page{Limit: 10, SortBy: "lastName"}, Filter: f})
			if err != nil {
				t.Fatal(err)
			}
			return len(res.Items)
		}
		no, email := false, "old2@example.com"
		return list(profile.Filter{}), list(profile.Filter{Enabled: &no}), list(profile.Filter{Email: &email})
	}
	if a, d, e := found(); a+d+e != 0 {
		t.Fatalf("the old-shape items are already listed (%d, %d, %d): the test does not make the old shape", a, d, e)
	}
	var log bytes.Buffer
	n, err := backfill(ctx, stack.Store, &log)
	if err != nil || n != 3 {
		t.Fatalf("backfill: %d, %v", n, err)
	}
	if a, d, e := found(); a != 3 || d != 1 || e != 1 {
		t.Errorf("after the backfill: %d listed, %d disabled, %d by email; want 3, 1, 1", a, d, e)
	}
	for _, id := range ids {
		p, err := stack.Store.Get(ctx, id)
		if err != nil || p.Version != 1 {
			t.Errorf("profile %s after the backfill: version %v, %v; want 1", id, p.Version, err)
		}
	}
}
