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
			id := last[len(last)-24:]
			in.ExclusiveStartKey = map[string]types.AttributeValue{
				listPartitionAttr: &types.AttributeValueMemberS{Value: pk},
				"byUpdateTime":    &types.AttributeValueMemberS{Value: last},
				"PK":              &types.AttributeValueMemberS{Value: profileKey(id)},
				"SK":              &types.AttributeValueMemberS{Value: profileSK},
			}
		}
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, "", classify(err)
		}
		res := make([]profile.Disabled, 0, len(out.Items))
		next := ""
		for _, it := range out.Items {
			d := decoder{av: it}
			key := d.str("byUpdateTime")
			updated, _ := profile.ParseTime(strings.TrimSuffix(key, key[strings.LastIndex(key, keySep):]))
			res = append(res, profile.Disabled{
				ID: strings.TrimPrefix(d.str("PK"), profilePrefix), Version: d.int("version"), UpdateTime: updated,
			})
			next = strconv.Itoa(shard) + "|" + key
			if d.err != nil {
				return nil, "", d.err
			}
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
