package dynamo

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/profiles-service/profiles/shared/idempotency"
	"github.com/profiles-service/profiles/shared/profile"
)

// writeOp is what a write does to the profile item.
type writeOp int

const (
	opCreate writeOp = iota // put it; it must not exist
	opUpdate                // put it; its version must be the one read
	opDelete                // delete it; its version must be the one read
)

// write is one profile's write transaction, typed: what it does to the
// profile item, the version it requires, and the other items it writes.
// Its transaction's first item is always the profile item.
type write struct {
	op        writeOp
	profileID string
	version   int64                           // the version an update or delete requires
	item      map[string]types.AttributeValue // the profile item a create or update puts
	others    []otherItem
}

// takeKey adds the item that takes the write's Idempotency-Key, if it has one.
func (s *Store) takeKey(w *write, once *idempotency.Record) error {
	if once == nil {
		return nil
	}
	item, err := s.onceItem(once, time.Now())
	if err != nil {
		return err
	}
	w.others = append(w.others, item)
	return nil
}

// otherItem is an item a write changes besides the profile item.
type otherItem struct {
	tx     types.TransactWriteItem
	marker *markerRef          // set when the item takes a uniqueness marker
	once   *idempotency.Record // set when the item takes the write's Idempotency-Key
}

// markerRef is a uniqueness marker a write takes: its key and what it keeps unique.
type markerRef struct {
	pk    string
	field uniqueField
}

// transaction is the write's items: the profile item on its condition
// (tagged with writeID, which tells the write's own outcome apart when it
// is unknown), then the others.
func (w write) transaction(table, writeID string) []types.TransactWriteItem {
	var first types.TransactWriteItem
	switch w.op {
	case opCreate, opUpdate:
		w.item["writeId"] = &types.AttributeValueMemberS{Value: writeID} // each try's own
		put := &types.Put{TableName: &table, Item: w.item}
		if w.op == opCreate {
			// The id is free, or held only by the fences of other creates
			// (a retry of one whose outcome was unknown takes the id; the
			// fenced one never can).
			put.ConditionExpression = aws.String("attribute_not_exists(PK) OR (#type = :fence AND NOT contains(fenced, :w))")
			put.ExpressionAttributeNames = map[string]string{"#type": "type"}
			put.ExpressionAttributeValues = map[string]types.AttributeValue{
				":fence": &types.AttributeValueMemberS{Value: fenceType}, ":w": &types.AttributeValueMemberS{Value: writeID}}
		} else {
			put.ConditionExpression = aws.String("version = :v")
			put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": number(w.version)}
		}
		first.Put = put
	case opDelete:
		first.Delete = &types.Delete{
			TableName: &table, Key: key(profileKey(w.profileID), profileSK),
			ConditionExpression:       aws.String("version = :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": number(w.version)},
		}
	}
	items := make([]types.TransactWriteItem, 0, 1+len(w.others))
	items = append(items, first)
	for _, o := range w.others {
		items = append(items, o.tx)
	}
	return items
}

// settleTimeout bounds the calls that settle a write whose outcome is unknown.
const settleTimeout = time.Second

// fenceTTL is how long a create's fence item lives (DynamoDB's TTL deletes it).
const fenceTTL = time.Hour

// commit runs a write's transaction. When its outcome is unknown (the
// deadline passed or the connection failed, perhaps while DynamoDB was
// applying it), commit settles it beyond the request's deadline: it fences
// the profile item with a write on the same condition, so a transaction
// still in flight can no longer land, and then knows. A fence that applies
// means ours did not land (503); a fence refused means something landed
// first: ours if the item carries our writeId (or, for a delete, is gone).
// So a client is told 503 only for a write that did not and will not happen.
func (s *Store) commit(ctx context.Context, w write) error {
	writeID := newWriteID()
	err := s.transact(ctx, w, w.transaction(s.table, writeID))
	if !errors.Is(err, profile.ErrUnavailable) {
		return err
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	fenced, ferr := s.fence(sctx, w, writeID)
	if ferr != nil || fenced {
		return err
	}
	out, gerr := s.db.GetItem(sctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: key(profileKey(w.profileID), profileSK), ConsistentRead: aws.Bool(true),
		ProjectionExpression: aws.String("writeId"),
	})
	if gerr != nil {
		return err
	}
	if w.op == opDelete {
		if out.Item == nil {
			return nil
		}
		return err
	}
	if id, ok := out.Item["writeId"].(*types.AttributeValueMemberS); ok && id.Value == writeID {
		return nil
	}
	return err
}

