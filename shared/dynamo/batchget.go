package dynamo

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/profile"
)

// batchGetLimit is the most keys one BatchGetItem takes.
const batchGetLimit = 100

// getMany reads profiles by id, eventually consistent as the index that
// named them (batchGet). A missing profile, or one being erased, is absent
// from the map.
func (s *Store) getMany(ctx context.Context, ids []string) (map[string]*profile.Profile, error) {
	items, err := s.batchGet(ctx, ids)
	if err != nil {
		return nil, err
	}
	found := make(map[string]*profile.Profile, len(items))
	for _, raw := range items {
		p, err := decodeProfile(raw)
		if err != nil {
			return nil, err
		}
		// Not the fence of a create that never landed, nor a profile
		// whose erasure began.
		if p.ID != "" && stringAttr(raw, erasureAttr) == "" {
			found[p.ID] = p
		}
	}
	return found, nil
}

// batchGet reads the profile items of ids (with names, only those
// attributes), eventually consistent, a BatchGetItem of up to 100 at a
// time, again for the keys DynamoDB leaves unprocessed. An item missing is
// absent from the answer, which is in no particular order.
func (s *Store) batchGet(ctx context.Context, ids []string, names ...string) ([]map[string]types.AttributeValue, error) {
	base := types.KeysAndAttributes{}
	if len(names) > 0 {
		proj := expression.NamesList(expression.Name(names[0]))
		for _, n := range names[1:] {
			proj = proj.AddNames(expression.Name(n))
		}
		expr, err := expression.NewBuilder().WithProjection(proj).Build()
		if err != nil {
			return nil, err
		}
		base.ProjectionExpression, base.ExpressionAttributeNames = expr.Projection(), expr.Names()
	}
	// BatchGetItem refuses a request that names a key twice.
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = key(profileKey(id), profileSK)
	}
	return s.batchGetItems(ctx, base, keys)
}

// batchGetItems reads the items of keys (distinct), with base's projection
// and consistency, a BatchGetItem of up to 100 at a time, again for the
// keys DynamoDB leaves unprocessed. An item missing is absent from the
// answer, which is in no particular order.
func (s *Store) batchGetItems(ctx context.Context, base types.KeysAndAttributes, keys []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	for len(keys) > 0 {
		n := min(len(keys), batchGetLimit)
		ka := base
		ka.Keys = keys[:n]
		keys = keys[n:]
		req := map[string]types.KeysAndAttributes{s.table: ka}
		for attempt := 1; len(req) > 0; attempt++ {
			out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, classify(err)
			}
			items = append(items, out.Responses[s.table]...)
			if req = out.UnprocessedKeys; len(req) > 0 {
				if err := backoff(ctx, attempt); err != nil {
					return nil, classify(err)
				}
			}
		}
	}
	return items, nil
}
