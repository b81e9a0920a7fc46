package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/profile"
)

// DisabledBefore pages through the sparse index of disabled profiles whose
// updateTime is before cutoff, oldest first: its cost follows the number of
// expired profiles, not the table. after is the previous page's last key
// ("" to start); the returned key is "" when no more follow.
func (s *Store) DisabledBefore(ctx context.Context, cutoff time.Time, limit int32, after string) ([]profile.Disabled, string, error) {
	kc := expression.Key("disabledPK").Equal(expression.Value(disabledPartition)).
		And(expression.Key("disabledSK").LessThan(expression.Value(profile.FormatTime(cutoff))))
	expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return nil, "", err
	}
	in := &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(DisabledIndex),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(),
		ExpressionAttributeValues: expr.Values(), Limit: aws.Int32(limit),
	}
	if after != "" {
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			"disabledPK": &types.AttributeValueMemberS{Value: disabledPartition},
			"disabledSK": &types.AttributeValueMemberS{Value: after},
			"PK":         &types.AttributeValueMemberS{Value: profileKey(after[len(after)-24:])},
			"SK":         &types.AttributeValueMemberS{Value: profileSK},
		}
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", classify(err)
	}
	var rows []struct {
		ProfileID  string `dynamodbav:"profileId"`
		Version    int64  `dynamodbav:"version"`
		UpdateTime string `dynamodbav:"updateTime"`
		DisabledSK string `dynamodbav:"disabledSK"`
	}
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &rows); err != nil {
		return nil, "", err
	}
	res := make([]profile.Disabled, len(rows))
	next := ""
	for i, r := range rows {
		res[i] = profile.Disabled{ID: r.ProfileID, Version: r.Version, UpdateTime: parseTime(r.UpdateTime)}
		next = r.DisabledSK
	}
	if out.LastEvaluatedKey == nil {
		next = ""
	}
	return res, next, nil
}
