package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/profiles-service/profiles/shared/idempotency"
)

// SortKey is sortKey, for the external tests that compare listings with an
// in-memory order.
var SortKey = sortKey

// ShardOf is shardOf, for the tests that place profiles in chosen list
// partitions.
var ShardOf = shardOf

// PutKeyRecord writes the items a keyed request about rec.ProfileID takes
// (its record and the pointer to it) on their own, as many keyed requests
// would have, without a write of the profile each time.
func (s *Store) PutKeyRecord(ctx context.Context, rec *idempotency.Record) error {
	items, err := s.onceItems(rec, s.budget.Now())
	if err != nil {
		return err
	}
	for _, it := range items {
		if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: it.tx.Put.Item}); err != nil {
			return err
		}
	}
	return nil
}
