package dynamo

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/profile"
)

// DisabledBefore pages through the disabled profiles whose updateTime is
// before cutoff: the disabled partitions of the byUpdateTime index, shard by
// shard, oldest first in each; its cost follows the number of expired
// profiles, not the table. after is the previous page's last key ("" to
// start); the returned key is "" when no more follow.
func (s *Store) DisabledBefore(ctx context.Context, cutoff time.Time, limit int32, after string) ([]profile.Disabled, string, error) {
	shard, last := 0, ""
	if after != "" {
		n, rest, _ := strings.Cut(after, "|")
		shard, _ = strconv.Atoi(n)
		last = rest
	}
	for ; shard < s.shards; shard, last = shard+1, "" {
		pk := listPK(false, shard)
		kc := expression.Key(listPartitionAttr).Equal(expression.Value(pk)).
			And(expression.Key("byUpdateTime").LessThan(expression.Value(profile.FormatTime(cutoff))))
		expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
		if err != nil {
			return nil, "", err
		}
		in := &dynamodb.QueryInput{
			TableName: &s.table, IndexName: aws.String(indexFor("updateTime")),
			KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(),
			ExpressionAttributeValues: expr.Values(), Limit: aws.Int32(limit),
		}
		if last != "" {
			// An index's key is the table's key and the index's own.
			in.ExclusiveStartKey = key(profileKey(last[len(last)-24:]), profileSK)
			in.ExclusiveStartKey[listPartitionAttr] = &types.AttributeValueMemberS{Value: pk}
			in.ExclusiveStartKey["byUpdateTime"] = &types.AttributeValueMemberS{Value: last}
		}
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, "", classify(err)
		}
		res := make([]profile.Disabled, 0, len(out.Items))
		for _, it := range out.Items {
			d := decoder{av: it}
			res = append(res, profile.Disabled{ID: strings.TrimPrefix(d.str("PK"), profilePrefix), Version: d.int("version")})
			if d.err != nil {
				return nil, "", d.err
			}
		}
		next := ""
		if len(out.Items) > 0 {
			next = strconv.Itoa(shard) + "|" + stringAttr(out.Items[len(out.Items)-1], "byUpdateTime")
		}
		if out.LastEvaluatedKey == nil {
			next = ""
			if shard+1 < s.shards {
				next = strconv.Itoa(shard+1) + "|"
			}
		}
		if len(res) > 0 || next == "" {
			return res, next, nil
		}
	}
	return nil, "", nil
}
