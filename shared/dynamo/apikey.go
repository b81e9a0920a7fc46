package dynamo

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/auth"
	"github.com/profiles-service/profiles/shared/profile"
)

const apiKeyPrefix = "APIKEY#"

// apiKeyItem is an API key's record: PK=APIKEY#<sha256 hex>.
type apiKeyItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Type       string `dynamodbav:"type"`
	Hash       string `dynamodbav:"hash"`
	Name       string `dynamodbav:"name"`
	CreateTime string `dynamodbav:"createTime"`
	Revoked    bool   `dynamodbav:"revoked"`
}

// PutAPIKey stores a new key's hash.
func (s *Store) PutAPIKey(ctx context.Context, k auth.APIKey) error {
	item, err := attributevalue.MarshalMap(apiKeyItem{PK: apiKeyPrefix + k.Hash, SK: markerSK, Type: "apikey",
		Hash: k.Hash, Name: k.Name, CreateTime: profile.FormatTime(k.CreateTime), Revoked: k.Revoked})
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item,
		ConditionExpression: aws.String("attribute_not_exists(PK)")})
	return classify(err)
}

// APIKey reads the key with the hash.
func (s *Store) APIKey(ctx context.Context, hash string) (auth.APIKey, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(apiKeyPrefix+hash, markerSK), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return auth.APIKey{}, classify(err)
	}
	if out.Item == nil {
		return auth.APIKey{}, auth.ErrUnknownKey
	}
	var it apiKeyItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return auth.APIKey{}, err
	}
	return auth.APIKey{Hash: it.Hash, Name: it.Name, CreateTime: parseTime(it.CreateTime), Revoked: it.Revoked}, nil
}

// RevokeAPIKey marks the key revoked.
func (s *Store) RevokeAPIKey(ctx context.Context, hash string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table, Key: key(apiKeyPrefix+hash, markerSK),
		UpdateExpression:          aws.String("SET revoked = :t"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberBOOL{Value: true}}})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return auth.ErrUnknownKey
	}
	return classify(err)
}
