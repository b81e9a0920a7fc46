package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/idempotency"
)

const idempotencyPrefix = "IDEMPOTENCY#"

// idempotencyItem is a used Idempotency-Key: PK=IDEMPOTENCY#<sha256 of the
// caller-scoped key>. DynamoDB's TTL deletes it after expiresAt (epoch
// seconds). It holds hashes and ids only.
type idempotencyItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Type        string `dynamodbav:"type"`
	RequestHash string `dynamodbav:"requestHash"`
	Status      int    `dynamodbav:"status"`
	Kind        string `dynamodbav:"kind"`
	ProfileID   string `dynamodbav:"profileId"`
	ContactID   string `dynamodbav:"contactId,omitempty"`
	ExpiresAt   int64  `dynamodbav:"expiresAt"`
}

// idempotencyPK hashes the key, which may be any 255 characters and names
// its caller, into a key of fixed size.
func idempotencyPK(key string) string {
	sum := sha256.Sum256([]byte(key))
	return idempotencyPrefix + hex.EncodeToString(sum[:])
}

// onceItem is the transaction item that takes the key for a write: it
// must be unused (or expired: TTL deletes expired items only eventually).
func (s *Store) onceItem(rec *idempotency.Record, now time.Time) (otherItem, error) {
	item, err := attributevalue.MarshalMap(idempotencyItem{
		PK: idempotencyPK(rec.Key), SK: markerSK, Type: "idempotency", RequestHash: rec.RequestHash,
		Status: rec.Status, Kind: string(rec.Kind), ProfileID: rec.ProfileID, ContactID: rec.ContactID,
		ExpiresAt: rec.Expires.Unix(),
	})
	if err != nil {
		return otherItem{}, err
	}
	return otherItem{once: rec, tx: types.TransactWriteItem{Put: &types.Put{
		TableName: &s.table, Item: item,
		ConditionExpression:                 aws.String("attribute_not_exists(PK) OR expiresAt < :now"),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": number(now.Unix())},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}}, nil
}

// usedKey is the error of a write whose key was taken: old is the record
// that holds it (ALL_OLD of the cancelled condition), read again when
// DynamoDB did not return it.
func (s *Store) usedKey(ctx context.Context, key string, old map[string]types.AttributeValue) error {
	if old == nil {
		rec, err := s.Lookup(ctx, key, time.Time{})
		if err != nil {
			return err
		}
		return &idempotency.UsedError{Record: rec}
	}
	rec, err := decodeRecord(key, old)
	if err != nil {
		return err
	}
	return &idempotency.UsedError{Record: rec}
}

// Lookup returns the record of the key unless it expired before now.
func (s *Store) Lookup(ctx context.Context, idemKey string, now time.Time) (idempotency.Record, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, ConsistentRead: aws.Bool(true),
		Key: key(idempotencyPK(idemKey), markerSK)})
	if err != nil {
		return idempotency.Record{}, classify(err)
	}
	if out.Item == nil {
		return idempotency.Record{}, idempotency.ErrUnknownKey
	}
	rec, err := decodeRecord(idemKey, out.Item)
	if err == nil && rec.Expires.Before(now) {
		return idempotency.Record{}, idempotency.ErrUnknownKey
	}
	return rec, err
}

func decodeRecord(idemKey string, av map[string]types.AttributeValue) (idempotency.Record, error) {
	var it idempotencyItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return idempotency.Record{}, err
	}
	return idempotency.Record{Key: idemKey, RequestHash: it.RequestHash, Status: it.Status, Kind: idempotency.Kind(it.Kind),
		ProfileID: it.ProfileID, ContactID: it.ContactID, Expires: time.Unix(it.ExpiresAt, 0)}, nil
}
