package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/idempotency"
)

const idempotencyPrefix = "IDEMPOTENCY#"

// idempotencyItem is an Idempotency-Key's record; DynamoDB's TTL deletes it
// after expiresAt (epoch seconds).
type idempotencyItem struct {
	PK          string            `dynamodbav:"PK"`
	SK          string            `dynamodbav:"SK"`
	Type        string            `dynamodbav:"type"`
	RequestHash string            `dynamodbav:"requestHash"`
	Done        bool              `dynamodbav:"done"`
	Status      int               `dynamodbav:"status,omitempty"`
	Header      map[string]string `dynamodbav:"header,omitempty"`
	Body        []byte            `dynamodbav:"body,omitempty"`
	ExpiresAt   int64             `dynamodbav:"expiresAt"`
}

// idempotencyPK hashes the key, which may be any 255 characters, into a key of fixed size.
func idempotencyPK(key string) string {
	sum := sha256.Sum256([]byte(key))
	return idempotencyPrefix + hex.EncodeToString(sum[:])
}

func toIdempotencyItem(key string, r idempotency.Record) idempotencyItem {
	return idempotencyItem{PK: idempotencyPK(key), SK: markerSK, Type: "idempotency", RequestHash: r.RequestHash,
		Done: r.Done, Status: r.Status, Header: r.Header, Body: r.Body, ExpiresAt: r.Expires.Unix()}
}

// Begin claims the key unless an unexpired record holds it.
func (s *Store) Begin(ctx context.Context, idemKey string, rec idempotency.Record, now time.Time) (*idempotency.Record, error) {
	item, err := attributevalue.MarshalMap(toIdempotencyItem(idemKey, rec))
	if err != nil {
		return nil, err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: item,
		// TTL deletes expired items only eventually: an expired one is free.
		ConditionExpression:                 aws.String("attribute_not_exists(PK) OR expiresAt < :now"),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return nil, classify(err)
	}
	old := ccf.Item
	if old == nil {
		out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(idempotencyPK(idemKey), markerSK), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return nil, classify(err)
		}
		old = out.Item
	}
	var it idempotencyItem
	if err := attributevalue.UnmarshalMap(old, &it); err != nil {
		return nil, err
	}
	return &idempotency.Record{RequestHash: it.RequestHash, Done: it.Done, Status: it.Status, Header: it.Header,
		Body: it.Body, Expires: time.Unix(it.ExpiresAt, 0)}, nil
}

// Finish stores the response.
func (s *Store) Finish(ctx context.Context, idemKey string, rec idempotency.Record) error {
	item, err := attributevalue.MarshalMap(toIdempotencyItem(idemKey, rec))
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item})
	return classify(err)
}

// Abandon forgets the key.
func (s *Store) Abandon(ctx context.Context, idemKey string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: key(idempotencyPK(idemKey), markerSK)})
	return classify(err)
}
