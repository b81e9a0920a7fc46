package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/profile"
)

// userMarked is the user id a profile's user marker holds, "" when it
// needs none: a profile whose id is derived from its user's
// (profile.UserProfileID) is found, and kept unique, by that id alone.
func userMarked(p *profile.Profile) string {
	if p.UserID == "" || p.ID == profile.UserProfileID(p.UserID) {
		return ""
	}
	return p.UserID
}

// markerWrites moves a uniqueness marker of field from old to new: the new
// one must not exist yet, the old one is removed.
func (s *Store) markerWrites(profileID, old, new string, field uniqueField) []otherItem {
	if old == new {
		return nil
	}
	var items []otherItem
	if old != "" {
		items = append(items, otherItem{tx: types.TransactWriteItem{Delete: &types.Delete{
			TableName: &s.table, Key: key(field.prefix+old, markerSK),
		}}})
	}
	if new != "" {
		pk := field.prefix + new
		m, _ := attributevalue.MarshalMap(markerItem{PK: pk, SK: markerSK, Type: field.itemType, ProfileID: profileID})
		items = append(items, otherItem{marker: &markerRef{pk: pk, field: field}, tx: types.TransactWriteItem{Put: &types.Put{
			TableName: &s.table, Item: m,
			ConditionExpression:                 aws.String("attribute_not_exists(PK)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}}})
	}
	return items
}

// profileIDByMarker returns the profile holding a unique value ("" when none).
func (s *Store) profileIDByMarker(ctx context.Context, pk string) (string, error) {
	if len(pk) > maxPartitionKey {
		// No stored value is this long (validation bounds them): asking
		// DynamoDB would only be a ValidationException.
		return "", nil
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true), Key: key(pk, markerSK),
	})
	if err != nil {
		return "", classify(err)
	}
	if out.Item == nil {
		return "", nil
	}
	var m markerItem
	err = attributevalue.UnmarshalMap(out.Item, &m)
	return m.ProfileID, err
}

// ProfileIDByUser returns the id of the profile linked to the user, or ErrNotFound.
func (s *Store) ProfileIDByUser(ctx context.Context, userID string) (string, error) {
	id, err := s.profileIDByMarker(ctx, userField.prefix+userID)
	if err == nil && id == "" {
		err = profile.ErrNotFound
	}
	return id, err
}
