package dynamo

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/profile"
)

// batchWriteLimit is the most items one BatchWriteItem takes.
const batchWriteLimit = 25

// Load writes new profiles with their contacts, the same items Create
// writes, with BatchWriteItem instead of one transaction each: to seed a
// table (benchmarks), many times faster. It checks nothing that Create's
// transaction checks (an existing profile, a taken uuid or userId), so it
// refuses profiles with a uuid or a userId, whose markers must stay unique.
func (s *Store) Load(ctx context.Context, profiles []*profile.Profile) error {
	var writes []types.WriteRequest
	for _, p := range profiles {
		if p.UUID != "" || p.UserID != "" {
			return errors.New("dynamo: Load takes no profile with a uuid or a userId; use Create")
		}
		item, err := attributevalue.MarshalMap(toItem(p, s.shards))
		if err != nil {
			return err
		}
		item["writeId"] = &types.AttributeValueMemberS{Value: newWriteID()}
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		for i := range p.Contacts {
			ci, err := attributevalue.MarshalMap(toContactItem(&p.Contacts[i]).standalone(p.ID))
			if err != nil {
				return err
			}
			writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: ci}})
		}
	}
	for len(writes) > 0 {
		n := min(len(writes), batchWriteLimit)
		if err := s.batchWrite(ctx, writes[:n]); err != nil {
			return err
		}
		writes = writes[n:]
	}
	return nil
}

// batchWrite writes one batch, again and again with backoff for the items
// DynamoDB leaves unprocessed, until the context ends.
func (s *Store) batchWrite(ctx context.Context, writes []types.WriteRequest) error {
	for attempt := 1; ; attempt++ {
		out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
			RequestItems: map[string][]types.WriteRequest{s.table: writes},
		})
		if err != nil {
			return classify(err)
		}
		if writes = out.UnprocessedItems[s.table]; len(writes) == 0 {
			return nil
		}
		if err := backoff(ctx, attempt); err != nil {
			return classify(err)
		}
	}
}
