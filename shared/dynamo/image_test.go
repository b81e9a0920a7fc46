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
	marshal := func(v any) map[string]types.AttributeValue {
		item, err := attributevalue.MarshalMap(v)
		if err != nil {
			t.Fatal(err)
		}
		return item
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
		{"profile with a bad attribute", badVersion, true, true},
		{"contact item", marshal(toContactItem(&p.Contacts[0]).standalone(p.ID)), false, false},
		{"uuid marker", marshal(markerItem{PK: uuidField.prefix + p.UUID, SK: markerSK, Type: uuidField.itemType, ProfileID: p.ID}), false, false},
		{"user marker", marshal(markerItem{PK: userField.prefix + p.UserID, SK: markerSK, Type: userField.itemType, ProfileID: p.ID}), false, false},
		{"API key", marshal(apiKeyItem{PK: apiKeyPrefix + "abc", SK: markerSK, Type: "apikey", Hash: "abc"}), false, false},
		{"idempotency record", marshal(toIdempotencyItem(idempotency.Record{Key: "key", RequestHash: "h", Expires: time.Now()})), false, false},
		{"fence", fenceItem(p.ID, time.Now()), false, false},
		{"empty image", nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, isProfile, err := ProfileFromImage(tc.image)
			if isProfile != tc.isProfile || (err != nil) != tc.wantErr {
				t.Fatalf("ProfileFromImage: profile %v, error %v; want profile %v, error %v", isProfile, err, tc.isProfile, tc.wantErr)
			}
			if tc.isProfile && !tc.wantErr && !reflect.DeepEqual(utc(got), utc(p)) {
				t.Errorf("got %+v\nwant %+v", got, p)
			}
		})
	}
}
