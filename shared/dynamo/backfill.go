package dynamo

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Rewrite writes a profile's item and its contacts' items again in the
// current shape (the index keys, contactKeys and touchTime, and the
// contact look-up this version writes), on and keeping its version: the
// backfill after a change of shape (docs/upgrading.md). A profile changed
// meanwhile is read again; one deleted meanwhile is ErrNotFound.
func (s *Store) Rewrite(ctx context.Context, id string) error {
	return s.retryWrite(ctx, nil, func() error {
		p, stored, err := s.read(ctx, id)
		if err != nil {
			return err
		}
		// From the same profile without its contacts: every contact item
		// is written again, the markers stay.
		before := *p
		before.Contacts = nil
		w := write{op: opUpdate, profileID: id}
		if w.cond, w.exact, err = s.profileUpdate(p, p, rewrite, layout{legacy: true, copy: stored.copy}, s.budget.Now()); err != nil {
			return err
		}
		if err := s.changedItems(&w, &before, p); err != nil {
			return err
		}
		return s.commit(ctx, w)
	})
}

// ProfileIDs pages through the ids of every profile with a Scan: for
// operations tools (the backfill), never for a request. start is the
// previous page's next ("" to begin); next is "" after the last page.
func (s *Store) ProfileIDs(ctx context.Context, start string) (ids []string, next string, err error) {
	in := &dynamodb.ScanInput{TableName: &s.table, ProjectionExpression: aws.String("PK, SK, profileId"),
		FilterExpression: aws.String("SK = :sk"), ExpressionAttributeValues: map[string]types.AttributeValue{":sk": &types.AttributeValueMemberS{Value: profileSK}}}
	if pk, sk, ok := strings.Cut(start, "\x00"); ok {
		in.ExclusiveStartKey = key(pk, sk)
	}
	out, err := s.db.Scan(ctx, in)
	if err != nil {
		return nil, "", classify(err)
	}
	for _, it := range out.Items {
		if id := stringAttr(it, "profileId"); id != "" {
			ids = append(ids, id)
		}
	}
	if out.LastEvaluatedKey != nil {
		next = stringAttr(out.LastEvaluatedKey, "PK") + "\x00" + stringAttr(out.LastEvaluatedKey, "SK")
	}
	return ids, next, nil
}