// fence makes the condition of a write's profile item false for good, if
// it still holds: for a create, an inert item takes the id and lists the
// write among those it fences (it has no profileId, reads treat it as
// absent, another create may take its place, and TTL removes it); otherwise
// the version moves on by one. It reports whether it applied.
func (s *Store) fence(ctx context.Context, w write, writeID string) (bool, error) {
	var err error
	if w.op == opCreate {
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: key(profileKey(w.profileID), profileSK),
			UpdateExpression:         aws.String("SET #type = :fence, expiresAt = :exp ADD fenced :w"),
			ConditionExpression:      aws.String("attribute_not_exists(PK) OR #type = :fence"),
			ExpressionAttributeNames: map[string]string{"#type": "type"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":fence": &types.AttributeValueMemberS{Value: fenceType},
				":exp":   number(time.Now().Add(fenceTTL).Unix()),
				":w":     &types.AttributeValueMemberSS{Value: []string{writeID}},
			},
		})
	} else {
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: key(profileKey(w.profileID), profileSK),
			UpdateExpression:          aws.String("SET version = version + :one"),
			ConditionExpression:       aws.String("version = :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": number(w.version), ":one": number(1)},
		})
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	return err == nil, err
}

// fenceType is the type of the inert item that holds a create's profile key
// against the creates it fences (its fenced set of write ids): it has no
// profileId, so reads (and the change events) treat it as no profile.
const fenceType = "fence"

func newWriteID() string {
	var b [12]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// errVersionChanged means the profile item changed between read and write.
var errVersionChanged = errors.New("profile version changed")

// errTxConflict means another transaction held one of the items: the same
// write may succeed when tried again.
var errTxConflict = errors.New("transaction conflict")

// transact runs a write's transaction and turns its cancellation reasons
// into domain errors: a used Idempotency-Key is an idempotency.UsedError
// (whatever else failed: the request took effect before), the profile
// item's failed condition errVersionChanged (for a create: the id exists),
// a taken uniqueness marker a ConflictError naming the profile that holds it.
func (s *Store) transact(ctx context.Context, w write, items []types.TransactWriteItem) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return classify(err)
	}
	for i, r := range tce.CancellationReasons {
		if i > 0 && w.others[i-1].once != nil && aws.ToString(r.Code) == "ConditionalCheckFailed" {
			return s.usedKey(ctx, w.others[i-1].once.Key, r.Item)
		}
	}
	for i, r := range tce.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "ConditionalCheckFailed":
			if i > 0 && w.others[i-1].marker != nil {
				return s.markerConflict(ctx, *w.others[i-1].marker, r.Item)
			}
			return errVersionChanged
		case "TransactionConflict":
			return errTxConflict
		case "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded":
			return fmt.Errorf("%w: %s", profile.ErrUnavailable, aws.ToString(r.Code))
		}
	}
	return classify(err)
}

// markerConflict names the profile that already holds a unique value.
func (s *Store) markerConflict(ctx context.Context, ref markerRef, old map[string]types.AttributeValue) error {
	var m markerItem
	if old != nil {
		_ = attributevalue.UnmarshalMap(old, &m)
	}
	if m.ProfileID == "" {
		id, err := s.profileIDByMarker(ctx, ref.pk)
		if err != nil {
			return err
		}
		m.ProfileID = id
	}
	return &profile.ConflictError{Detail: "another profile already has this " + ref.field.name, ExistingID: m.ProfileID}
}
