package dynamo

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/profile"
)

// batchGetLimit is the most keys one BatchGetItem takes.
const batchGetLimit = 100

// getMany reads profiles by id, eventually consistent as the index that
// named them, a BatchGetItem of up to 100 at a time, again for the keys
// DynamoDB leaves unprocessed. A missing profile, or one being erased, is
// absent from the map.
func (s *Store) getMany(ctx context.Context, ids []string) (map[string]*profile.Profile, error) {
	// BatchGetItem refuses a request that names a key twice.
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	found := make(map[string]*profile.Profile, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), batchGetLimit)
		keys := make([]map[string]types.AttributeValue, n)
		for i, id := range ids[:n] {
			keys[i] = key(profileKey(id), profileSK)
		}
		ids = ids[n:]
		req := map[string]types.KeysAndAttributes{s.table: {Keys: keys}}
		for attempt := 1; len(req) > 0; attempt++ {
			out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, classify(err)
			}
			for _, raw := range out.Responses[s.table] {
				p, err := decodeProfile(raw)
				if err != nil {
					return nil, err
				}
				// Not the fence of a create that never landed, nor a
				// profile whose erasure began.
				if p.ID != "" && stringAttr(raw, erasureAttr) == "" {
					found[p.ID] = p
				}
			}
			if req = out.UnprocessedKeys; len(req) > 0 {
				if err := backoff(ctx, attempt); err != nil {
					return nil, classify(err)
				}
			}
		}
	}
	return found, nil
}
