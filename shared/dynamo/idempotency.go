package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/idempotency"
)

const idempotencyPrefix = "IDEMPOTENCY#"

// keyRefPrefix starts the sort key of a pointer item: PK=PROFILE#<id>,
// SK=IDEMPOTENCY#<the record's hash>. A keyed request about a profile
// writes one in its transaction, so an erasure finds the profile's records
// by reading its own partition. It holds no personal data either.
const keyRefPrefix = "IDEMPOTENCY#"

// keyRefSlack is how long a pointer outlives its record: DynamoDB's TTL
// deletes expired items only within days, in no order, and a pointer gone
// before its record would leave the record out of an erasure.
const keyRefSlack = 7 * 24 * time.Hour

// keyRefItem is a pointer from a profile's partition to one of its records.
type keyRefItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

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
	// Receipt is an erasure's receipt, sealed under the key (sealReceipt).
	Receipt   []byte `dynamodbav:"receipt,omitempty"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

// idempotencyPK hashes the key, which may be any 255 characters and names
// its caller, into a key of fixed size.
func idempotencyPK(key string) string {
	sum := sha256.Sum256([]byte(key))
	return idempotencyPrefix + hex.EncodeToString(sum[:])
}

// onceItems are the transaction items that take the key for a write: the
// record, which must be unused (or expired: TTL deletes expired items only
// eventually), and for a request about a profile the pointer to it in the
// profile's partition.
func (s *Store) onceItems(rec *idempotency.Record, now time.Time) ([]otherItem, error) {
	put, err := s.recordPut(rec, now)
	if err != nil || rec.ProfileID == "" {
		return []otherItem{put}, err
	}
	pk := idempotencyPK(rec.Key)
	ref, err := attributevalue.MarshalMap(keyRefItem{PK: profileKey(rec.ProfileID), SK: keyRefPrefix + pk[len(idempotencyPrefix):],
		Type: "idempotency-ref", ExpiresAt: rec.Expires.Add(keyRefSlack).Unix()})
	if err != nil {
		return nil, err
	}
	return []otherItem{put, {tx: types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: ref}}}}, nil
}

// recordPut puts the key's record, if the key is unused (or expired).
func (s *Store) recordPut(rec *idempotency.Record, now time.Time) (otherItem, error) {
	it := idempotencyItem{
		PK: idempotencyPK(rec.Key), SK: markerSK, Type: "idempotency", RequestHash: rec.RequestHash,
		Status: rec.Status, Kind: string(rec.Kind), ProfileID: rec.ProfileID, ContactID: rec.ContactID,
		ExpiresAt: rec.Expires.Unix(),
	}
	if rec.Kind == idempotency.KindErasure {
		sealed, err := sealReceipt(rec.Key, receipt{IDs: rec.Erased, At: rec.ErasedAt.Unix()})
		if err != nil {
			return otherItem{}, err
		}
		it.Receipt = sealed
	}
	item, err := attributevalue.MarshalMap(it)
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

// TakeKey writes the record of a key whose request's effects were
// written before (an erasure's), on its own: one conditioned put. A key
// used before, by this request's earlier attempt too, is an
// *idempotency.UsedError, which the caller replays.
func (s *Store) TakeKey(ctx context.Context, once *idempotency.Record) error {
	put, err := s.recordPut(once, s.budget.Now())
	if err != nil {
		return err
	}
	p := put.tx.Put
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: p.TableName, Item: p.Item,
		ConditionExpression: p.ConditionExpression, ExpressionAttributeValues: p.ExpressionAttributeValues,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return s.usedKey(ctx, once.Key, ccf.Item)
	}
	if err != nil {
		return classify(err)
	}
	return nil
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
	rec := idempotency.Record{Key: idemKey, RequestHash: it.RequestHash, Status: it.Status, Kind: idempotency.Kind(it.Kind),
		ProfileID: it.ProfileID, ContactID: it.ContactID, Expires: time.Unix(it.ExpiresAt, 0)}
	if it.Receipt != nil {
		r, err := openReceipt(idemKey, it.Receipt)
		if err != nil {
			return idempotency.Record{}, err
		}
		rec.Erased, rec.ErasedAt = r.IDs, time.Unix(r.At, 0).UTC()
	}
	return rec, nil
}
