package dynamo

import (
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/idempotency"
)

// TestProfileFromImage: of the items the store writes, only profile items
// are profiles; each reads back as the profile it was written from.
func TestProfileFromImage(t *testing.T) {
	p := fullProfile()
	s := &Store{table: "t"}
	marshal := func(v any) map[string]types.AttributeValue {
		item, err := attributevalue.MarshalMap(v)
		if err != nil {
			t.Fatal(err)
		}
		return item
	}
	put := func(items []otherItem) map[string]types.AttributeValue {
		if len(items) != 1 || items[0].tx.Put == nil {
			t.Fatalf("want one Put, got %+v", items)
		}
		return items[0].tx.Put.Item
	}
	once, err := s.onceItems(&idempotency.Record{Key: "key", RequestHash: "h", ProfileID: p.ID, Expires: time.Now()}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(once) != 2 {
		t.Fatalf("a record about a profile is %d items, want the record and its pointer", len(once))
	}
	badVersion := storedItem(t, p)
	badVersion["version"] = &types.AttributeValueMemberS{Value: "7"}
	for _, tc := range []struct {
		name      string
		image     map[string]types.AttributeValue
		isProfile bool
		wantErr   bool
	}{
		{"profile", storedItem(t, p), true, false},
		{"profile with a bad attribute", badVersion, false, true},
		{"contact item", marshal(toContactItem(&p.Contacts[0]).standalone(p.ID)), false, false},
		{"uuid marker", put(s.markerWrites(p.ID, "", p.UUID, uuidField)), false, false},
		{"user marker", put(s.markerWrites(p.ID, "", p.UserID, userField)), false, false},
		{"API key", marshal(apiKeyItem{PK: apiKeyPrefix + "abc", SK: markerSK, Type: "apikey", Hash: "abc"}), false, false},
		{"idempotency record", once[0].tx.Put.Item, false, false},
		{"pointer to an idempotency record", once[1].tx.Put.Item, false, false},
		// As fence's UpdateItem leaves it.
		{"fence", map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: profileKey(p.ID)}, "SK": &types.AttributeValueMemberS{Value: profileSK},
			"type": &types.AttributeValueMemberS{Value: fenceType}, "expiresAt": number(1),
			"fenced": &types.AttributeValueMemberSS{Value: []string{"w1"}}}, false, false},
		{"empty image", nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := profileFromImage(tc.image)
			if (got != nil) != tc.isProfile || (err != nil) != tc.wantErr {
				t.Fatalf("profileFromImage: %v, error %v; want a profile %v, error %v", got, err, tc.isProfile, tc.wantErr)
			}
			if tc.isProfile && !reflect.DeepEqual(utc(got), utc(p)) {
				t.Errorf("got %+v\nwant %+v", got, p)
			}
		})
	}
}
